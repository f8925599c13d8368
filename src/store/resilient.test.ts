import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import { StoreError } from './errors.js';
import { resilientStore, type ResilientStore } from './resilient.js';
import { createSqliteStore } from './sqlite.js';
import { call } from './store.suite.js';
import type { Store } from './types.js';

/** The store with a switch: while `down`, every statement fails as a lost connection does. */
function flaky(inner: Store): { store: Store; down: (v: boolean) => void } {
  let isDown = false;
  const store = Object.fromEntries(
    Object.entries(inner).map(([k, repo]) => {
      if (repo === null || typeof repo !== 'object') return [k, repo];
      const copy = Object.fromEntries(
        Object.entries(repo as Record<string, unknown>).map(([m, fn]) => [
          m,
          typeof fn === 'function'
            ? (...args: unknown[]) => (isDown ? Promise.reject(new StoreError('unavailable', `${k}.${m}: connect ECONNREFUSED`)) : (fn as (...a: unknown[]) => Promise<unknown>).apply(repo, args))
            : fn,
        ]),
      );
      return [k, copy];
    }),
  ) as unknown as Store;
  return { store: { ...store, close: () => inner.close() }, down: (v) => (isDown = v) };
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (_o: unknown, msg?: string): void => void lines.push(typeof _o === 'string' ? _o : (msg ?? ''));
  return { lines, logger: { ...silentLogger, error: log, info: log, warn: log } as Logger };
}

let open: ResilientStore[] = [];
afterEach(async () => {
  for (const s of open) await s.close();
  open = [];
});

describe('resilientStore', () => {
  it('holds the writes of calls in progress while the database is away and writes them, in order, when it returns', async () => {
    const clock = new FakeClock();
    const inner = await createSqliteStore(':memory:', { clock });
    const { store: f, down } = flaky(inner);
    const { logger, lines } = recordingLogger();
    const store = resilientStore(f, { clock, logger, retryMs: 1000 });
    open.push(store);
    await store.calls.create(call());
    const responseId = await store.interactions.start({ sessionId: call().sessionId, ivrId: 1, startedAt: new Date(0) });

    down(true);
    await store.interactions.addAnswer({ responseId, questionNo: 1, questionType: 'keypad', value: '1', at: new Date(1) });
    await store.interactions.finish(responseId, { completed: true, optedOut: false, endedAt: new Date(2) });
    await store.calls.update(call().sessionId, { endedAt: new Date(3), endReason: 'caller_hangup' });
    // A post-call action queued as the call ends: held too (0: not stored yet).
    expect(await store.outbox.enqueue({ kind: 'post_call', payload: '{}', nextAttemptAt: new Date(3), expiresAt: new Date(10_000) })).toBe(0);
    expect(store.reachable).toBe(false);
    expect(store.queued).toBeGreaterThanOrEqual(2);
    // A write that must hand back an id cannot be held, and a read has nothing to read.
    await expect(store.interactions.start({ sessionId: call().sessionId, ivrId: 2, startedAt: new Date(0) })).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.calls.get(call().sessionId)).rejects.toMatchObject({ code: 'unavailable' });
    expect(lines.filter((l) => l.includes('cannot be reached'))).toHaveLength(1); // said once per outage

    down(false);
    clock.advance(1000);
    await store.flushed();
    expect(store.reachable).toBe(true);
    expect(store.queued).toBe(0);
    expect(await store.interactions.answers(responseId)).toMatchObject([{ questionNo: 1, value: '1' }]);
    expect(await store.interactions.get(responseId)).toMatchObject({ completed: true });
    expect(await store.calls.get(call().sessionId)).toMatchObject({ endReason: 'caller_hangup' });
    expect(await store.outbox.pendingCount()).toBe(1);
    expect(lines.some((l) => l.includes('answers again'))).toBe(true);
  });

  it('keeps at most maxQueued writes and says how many were lost', async () => {
    const clock = new FakeClock();
    const inner = await createSqliteStore(':memory:', { clock });
    const { store: f, down } = flaky(inner);
    const { logger, lines } = recordingLogger();
    const store = resilientStore(f, { clock, logger, maxQueued: 2 });
    open.push(store);
    await store.calls.create(call());
    down(true);
    for (let m = 1; m <= 5; m++) await store.calls.update(call().sessionId, { monitoredSeconds: m });
    expect(store.queued).toBe(2);
    expect(store.dropped).toBe(3);
    down(false);
    clock.advance(1000);
    await store.flushed();
    // The last two landed, in order: the newest value wins.
    expect(await store.calls.get(call().sessionId)).toMatchObject({ monitoredSeconds: 5 });
    expect(lines.some((l) => /3 write\(s\) of calls in progress were lost/.test(l))).toBe(true);
  });

  it('passes other failures through untouched', async () => {
    const store = resilientStore(await createSqliteStore(':memory:'));
    open.push(store);
    await expect(store.calls.update('f'.repeat(32), { monitoredSeconds: 1 })).rejects.toMatchObject({ code: 'not_found' });
    expect(store.reachable).toBe(true);
    expect(store.queued).toBe(0);
  });
});
