/**
 * The cases every Store implementation must pass for the call history (timelines, blocks entered,
 * searches, counts) and the console's reads of the webhook log and recordings. SQLite runs them in
 * `sqlite.test.ts`, beside runStoreSuite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type StoreFactory } from './store.suite.js';
import type { CallRecord, Store } from './types.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const at = (ms: number): Date => new Date(T0 + ms);
const sid = (n: number): string => n.toString(16).padStart(32, '0');

function call(n: number, over: Partial<CallRecord> = {}): CallRecord {
  return { sessionId: sid(n), direction: 'inbound', from: '+13125550100', to: '+18005550100', startedAt: at(n * 1000), passThrough: '', monitoredSeconds: 0, ...over };
}

export function runHistoryStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (history): ${name}`, () => {
    let store: Store;
    beforeEach(async () => ({ store } = await openStore(factory, T0)));
    afterEach(() => store.close());

    describe('timeline', () => {
      it('appends events in order and reads them back with their data', async () => {
        await store.calls.create(call(1));
        await store.history.appendEvents([
          { sessionId: sid(1), at: at(5), type: 'prompt', data: { text: 'Welcome', parts: [{ text: 'Welcome' }] } },
          { sessionId: sid(1), at: at(5), type: 'keys', data: { digits: '12', terminator: '#', reason: 'terminator' } },
        ]);
        await store.history.appendEvents([{ sessionId: sid(1), at: at(9), type: 'hangup', data: { by: 'caller' } }]);
        const events = await store.history.events(sid(1));
        expect(events.map((e) => [e.type, e.at, e.data])).toEqual([
          ['prompt', at(5), { text: 'Welcome', parts: [{ text: 'Welcome' }] }],
          ['keys', at(5), { digits: '12', terminator: '#', reason: 'terminator' }],
          ['hangup', at(9), { by: 'caller' }],
        ]);
        expect(events[0]!.id).toBeLessThan(events[1]!.id);
        expect(await store.history.events(sid(2))).toEqual([]);
      });

      it('writes a large batch (more rows than one INSERT takes)', async () => {
        await store.calls.create(call(1));
        await store.history.appendEvents(Array.from({ length: 1234 }, (_, i) => ({ sessionId: sid(1), at: at(i), type: 'keys', data: { i } })));
        const events = await store.history.events(sid(1));
        expect(events).toHaveLength(1234);
        expect(events[1233]!.data).toEqual({ i: 1233 });
      });

      it('refuses events of a call that does not exist', async () => {
        await expect(store.history.appendEvents([{ sessionId: sid(9), at: at(0), type: 'x', data: {} }])).rejects.toMatchObject({ code: 'constraint' });
      });
    });

    describe('blocks entered', () => {
      it('keeps the first visit of each block, in the order entered, and ignores unknown calls', async () => {
        await store.calls.create(call(1));
        await store.calls.create(call(2));
        await store.history.addBlock({ sessionId: sid(1), block: 'ivr/10', at: at(1000) });
        await store.history.addBlock({ sessionId: sid(1), block: 'findme/4', at: at(2000) });
        await store.history.addBlock({ sessionId: sid(1), block: 'ivr/10', at: at(3000) });
        await store.history.addBlock({ sessionId: sid(9), block: 'ivr/10', at: at(3000) });
        const blocks = await store.history.blocks([sid(1), sid(2), sid(9)]);
        expect([...blocks]).toEqual([[sid(1), ['ivr/10', 'findme/4']]]);
        expect(await store.history.blocks([])).toEqual(new Map());
      });
    });

    describe('search', () => {
      beforeEach(async () => {
        // 1..6, newest last; 3 and 4 start in the same millisecond (the session id breaks the tie).
        await store.calls.create(call(1, { endReason: 'caller_hangup', endedAt: at(9000) }));
        await store.calls.create(call(2, { to: '+18005550199', endReason: 'hangup' }));
        await store.calls.create(call(3, { from: '+14155550123', startedAt: at(3000) }));
        await store.calls.create(call(4, { direction: 'outbound', startedAt: at(3000), endReason: 'hangup' }));
        await store.calls.create(call(5));
        await store.calls.create(call(6, { endReason: 'caller_hangup' }));
        for (const n of [1, 4, 6]) await store.history.addBlock({ sessionId: sid(n), block: 'ivr/10', at: at(n * 1000 + 5) });
        await store.history.addBlock({ sessionId: sid(5), block: 'voicemail/1', at: at(5005) });
      });
      const ids = (calls: CallRecord[]): number[] => calls.map((c) => parseInt(c.sessionId, 16));

      it('lists newest first, the session id breaking ties, with every field', async () => {
        const all = await store.history.search({}, undefined, 10);
        expect(ids(all)).toEqual([6, 5, 4, 3, 2, 1]);
        expect(all[5]).toEqual(call(1, { endReason: 'caller_hangup', endedAt: at(9000) }));
      });

      it('pages with a key that stays stable while newer calls arrive', async () => {
        const first = await store.history.search({}, undefined, 2);
        expect(ids(first)).toEqual([6, 5]);
        await store.calls.create(call(7));
        const last = first[1]!;
        const second = await store.history.search({}, { startedAt: last.startedAt, sessionId: last.sessionId }, 2);
        expect(ids(second)).toEqual([4, 3]);
        const third = await store.history.search({}, { startedAt: second[1]!.startedAt, sessionId: second[1]!.sessionId }, 2);
        expect(ids(third)).toEqual([2, 1]);
      });

      it('filters by each field, and by several at once', async () => {
        expect(ids(await store.history.search({ number: '+18005550199' }, undefined, 10))).toEqual([2]);
        expect(ids(await store.history.search({ caller: '+14155550123' }, undefined, 10))).toEqual([3]);
        expect(ids(await store.history.search({ endReason: 'hangup' }, undefined, 10))).toEqual([4, 2]);
        expect(ids(await store.history.search({ direction: 'outbound' }, undefined, 10))).toEqual([4]);
        expect(ids(await store.history.search({ since: at(2000), until: at(5000) }, undefined, 10))).toEqual([4, 3, 2]);
        expect(ids(await store.history.search({ block: 'ivr/10' }, undefined, 10))).toEqual([6, 4, 1]);
        expect(ids(await store.history.search({ block: 'ivr/10', endReason: 'hangup' }, undefined, 10))).toEqual([4]);
        expect(ids(await store.history.search({ block: 'ivr/10', since: at(2000) }, undefined, 10))).toEqual([6, 4]);
        expect(ids(await store.history.search({ block: 'ivr/99' }, undefined, 10))).toEqual([]);
      });

      it('pages through a block filter too', async () => {
        const first = await store.history.search({ block: 'ivr/10' }, undefined, 2);
        expect(ids(first)).toEqual([6, 4]);
        const next = await store.history.search({ block: 'ivr/10' }, { startedAt: first[1]!.startedAt, sessionId: first[1]!.sessionId }, 2);
        expect(ids(next)).toEqual([1]);
      });
    });

    describe('counts', () => {
      it('counts calls by end reason and by hour, and webhook requests and failures by kind', async () => {
        const H = 3_600_000;
        await store.calls.create(call(1, { startedAt: at(-1) })); // before the window
        await store.calls.create(call(2, { startedAt: at(0), endReason: 'hangup' }));
        await store.calls.create(call(3, { startedAt: at(H - 1), endReason: 'hangup' }));
        await store.calls.create(call(4, { startedAt: at(2 * H + 5) }));
        await store.calls.create(call(5, { startedAt: at(3 * H) })); // at the end: excluded
        const stats = await store.history.callStats(at(0), at(3 * H));
        expect(stats).toEqual({ total: 3, byEndReason: { hangup: 2, '': 1 }, perHour: [2, 0, 1] });

        const base = { method: 'POST' as const, url: 'http://127.0.0.1/h', params: [], attempt: 1 };
        const ok = await store.webhooks.logRequest({ ...base, kind: 'ivr', sentAt: at(10) });
        await store.webhooks.logOutcome(ok, { status: 200, latencyMs: 5 });
        const bad = await store.webhooks.logRequest({ ...base, kind: 'ivr', sentAt: at(20) });
        await store.webhooks.logOutcome(bad, { status: 500, latencyMs: 5, failure: 'HTTP status 500' });
        await store.webhooks.logRequest({ ...base, kind: 'post_call', sentAt: at(30) });
        await store.webhooks.logRequest({ ...base, kind: 'post_call', sentAt: at(-30) });
        expect(await store.history.webhookStats(at(0), at(H))).toEqual([
          { kind: 'ivr', requests: 2, failures: 1 },
          { kind: 'post_call', requests: 1, failures: 0 },
        ]);
      });
    });

    describe('webhook log reads', () => {
      it('gets one entry, lists newest first with filters and a page start, and keeps replay_of', async () => {
        const base = { method: 'GET' as const, url: 'http://127.0.0.1/h?a=1', params: [['a', '1']] as Array<[string, string]>, attempt: 1 };
        const a = await store.webhooks.logRequest({ ...base, kind: 'ivr', sessionId: sid(1), sentAt: at(1) });
        const b = await store.webhooks.logRequest({ ...base, kind: 'post_call', sessionId: sid(1), sentAt: at(2) });
        await store.webhooks.logOutcome(b, { latencyMs: 3, failure: 'timeout' });
        const c = await store.webhooks.logRequest({ ...base, kind: 'ivr', sentAt: at(3), replayOf: a });
        expect(await store.webhooks.get(c)).toEqual({ ...base, id: c, kind: 'ivr', sentAt: at(3), replayOf: a });
        expect(await store.webhooks.get(a)).not.toHaveProperty('replayOf');
        expect(await store.webhooks.get(999)).toBeUndefined();
        const list = async (f: Parameters<Store['webhooks']['list']>[0], before?: number): Promise<number[]> => (await store.webhooks.list(f, before, 10)).map((e) => e.id);
        expect(await list({})).toEqual([c, b, a]);
        expect(await list({}, c)).toEqual([b, a]);
        expect(await list({ sessionId: sid(1) })).toEqual([b, a]);
        expect(await list({ kind: 'ivr' })).toEqual([c, a]);
        expect(await list({ failed: true })).toEqual([b]);
        expect(await list({ failed: false })).toEqual([c, a]);
        expect(await list({ since: at(2), until: at(3) })).toEqual([b]);
      });
    });

    describe('recording reads', () => {
      it('gets, lists newest first with filters, and deletes', async () => {
        await store.calls.create(call(1));
        await store.calls.create(call(2));
        const rec = { durationMs: 1500, callerId: '+13125550100', createdAt: at(100) };
        const q = await store.recordings.add({ ...rec, sessionId: sid(1), kind: 'question', path: 'recordings/x/1-q1.wav' });
        const v1 = await store.recordings.add({ ...rec, sessionId: sid(1), kind: 'voicemail', path: 'recordings/voicemail/1/a.wav', voicemailId: 1 });
        const v2 = await store.recordings.add({ ...rec, sessionId: sid(2), kind: 'voicemail', path: 'recordings/voicemail/2/b.wav', voicemailId: 2 });
        expect(await store.recordings.get(v1)).toEqual({ ...rec, id: v1, sessionId: sid(1), kind: 'voicemail', path: 'recordings/voicemail/1/a.wav', voicemailId: 1 });
        expect(await store.recordings.get(999)).toBeUndefined();
        const list = async (f: Parameters<Store['recordings']['list']>[0], before?: number): Promise<number[]> => (await store.recordings.list(f, before, 10)).map((r) => r.id);
        expect(await list({})).toEqual([v2, v1, q]);
        expect(await list({}, v2)).toEqual([v1, q]);
        expect(await list({ sessionId: sid(1) })).toEqual([v1, q]);
        expect(await list({ kind: 'voicemail' })).toEqual([v2, v1]);
        expect(await list({ voicemailId: 2 })).toEqual([v2]);
        expect(await store.recordings.delete(v1)).toBe(true);
        expect(await store.recordings.delete(v1)).toBe(false);
        expect(await list({ kind: 'voicemail' })).toEqual([v2]);
      });
    });
  });
}
