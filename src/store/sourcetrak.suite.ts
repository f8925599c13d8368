/**
 * The cases every Store implementation must pass for SourceTrak (sourcetrak-repos.ts). SQLite runs
 * them in `sqlite.test.ts`, beside the other suites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type StoreFactory } from './store.suite.js';
import type { SourcetrakVisit, Store } from './types.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
const MIN = 60_000;
const pid = (c: string): string => c.repeat(32);

export function visit(o: Partial<SourcetrakVisit> = {}): SourcetrakVisit {
  return {
    pid: pid('a'),
    pool: 'web',
    startedAt: at(0),
    lastSeenAt: at(0),
    ip: '203.0.113.7',
    referrer: 'www.google.com',
    searchTerm: 'blue widgets',
    landing: 'https://example.com/widgets',
    title: 'Widgets',
    browser: 'Chrome',
    os: 'Linux',
    gclid: 'g1',
    gaClientId: '123.456',
    campaign: 'spring',
    platform: 'google',
    urlTag: 'ad7',
    custom: 'c',
    uniqueId: 'u',
    ...o,
  };
}

export function runSourcetrakStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (SourceTrak): ${name}`, () => {
    let store: Store;
    beforeEach(async () => ({ store } = await openStore(factory, T0)));
    afterEach(() => store.close());

    it('keeps a session and what it was shown; a page view sees both again', async () => {
      await store.sourcetrak.createVisit(visit());
      expect(await store.sourcetrak.getVisit(pid('a'))).toEqual(visit());
      await store.sourcetrak.show({ pid: pid('a'), location: '', number: '8005550161', firstShownAt: at(0), lastShownAt: at(0) });
      await store.sourcetrak.show({ pid: pid('a'), location: 'Airport', number: '8005550162', firstShownAt: at(0), lastShownAt: at(0) });
      await store.sourcetrak.touch(pid('a'), at(5 * MIN));
      expect((await store.sourcetrak.getVisit(pid('a')))?.lastSeenAt).toEqual(at(5 * MIN));
      expect(await store.sourcetrak.shownTo(pid('a'))).toEqual([
        { pid: pid('a'), location: '', number: '8005550161', firstShownAt: at(0), lastShownAt: at(5 * MIN) },
        { pid: pid('a'), location: 'Airport', number: '8005550162', firstShownAt: at(0), lastShownAt: at(5 * MIN) },
      ]);
    });

    it('says how each number is used: when last shown, and by how many sessions since a time', async () => {
      for (const [c, n, m] of [['a', '1', 0], ['b', '1', 20], ['c', '2', 40]] as const) {
        await store.sourcetrak.createVisit(visit({ pid: pid(c) }));
        await store.sourcetrak.show({ pid: pid(c), location: '', number: n, firstShownAt: at(m * MIN), lastShownAt: at(m * MIN) });
      }
      expect(await store.sourcetrak.numberUse(['1', '2', '3'], at(10 * MIN))).toEqual([
        { number: '1', lastShownAt: at(20 * MIN), liveSessions: 1 },
        { number: '2', lastShownAt: at(40 * MIN), liveSessions: 1 },
        { number: '3', liveSessions: 0 },
      ]);
      expect((await store.sourcetrak.numberUse(['1'], at(0)))[0]?.liveSessions).toBe(2);
      expect((await store.sourcetrak.showingsOf('1', 10)).map((s) => s.pid)).toEqual([pid('b'), pid('a')]);
    });

    it('stores a match with its call and reports calls by dimension, most first', async () => {
      const params = { st_rank: '1', st_campaign: 'spring', st_ip_address: '203.0.113.7' };
      const base = { pool: 'web', number: '1', rank: 1, matchedAt: at(0), params, source: 'www.google.com', keyword: 'widgets', landing: 'https://example.com/' };
      await store.sourcetrak.saveMatch({ ...base, sessionId: pid('1'), pid: pid('a'), campaign: 'spring' });
      await store.sourcetrak.saveMatch({ ...base, sessionId: pid('2'), campaign: 'spring' });
      await store.sourcetrak.saveMatch({ ...base, sessionId: pid('3'), campaign: '', matchedAt: at(MIN) });
      expect(await store.sourcetrak.matchOf(pid('1'))).toEqual({ sessionId: pid('1'), pool: 'web', number: '1', pid: pid('a'), rank: 1, matchedAt: at(0), params, erased: false });
      expect(await store.sourcetrak.report('campaign', at(0), at(2 * MIN), 10)).toEqual([{ value: 'spring', calls: 2 }, { value: '', calls: 1 }]);
      expect(await store.sourcetrak.report('campaign', at(1), at(2 * MIN), 10)).toEqual([{ value: '', calls: 1 }]);
      expect(await store.sourcetrak.report('source', at(0), at(2 * MIN), 10)).toEqual([{ value: 'www.google.com', calls: 3 }]);
    });

    it('erases sessions last seen before the cut-off, and blanks the personal values of older matches', async () => {
      await store.sourcetrak.createVisit(visit({ pid: pid('a'), lastSeenAt: at(0) }));
      await store.sourcetrak.createVisit(visit({ pid: pid('b'), lastSeenAt: at(10 * MIN) }));
      await store.sourcetrak.show({ pid: pid('a'), location: '', number: '1', firstShownAt: at(0), lastShownAt: at(0) });
      const params = { st_rank: '1', st_ip_address: '203.0.113.7', st_campaign: 'spring' };
      const base = { pool: 'web', number: '1', rank: 1, params, source: '', campaign: 'spring', keyword: '', landing: '' };
      await store.sourcetrak.saveMatch({ ...base, sessionId: pid('1'), matchedAt: at(0) });
      await store.sourcetrak.saveMatch({ ...base, sessionId: pid('2'), matchedAt: at(10 * MIN) });
      expect(await store.sourcetrak.erase(at(5 * MIN), ['st_ip_address'])).toEqual({ visits: 1, matches: 1 });
      expect(await store.sourcetrak.getVisit(pid('a'))).toBeUndefined();
      expect(await store.sourcetrak.showingsOf('1', 10)).toEqual([]);
      expect(await store.sourcetrak.getVisit(pid('b'))).toBeDefined();
      expect(await store.sourcetrak.matchOf(pid('1'))).toMatchObject({ params: { st_rank: '1', st_ip_address: '', st_campaign: 'spring' }, erased: true });
      expect(await store.sourcetrak.matchOf(pid('2'))).toMatchObject({ params, erased: false });
      expect(await store.sourcetrak.erase(at(5 * MIN), ['st_ip_address'])).toEqual({ visits: 0, matches: 0 });
    });
  });
}
