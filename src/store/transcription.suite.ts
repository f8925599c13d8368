/**
 * The cases every Store implementation must pass for transcription jobs (migration 007). SQLite runs
 * them in `sqlite.test.ts`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type StoreFactory } from './store.suite.js';
import type { NewTranscriptionJob, OutboxInsert, Store } from './types.js';
import type { FakeClock } from '../lib/clock.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const at = (ms: number): Date => new Date(T0 + ms);
const SID = 'c'.repeat(32);

function job(over: Partial<NewTranscriptionJob> = {}): NewTranscriptionJob {
  return {
    sessionId: SID,
    ivrId: 20,
    responseId: 7,
    questionNo: 2,
    recordingPath: `recordings/${SID}/7-q2.wav`,
    durationMs: 4_400,
    mode: 'standard',
    createdAt: at(0),
    timezone: 'UTC',
    postback: { url: 'http://127.0.0.1:9/t', secret: 's3' },
    ...over,
  };
}

const postback = (): OutboxInsert => ({ kind: 'transcription', payload: '{"v":1}', nextAttemptAt: at(10), expiresAt: at(86_400_000) });

export function runTranscriptionStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (transcription jobs): ${name}`, () => {
    let store: Store;
    let clock: FakeClock;
    beforeEach(async () => {
      ({ store, clock } = await openStore(factory, T0));
      await store.calls.create({ sessionId: SID, direction: 'inbound', from: '1', to: '2', startedAt: at(0), passThrough: '', monitoredSeconds: 0 });
    });
    afterEach(() => store.close());

    it('creates a pending job, due at once, and reads every field back', async () => {
      const id = await store.transcriptions.create(job());
      expect(await store.transcriptions.get(id)).toEqual({
        id,
        ...job(),
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at(0),
      });
      const bare = await store.transcriptions.create(job({ mode: 'human', postback: undefined }));
      expect(await store.transcriptions.get(bare)).not.toHaveProperty('postback');
      expect(await store.transcriptions.get(9999)).toBeUndefined();
    });

    it('hands out due jobs of one mode, oldest due first, and leaves the rest', async () => {
      const a = await store.transcriptions.create(job());
      const b = await store.transcriptions.create(job({ questionNo: 3 }));
      await store.transcriptions.create(job({ mode: 'human' }));
      await store.transcriptions.retry(a, at(60_000), 'timeout');
      expect((await store.transcriptions.due('standard', at(1), 10)).map((j) => j.id)).toEqual([b]);
      expect((await store.transcriptions.due('standard', at(60_000), 10)).map((j) => j.id)).toEqual([b, a]);
      expect((await store.transcriptions.get(a))).toMatchObject({ attempts: 1, lastError: 'timeout', state: 'pending' });
      expect(await store.transcriptions.pendingCount('standard')).toBe(2);
      expect(await store.transcriptions.pendingCount('human')).toBe(1);
    });

    it('stores the text and queues the post-back in one step, once', async () => {
      const id = await store.transcriptions.create(job());
      const first = await store.transcriptions.complete(id, { text: 'hello there', engine: 'http', at: at(5_000), postback: postback() });
      expect(first.completed).toBe(true);
      expect(first.outboxId).toBeGreaterThan(0);
      const second = await store.transcriptions.complete(id, { text: 'again', engine: 'human', at: at(6_000), postback: postback() });
      expect(second).toEqual({ completed: false });
      expect(await store.transcriptions.get(id)).toMatchObject({ state: 'done', text: 'hello there', engine: 'http', finishedAt: at(5_000), outboxId: first.outboxId });
      expect(await store.outbox.pendingCount()).toBe(1);
      const item = await store.outbox.get(first.outboxId!);
      expect(item).toMatchObject({ kind: 'transcription', payload: '{"v":1}', nextAttemptAt: at(10), createdAt: new Date(clock.now()) });
      // Final: nothing moves a done job.
      expect(await store.transcriptions.retry(id, at(1), 'x')).toBe(false);
      expect(await store.transcriptions.end(id, 'failed', 'x', at(1))).toBe(false);
      expect(await store.transcriptions.pendingCount('standard')).toBe(0);
    });

    it('keeps the text without queuing anything when there is no post-back', async () => {
      const id = await store.transcriptions.create(job({ postback: undefined }));
      expect(await store.transcriptions.complete(id, { text: 'kept', engine: 'local', at: at(1) })).toEqual({ completed: true });
      expect(await store.outbox.pendingCount()).toBe(0);
      expect(await store.transcriptions.get(id)).not.toHaveProperty('outboxId');
    });

    it('ends a job failed or skipped with its reason', async () => {
      const a = await store.transcriptions.create(job());
      const b = await store.transcriptions.create(job({ mode: 'human' }));
      expect(await store.transcriptions.end(a, 'failed', 'engine said 500 four times', at(9))).toBe(true);
      expect(await store.transcriptions.end(b, 'skipped', 'no speech', at(9))).toBe(true);
      expect(await store.transcriptions.get(a)).toMatchObject({ state: 'failed', lastError: 'engine said 500 four times', finishedAt: at(9) });
      expect((await store.transcriptions.list({ state: 'skipped' }, undefined, 10)).map((j) => j.id)).toEqual([b]);
    });

    it('lets one person claim a job until the claim lapses', async () => {
      const id = await store.transcriptions.create(job({ mode: 'human' }));
      expect(await store.transcriptions.claim(id, 'ann', at(60_000), at(0))).toBe(true);
      expect(await store.transcriptions.claim(id, 'bob', at(70_000), at(1_000))).toBe(false);
      expect(await store.transcriptions.claim(id, 'ann', at(90_000), at(2_000))).toBe(true);
      expect(await store.transcriptions.claim(id, 'bob', at(150_000), at(90_000))).toBe(true);
      expect(await store.transcriptions.get(id)).toMatchObject({ claimedBy: 'bob', claimedUntil: at(150_000) });
    });

    it('goes with its interaction when an IVR\'s interactions are deleted', async () => {
      const responseId = await store.interactions.start({ sessionId: SID, ivrId: 20, startedAt: at(0) });
      await store.transcriptions.create(job({ responseId }));
      const other = await store.transcriptions.create(job({ responseId: responseId + 100 }));
      await store.reports.deleteInteractions({ ivrId: 20 });
      expect((await store.transcriptions.forSession(SID)).map((j) => j.id)).toEqual([other]);
    });

    it('lists by filter, oldest first, after a cursor; and per call', async () => {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await store.transcriptions.create(job({ questionNo: i + 1, mode: i % 2 ? 'human' : 'standard' })));
      expect((await store.transcriptions.list({ mode: 'human' }, undefined, 10)).map((j) => j.questionNo)).toEqual([2, 4]);
      expect((await store.transcriptions.list({}, ids[1], 2)).map((j) => j.id)).toEqual([ids[2], ids[3]]);
      expect((await store.transcriptions.list({ sessionId: 'd'.repeat(32) }, undefined, 10))).toEqual([]);
      expect((await store.transcriptions.forSession(SID)).map((j) => j.id)).toEqual(ids);
    });
  });
}
