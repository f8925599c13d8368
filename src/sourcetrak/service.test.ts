import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFlows } from '../config/flows.js';
import { SOURCETRAK_PARAMS } from '../config/names.js';
import type { Flows } from '../config/types.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { originAllowed, SourceTrak, type PageView } from './service.js';

const FLOWS = `
numbers:
  "8005550160": ivr/1
  "8005550161": ivr/1
  "8005550162": ivr/1
  "8005550170": ivr/1
  "8005550199": ivr/1
ivrs:
  - { id: 1, questions: [{ type: say, prompt: Hi }] }
sourcetrak_pools:
  - name: web
    numbers: ["8005550160", "8005550161", "8005550162"]
    sourceguard_numbers: ["8005550170"]
    activity_keyword: seo
    domains: [example.com]
    domain_set_id: 7
    campaign: spring
    platform: google
    locations: [Airport]
    replace_numbers: ["8005550100"]
`;
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 14, 0, 0); // 09:00 in New York

const view = (o: Partial<PageView> = {}): PageView => ({
  pool: 'web',
  page: 'https://www.example.com/widgets?utm_source=bing&gclid=G1',
  referrer: 'https://www.google.com/search?q=blue+widgets',
  title: 'Widgets',
  ga: 'GA1.2.111.222',
  custom: 'c1',
  uniqueId: 'u1',
  locations: [''],
  ip: '203.0.113.7',
  userAgent: CHROME,
  doNotTrack: false,
  ...o,
});

