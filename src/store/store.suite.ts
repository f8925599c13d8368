/**
 * The cases every Store implementation must pass. SQLite runs them in `sqlite.test.ts`; a Postgres
 * store calls `runStoreSuite('postgres', factory)` with a factory that hands out a fresh database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type Clock } from '../lib/clock.js';
import { StoreError, type StoreErrorCode } from './errors.js';
import type { CallRecord, Store } from './types.js';

/** Must return an empty, migrated store; the suite closes it after each case. */
export type StoreFactory = (ctx: { clock: Clock }) => Promise<Store>;

/** What each case of the contract suites starts from: an empty store on a fake clock standing at `t0`. */
export async function openStore(factory: StoreFactory, t0: number): Promise<{ store: Store; clock: FakeClock }> {
  const clock = new FakeClock(t0);
  return { clock, store: await factory({ clock }) };
}

const T0 = Date.UTC(2026, 10, 24, 18, 43, 55);
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
const SID = 'a'.repeat(32);
const SID2 = 'b'.repeat(32);

export function call(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    sessionId: SID,
    direction: 'inbound',
    from: '+15551230001',
    to: '+15559870002',
    startedAt: at(0),
    passThrough: 'campaign=7',
    monitoredSeconds: 0,
    ...overrides,
  };
}

async function expectStoreError(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
}

