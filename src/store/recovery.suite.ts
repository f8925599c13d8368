/**
 * The cases every Store implementation must pass for the start after a crash (recovery-repos.ts):
 * finding the calls a dead process left open, with their last timeline event, and closing each once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import type { StoreFactory } from './store.suite.js';
import type { CallRecord, Store } from './types.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const at = (ms: number): Date => new Date(T0 + ms);
const sid = (n: number): string => n.toString(16).padStart(32, '0');

function call(n: number, over: Partial<CallRecord> = {}): CallRecord {
  return { sessionId: sid(n), direction: 'inbound', from: '+13125550100', to: '+18005550100', startedAt: at(n * 1000), passThrough: '', monitoredSeconds: 0, ...over };
}

export function runRecoveryStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (recovery): ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory({ clock: new FakeClock(T0) });
    });
    afterEach(async () => {
      await store.close();
    });

    it('lists the calls without an end, oldest first, each with its last timeline event', async () => {
      await store.calls.create(call(3));
      await store.calls.create(call(1));
      await store.calls.create(call(2, { endedAt: at(9000), endReason: 'caller_hangup' }));
      await store.history.appendEvents([
        { sessionId: sid(1), at: at(1500), type: 'answered', data: {} },
        { sessionId: sid(1), at: at(4200), type: 'recording_started', data: { file: 'recordings/x/1-q2.wav' } },
        { sessionId: sid(1), at: at(3000), type: 'keys', data: { digits: '1' } },
        { sessionId: sid(2), at: at(8000), type: 'hangup', data: { by: 'caller' } },
      ]);
      const open = await store.recovery.unfinishedCalls(10);
      expect(open.map((u) => [u.call.sessionId, u.lastEventAt])).toEqual([
        [sid(1), at(4200)], // the latest event by time, whatever order they were written in
        [sid(3), undefined], // no event: the caller knows only its start
      ]);
      expect(open[0]!.call).toEqual(call(1));
      expect(await store.recovery.unfinishedCalls(1)).toHaveLength(1);
    });

    it('closes an open call once, and leaves a call that has an end as it is', async () => {
      await store.calls.create(call(1));
      await store.calls.create(call(2, { endedAt: at(9000), endReason: 'caller_hangup' }));
      expect(await store.recovery.closeInterrupted(sid(1), at(4200), 'interrupted')).toBe(true);
      expect(await store.recovery.closeInterrupted(sid(1), at(9999), 'interrupted')).toBe(false);
      expect(await store.recovery.closeInterrupted(sid(2), at(9999), 'interrupted')).toBe(false);
      expect(await store.recovery.closeInterrupted(sid(7), at(9999), 'interrupted')).toBe(false);
      expect(await store.calls.get(sid(1))).toEqual(call(1, { endedAt: at(4200), endReason: 'interrupted' }));
      expect(await store.calls.get(sid(2))).toEqual(call(2, { endedAt: at(9000), endReason: 'caller_hangup' }));
      expect(await store.recovery.unfinishedCalls(10)).toEqual([]);
    });
  });
}