describe('SourceTrak', () => {
  let store: Store;
  let clock: FakeClock;
  let flows: Flows;
  let st: SourceTrak;
  beforeEach(async () => {
    clock = new FakeClock(T0);
    store = await createSqliteStore(':memory:', { clock });
    flows = parseFlows(FLOWS, 'f.yaml');
    st = new SourceTrak({ store, flows: () => flows, clock, logger: silentLogger, retentionDays: 90 });
  });
  afterEach(() => store.close());

  it('gives a visitor a number for the session and matches a call to it with rank 1 and every st_* value', async () => {
    const first = await st.pageView(view());
    expect(first.numbers).toEqual({ '': '8005550161' }); // 8005550160, the first, is the default number
    expect(first.replace).toEqual(['8005550100']);
    clock.advance(5 * MIN);
    expect((await st.pageView(view({ pid: first.pid!, page: 'https://www.example.com/other', title: 'Other' }))).numbers).toEqual({ '': '8005550161' });
    clock.advance(MIN);
    const params = await st.matchCall(flows, 'a'.repeat(32), '8005550161');
    expect(Object.keys(params ?? {})).toEqual([...SOURCETRAK_PARAMS]);
    expect(params).toEqual({
      st_rank: '1',
      st_search_term: 'blue widgets',
      st_referer: 'www.google.com',
      st_baseuri: 'https://www.example.com/widgets',
      st_activity_keyword: 'seo',
      st_displayed_timestamp: '2026-12-06T09:00:00-05:00',
      st_ip_address: '203.0.113.7',
      st_document_title: 'Widgets',
      st_browser: 'Chrome',
      st_os: 'Linux',
      st_ibp_custom: 'c1',
      st_ibp_unique_id: 'u1',
      st_pid: first.pid,
      st_domain_set_id: '7',
      st_gclid: 'G1',
      st_google_ua_client_id: '111.222',
      st_pool_name: 'web',
      st_location_name: '',
      st_sourceguard: '0',
      st_campaign: 'spring',
      st_platform: 'bing',
      st_url_tag: '',
    });
    expect((await store.sourcetrak.matchOf('a'.repeat(32)))?.params).toEqual(params);
  });

  it('gives concurrent visitors different numbers, and shares when the pool is exhausted, with a higher rank', async () => {
    const [a, b] = await Promise.all([st.pageView(view({ ip: '1' })), st.pageView(view({ ip: '2' }))]);
    expect([a.numbers[''], b.numbers['']]).toEqual(['8005550161', '8005550162']);
    clock.advance(MIN);
    const c = await st.pageView(view({ ip: '3' }));
    expect(c.numbers['']).toMatch(/^800555016[12]$/); // shared, never none
    const shared = await st.matchCall(flows, 'b'.repeat(32), c.numbers['']!);
    expect(shared?.st_rank).toBe('2');
    expect(shared?.st_pid).toBe(c.pid); // the session that showed it most recently
    const other = c.numbers[''] === '8005550161' ? '8005550162' : '8005550161';
    expect((await st.matchCall(flows, 'c'.repeat(32), other))?.st_rank).toBe('1');
  });

  it('hands a number to another visitor only after the quiet period, least recently shown first', async () => {
    await st.pageView(view());
    clock.advance(MIN);
    await st.pageView(view());
    clock.advance(29 * MIN); // the first is quiet for 30 minutes now, the second for 29
    expect((await st.pageView(view())).numbers['']).toBe('8005550161');
    clock.advance(MIN); // both quiet past the hold now; the least recently shown is 8005550162
    expect((await st.pageView(view())).numbers['']).toBe('8005550162');
  });

  it('ranks a stale session 4, a number nobody saw 5, and a SourceGuard number 5 with st_sourceguard=1', async () => {
    const a = await st.pageView(view());
    clock.advance(31 * MIN);
    expect(await st.matchCall(flows, 'a'.repeat(32), a.numbers['']!)).toMatchObject({ st_rank: '4', st_pid: a.pid });
    expect(await st.matchCall(flows, 'b'.repeat(32), '8005550162')).toMatchObject({ st_rank: '5', st_pid: '', st_pool_name: 'web', st_campaign: 'spring' });
    expect(await st.matchCall(flows, 'c'.repeat(32), '8005550170')).toMatchObject({ st_rank: '5', st_sourceguard: '1' });
    expect(await st.matchCall(flows, 'd'.repeat(32), '8005550199')).toBeUndefined(); // one-to-one
  });

  it('gives each location its own number and says which in st_location_name', async () => {
    const a = await st.pageView(view({ locations: ['', 'Airport', 'Nowhere'] }));
    expect(a.numbers).toEqual({ '': '8005550161', Airport: '8005550162' });
    expect((await st.matchCall(flows, 'a'.repeat(32), '8005550162'))?.st_location_name).toBe('Airport');
  });

  it('records nothing for Do Not Track (the default number) or a crawler (the SourceGuard number)', async () => {
    expect(await st.pageView(view({ doNotTrack: true }))).toEqual({ pid: null, numbers: { '': '8005550160' }, replace: ['8005550100'] });
    expect((await st.pageView(view({ userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1)' }))).numbers).toEqual({ '': '8005550170' });
    expect(await store.sourcetrak.numberUse(['8005550161', '8005550162'], new Date(0))).toEqual([
      { number: '8005550161', liveSessions: 0 },
      { number: '8005550162', liveSessions: 0 },
    ]);
    await expect(st.pageView(view({ pool: 'nope' }))).rejects.toMatchObject({ code: 'unknown_pool' });
  });

  it('erases visits after the retention period, and blanks what identifies the visitor in old matches', async () => {
    const a = await st.pageView(view());
    await st.matchCall(flows, 'a'.repeat(32), a.numbers['']!);
    clock.advance(89 * 24 * 60 * MIN);
    expect(await st.eraseExpired()).toEqual({ visits: 0, matches: 0 });
    clock.advance(2 * 24 * 60 * MIN);
    expect(await st.eraseExpired()).toEqual({ visits: 1, matches: 1 });
    const m = await store.sourcetrak.matchOf('a'.repeat(32));
    expect(m?.params).toMatchObject({ st_ip_address: '', st_pid: '', st_gclid: '', st_campaign: 'spring', st_referer: 'www.google.com' });
  });

  it('allows pages on the pool\'s domains and their subdomains only', () => {
    const pool = flows.sourcetrakPools!.get('web')!;
    expect(['https://example.com', 'http://www.example.com:8080', 'https://evil-example.com', 'https://example.com.evil.net', 'null'].map((o) => originAllowed(pool, o))).toEqual([true, true, false, false, false]);
  });
});