export function runStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let clock: FakeClock;
    let store: Store;
    beforeEach(async () => ({ store, clock } = await openStore(factory, T0)));
    afterEach(() => store.close());

    describe('calls', () => {
      it('round-trips a call with every field, and absent optionals read back as undefined', async () => {
        const full = call({ endedAt: at(61_000), endReason: 'caller_hangup', monitoredSeconds: 61 });
        await store.calls.create(full);
        expect(await store.calls.get(SID)).toEqual(full);

        await store.calls.create(call({ sessionId: SID2, passThrough: '' }));
        // toEqual tells null from undefined, so this also checks SQL NULL does not leak out.
        expect(await store.calls.get(SID2)).toEqual(call({ sessionId: SID2, passThrough: '' }));
      });

      it('returns undefined for an unknown session', async () => {
        expect(await store.calls.get('f'.repeat(32))).toBeUndefined();
      });

      it('refuses a second call with the same session id', async () => {
        await store.calls.create(call());
        await expectStoreError(store.calls.create(call()), 'constraint');
      });

      it('updates only the fields in the patch', async () => {
        await store.calls.create(call());
        await store.calls.update(SID, { endedAt: at(30_000), endReason: 'hangup', monitoredSeconds: 30 });
        await store.calls.update(SID, { passThrough: 'campaign=8', endReason: undefined });
        expect(await store.calls.get(SID)).toEqual(
          call({ endedAt: at(30_000), endReason: 'hangup', monitoredSeconds: 30, passThrough: 'campaign=8' }),
        );
      });

      it('reports an update of an unknown call, even with an empty patch', async () => {
        await expectStoreError(store.calls.update(SID, { endReason: 'hangup' }), 'not_found');
        await expectStoreError(store.calls.update(SID, {}), 'not_found');
        await store.calls.create(call());
        await store.calls.update(SID, {});
        expect(await store.calls.get(SID)).toEqual(call());
      });

      it('lists the most recent calls first, up to the limit', async () => {
        for (let i = 0; i < 5; i++) {
          await store.calls.create(call({ sessionId: String(i).repeat(32), startedAt: at(i * 1000) }));
        }
        const listed = await store.calls.list(3);
        expect(listed.map((c) => c.sessionId)).toEqual(['4', '3', '2'].map((d) => d.repeat(32)));
        expect(await store.calls.list(0)).toEqual([]);
        await expectStoreError(store.calls.list(-1), 'invalid_argument');
      });

      it('rejects an invalid Date instead of storing NULL', async () => {
        await expectStoreError(store.calls.create(call({ startedAt: new Date(Number.NaN) })), 'invalid_argument');
      });
    });

    describe('interactions', () => {
      beforeEach(async () => {
        await store.calls.create(call());
        await store.calls.create(call({ sessionId: SID2 }));
      });

      it('hands out unique positive integer response ids', async () => {
        const ids = [];
        for (let i = 0; i < 4; i++) {
          ids.push(await store.interactions.start({ sessionId: i % 2 ? SID2 : SID, ivrId: 10 + i, startedAt: at(i) }));
        }
        for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('starts, gets and finishes an interaction', async () => {
        const id = await store.interactions.start({ sessionId: SID, ivrId: 42, startedAt: at(1000) });
        expect(await store.interactions.get(id)).toEqual({
          responseId: id,
          sessionId: SID,
          ivrId: 42,
          startedAt: at(1000),
          completed: false,
          optedOut: false,
        });
        await store.interactions.finish(id, { completed: true, optedOut: false, endedAt: at(9000) });
        expect(await store.interactions.get(id)).toMatchObject({ completed: true, optedOut: false, endedAt: at(9000) });
        await store.interactions.finish(id, { completed: false, optedOut: true, endedAt: at(9500) });
        expect(await store.interactions.get(id)).toMatchObject({ completed: false, optedOut: true, endedAt: at(9500) });
      });

      it('returns undefined or not_found for an unknown response id', async () => {
        expect(await store.interactions.get(999_999)).toBeUndefined();
        await expectStoreError(
          store.interactions.finish(999_999, { completed: true, optedOut: false, endedAt: at(0) }),
          'not_found',
        );
      });

      it('refuses an interaction for a call that does not exist', async () => {
        await expectStoreError(
          store.interactions.start({ sessionId: 'c'.repeat(32), ivrId: 1, startedAt: at(0) }),
          'constraint',
        );
      });

      it('keeps answers in question order with their optional fields', async () => {
        const id = await store.interactions.start({ sessionId: SID, ivrId: 1, startedAt: at(0) });
        await store.interactions.addAnswer({
          responseId: id, questionNo: 3, questionType: 'recorded', value: 'rec/q3.wav', durationMs: 4200, at: at(30),
        });
        await store.interactions.addAnswer({ responseId: id, questionNo: 1, questionType: 'keypad', value: '1234', keys: '1234#', at: at(10) });
        await store.interactions.addAnswer({ responseId: id, questionNo: 2, questionType: 'menu', value: 'sales', keys: '2', at: at(20) });
        expect(await store.interactions.answers(id)).toEqual([
          { responseId: id, questionNo: 1, questionType: 'keypad', value: '1234', keys: '1234#', at: at(10) },
          { responseId: id, questionNo: 2, questionType: 'menu', value: 'sales', keys: '2', at: at(20) },
          { responseId: id, questionNo: 3, questionType: 'recorded', value: 'rec/q3.wav', durationMs: 4200, at: at(30) },
        ]);
        expect(await store.interactions.answers(999_999)).toEqual([]);
      });

      it('replaces the answer to a question asked again', async () => {
        const id = await store.interactions.start({ sessionId: SID, ivrId: 1, startedAt: at(0) });
        await store.interactions.addAnswer({ responseId: id, questionNo: 1, questionType: 'keypad', value: '9', keys: '9', at: at(10) });
        await store.interactions.addAnswer({ responseId: id, questionNo: 1, questionType: 'keypad', value: '42', at: at(20) });
        expect(await store.interactions.answers(id)).toEqual([
          { responseId: id, questionNo: 1, questionType: 'keypad', value: '42', at: at(20) },
        ]);
      });

      it('refuses an answer for an unknown interaction', async () => {
        await expectStoreError(
          store.interactions.addAnswer({ responseId: 999_999, questionNo: 1, questionType: 'keypad', value: '1', at: at(0) }),
          'constraint',
        );
      });

      it('lists a session’s interactions in the order they started', async () => {
        const a = await store.interactions.start({ sessionId: SID, ivrId: 1, startedAt: at(0) });
        await store.interactions.start({ sessionId: SID2, ivrId: 1, startedAt: at(1) });
        const b = await store.interactions.start({ sessionId: SID, ivrId: 2, startedAt: at(2) });
        expect((await store.interactions.forSession(SID)).map((i) => [i.responseId, i.ivrId])).toEqual([[a, 1], [b, 2]]);
        expect(await store.interactions.forSession('d'.repeat(32))).toEqual([]);
      });
    });

    describe('webhook log', () => {
      const request = {
        sessionId: SID,
        kind: 'ivr' as const,
        method: 'POST' as const,
        url: 'https://hooks.example.com/ivr?x=1',
        params: [['ivr_id', '7'], ['digits', '12#'], ['digits', 'again'], ['name', 'Zoë “quoted”']] as Array<[string, string]>,
        sentAt: at(500),
        attempt: 1,
      };

      it('logs the request before the outcome, then completes it', async () => {
        const id = await store.webhooks.logRequest(request);
        expect(Number.isInteger(id) && id > 0).toBe(true);
        expect(await store.webhooks.forSession(SID)).toEqual([{ id, ...request }]);

        await store.webhooks.logOutcome(id, { status: 200, latencyMs: 12.6, responseBody: '<ivr/>' });
        expect(await store.webhooks.forSession(SID)).toEqual([
          { id, ...request, status: 200, latencyMs: 13, responseBody: '<ivr/>' },
        ]);
      });

      it('records a failure without a status', async () => {
        const id = await store.webhooks.logRequest({ ...request, attempt: 2 });
        await store.webhooks.logOutcome(id, { latencyMs: 5000, failure: 'timeout after 5000 ms' });
        const [entry] = await store.webhooks.forSession(SID);
        expect(entry).toEqual({ id, ...request, attempt: 2, latencyMs: 5000, failure: 'timeout after 5000 ms' });
      });

      it('reports an outcome for an unknown entry', async () => {
        await expectStoreError(store.webhooks.logOutcome(999_999, { latencyMs: 1 }), 'not_found');
      });

      it('keeps entries without a session and lists recent ones newest first', async () => {
        const first = await store.webhooks.logRequest({ ...request, sentAt: at(1) });
        const second = await store.webhooks.logRequest({ ...request, sessionId: undefined, kind: 'post_call', method: 'GET', sentAt: at(2) });
        const third = await store.webhooks.logRequest({ ...request, sessionId: SID2, sentAt: at(3) });
        expect((await store.webhooks.recent(2)).map((e) => e.id)).toEqual([third, second]);
        const [noSession] = await store.webhooks.recent(2).then((r) => r.slice(1));
        expect(noSession?.sessionId).toBeUndefined();
        expect(noSession).toMatchObject({ kind: 'post_call', method: 'GET' });
        expect((await store.webhooks.forSession(SID)).map((e) => e.id)).toEqual([first]);
        expect(await store.webhooks.forSession('e'.repeat(32))).toEqual([]);
      });
    });

    describe('recordings', () => {
      beforeEach(async () => {
        await store.calls.create(call());
      });

      it('adds recordings and lists a session’s in order', async () => {
        const responseId = await store.interactions.start({ sessionId: SID, ivrId: 1, startedAt: at(0) });
        const q = {
          sessionId: SID, kind: 'question' as const, path: 'rec/a/q1.wav', durationMs: 3100, callerId: '+15551230001',
          createdAt: at(10), responseId, questionNo: 1,
        };
        const vm = { sessionId: SID, kind: 'voicemail' as const, path: 'vm/1.wav', durationMs: 20_000, callerId: '+15551230001', createdAt: at(20), voicemailId: 5 };
        const qid = await store.recordings.add(q);
        const vid = await store.recordings.add(vm);
        expect(qid).not.toBe(vid);
        expect(await store.recordings.forSession(SID)).toEqual([{ id: qid, ...q }, { id: vid, ...vm }]);
        expect(await store.recordings.forSession(SID2)).toEqual([]);
      });

      it('refuses a recording for a call that does not exist', async () => {
        await expectStoreError(
          store.recordings.add({ sessionId: SID2, kind: 'call', path: 'x.wav', durationMs: 1, callerId: '', createdAt: at(0) }),
          'constraint',
        );
      });
    });

    describe('outbox', () => {
      const item = (nextMs: number, kind = 'transcription') => ({
        kind, payload: JSON.stringify({ url: 'https://hooks.example.com/t', n: nextMs }), nextAttemptAt: at(nextMs), expiresAt: at(86_400_000),
      });

      it('enqueues a pending item stamped with the clock', async () => {
        clock.advance(250);
        const id = await store.outbox.enqueue(item(1000));
        expect(await store.outbox.get(id)).toEqual({
          id, ...item(1000), attempts: 0, createdAt: at(250), state: 'pending',
        });
        expect(await store.outbox.get(999_999)).toBeUndefined();
      });

      it('returns only due pending items, oldest first, up to the limit', async () => {
        const a = await store.outbox.enqueue(item(3000));
        clock.advance(1);
        const b = await store.outbox.enqueue(item(1000));
        clock.advance(1);
        const c = await store.outbox.enqueue(item(2000));
        clock.advance(1);
        await store.outbox.enqueue(item(5000));
        expect(await store.outbox.due(at(999), 10)).toEqual([]);
        expect((await store.outbox.due(at(2000), 10)).map((i) => i.id)).toEqual([b, c]); // due exactly at now counts
        expect((await store.outbox.due(at(4000), 10)).map((i) => i.id)).toEqual([a, b, c]);
        expect((await store.outbox.due(at(4000), 2)).map((i) => i.id)).toEqual([a, b]);
      });

      it('never returns a delivered item again, even if a late retry arrives', async () => {
        const id = await store.outbox.enqueue(item(0));
        await store.outbox.markDelivered(id);
        expect(await store.outbox.due(at(10 ** 9), 10)).toEqual([]);
        await store.outbox.markRetry(id, at(10), 'late timeout');
        await store.outbox.markFailed(id, 'late failure');
        expect(await store.outbox.due(at(10 ** 9), 10)).toEqual([]);
        expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 1 });
      });

      it('reschedules on retry, counting attempts and keeping the error', async () => {
        const id = await store.outbox.enqueue(item(0));
        await store.outbox.markRetry(id, at(60_000), 'HTTP 503');
        expect(await store.outbox.due(at(59_999), 10)).toEqual([]);
        expect(await store.outbox.due(at(60_000), 10)).toMatchObject([
          { id, attempts: 1, state: 'pending', lastError: 'HTTP 503', nextAttemptAt: at(60_000) },
        ]);
        await store.outbox.markRetry(id, at(120_000), 'timeout');
        await store.outbox.markDelivered(id);
        expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 3, lastError: 'timeout' });
      });

      it('stops offering a failed item', async () => {
        const id = await store.outbox.enqueue(item(0));
        await store.outbox.markFailed(id, 'expired after 24 h');
        expect(await store.outbox.due(at(10 ** 9), 10)).toEqual([]);
        expect(await store.outbox.get(id)).toMatchObject({ state: 'failed', attempts: 1, lastError: 'expired after 24 h' });
      });

      it('counts the pending items, due or not', async () => {
        expect(await store.outbox.pendingCount()).toBe(0);
        const [a, b] = [await store.outbox.enqueue(item(0)), await store.outbox.enqueue(item(0))];
        await store.outbox.enqueue(item(10 ** 9));
        await store.outbox.markRetry(a, at(60_000), 'HTTP 503');
        expect(await store.outbox.pendingCount()).toBe(3);
        await store.outbox.markDelivered(a);
        await store.outbox.markFailed(b, 'gone');
        expect(await store.outbox.pendingCount()).toBe(1);
      });

      it('reports marks of an unknown item', async () => {
        await expectStoreError(store.outbox.markDelivered(999_999), 'not_found');
        await expectStoreError(store.outbox.markRetry(999_999, at(0), 'x'), 'not_found');
        await expectStoreError(store.outbox.markFailed(999_999, 'x'), 'not_found');
      });
    });

    describe('lifecycle', () => {
      it('fails calls after close with a StoreError, and close is idempotent', async () => {
        await store.close();
        await store.close();
        await expectStoreError(store.calls.get(SID), 'closed');
        await expectStoreError(store.outbox.enqueue({ kind: 'k', payload: '{}', nextAttemptAt: at(0), expiresAt: at(1) }), 'closed');
      });
    });
  });
}
