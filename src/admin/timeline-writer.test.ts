import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { CallEventRecord } from '../store/types.js';
import { MAX_PENDING, TimelineWriter } from './timeline-writer.js';

type Row = Omit<CallEventRecord, 'id'>;

function fakeRepo(fail: (rows: Row[]) => boolean = () => false) {
  const batches: Row[][] = [];
  const visits: string[] = [];
  return {
    batches,
    visits,
    appendEvents: async (rows: Row[]) => {
      if (fail(rows)) throw new Error('constraint failed');
      batches.push(rows);
    },
    addBlock: async (v: { sessionId: string; block: string }) => {
      visits.push(`${v.sessionId}:${v.block}`);
    },
  };
}

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const l = { ...silentLogger, errors, error: (_o: unknown, msg?: string) => void errors.push(String(msg)), warn: (_o: unknown, msg?: string) => void errors.push(String(msg)) };
  return l as unknown as Logger & { errors: string[] };
}

describe('TimelineWriter', () => {
  it('writes every call\'s pending events in one statement per interval, in order, stamped when added', async () => {
    const clock = new FakeClock(1_000_000);
    const repo = fakeRepo();
    const w = new TimelineWriter({ repo, clock, logger: silentLogger, flushMs: 100 });
    w.add('a', 'prompt', { text: 'hi' });
    clock.advance(30);
    w.add('b', 'keys', { digits: '1' });
    w.visit('a', 'ivr/10');
    w.add('a', 'hangup', { by: 'caller' });
    expect(repo.batches).toEqual([]);
    clock.advance(69);
    expect(repo.batches).toEqual([]);
    clock.advance(1);
    await w.flush();
    expect(repo.batches).toHaveLength(1);
    expect(repo.batches[0]!.map((r) => [r.sessionId, r.type, r.at.getTime()])).toEqual([['a', 'prompt', 1_000_000], ['b', 'keys', 1_000_030], ['a', 'hangup', 1_000_030]]);
    expect(repo.visits).toEqual(['a:ivr/10']);
    // Nothing pending: no timer left behind, no empty write.
    expect(clock.pendingTimers()).toBe(0);
    await w.flush();
    expect(repo.batches).toHaveLength(1);
  });

  it('writes the other calls\' events when one call\'s are refused, and reports the refusal', async () => {
    const clock = new FakeClock();
    const repo = fakeRepo((rows) => rows.some((r) => r.sessionId === 'gone'));
    const logger = recordingLogger();
    const w = new TimelineWriter({ repo, clock, logger });
    w.add('a', 'prompt', {});
    w.add('gone', 'prompt', {});
    w.add('b', 'prompt', {});
    await w.flush();
    expect(repo.batches.map((b) => b.map((r) => r.sessionId))).toEqual([['a'], ['b']]);
    expect(logger.errors).toEqual(['call timeline: events not written']);
  });

  it('keeps at most MAX_PENDING events while the store cannot take them, dropping the oldest, and says so', async () => {
    const clock = new FakeClock();
    let down = true;
    const repo = fakeRepo(() => down);
    const logger = recordingLogger();
    const w = new TimelineWriter({ repo, clock, logger, flushMs: 1_000_000 });
    for (let i = 0; i < MAX_PENDING + 5; i++) w.add('a', 'keys', { i });
    expect(w.pending).toBe(MAX_PENDING);
    down = false;
    await w.flush();
    expect(repo.batches[0]![0]!.data).toEqual({ i: 5 });
    expect(logger.errors).toEqual(['call timeline: events dropped while the store was failing']);
  });

  it('stops taking events once closed, after writing what it had', async () => {
    const repo = fakeRepo();
    const w = new TimelineWriter({ repo, clock: new FakeClock(), logger: silentLogger });
    w.add('a', 'prompt', {});
    await w.close();
    w.add('a', 'prompt', {});
    expect(repo.batches.flat()).toHaveLength(1);
    expect(w.pending).toBe(0);
  });

  it('costs the event loop well under a millisecond per event with a real SQLite store', async () => {
    const store = await createSqliteStore(':memory:');
    const sessions = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(32, '0'));
    for (const s of sessions) await store.calls.create({ sessionId: s, direction: 'inbound', from: '1', to: '2', startedAt: new Date(), passThrough: '', monitoredSeconds: 0 });
    const clock = new FakeClock();
    const w = new TimelineWriter({ repo: store.history, clock, logger: silentLogger });
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      w.add(sessions[i % sessions.length]!, 'prompt', { text: 'Please enter your account number followed by the pound key.', parts: [{ text: 'x' }] });
      if (i % 500 === 499) await w.flush();
    }
    await w.flush();
    const perEventMs = (performance.now() - t0) / n;
    expect((await store.history.events(sessions[0]!)).length).toBe(n / sessions.length);
    // Typically a few microseconds; the bound is loose because the machine is shared.
    expect(perEventMs).toBeLessThan(0.2);
    await store.close();
  });
});
