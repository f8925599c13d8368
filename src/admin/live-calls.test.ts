import { describe, expect, it } from 'vitest';
import { LiveCalls, type LiveCallEvent } from './live-calls.js';

const call = (n: number) => ({ sessionId: String(n).repeat(32), direction: 'inbound' as const, from: '3125550199', to: '8005550100', startedAt: new Date(n * 1000) });

describe('LiveCalls', () => {
  it('lists calls in progress newest first and tells subscribers of each change', () => {
    const live = new LiveCalls();
    const seen: LiveCallEvent[] = [];
    const stop = live.subscribe((e) => seen.push(e));
    live.start(call(1));
    live.start(call(2));
    live.update(call(1).sessionId, { block: 'ivr/10' });
    live.update(call(1).sessionId, { bridgedTo: '3125550101' });
    expect(live.list().map((c) => [c.sessionId[0], c.block ?? null, c.bridgedTo ?? null])).toEqual([['2', null, null], ['1', 'ivr/10', '3125550101']]);
    live.update(call(1).sessionId, { bridgedTo: null });
    live.end(call(1).sessionId, { endedAt: new Date(5000), endReason: 'caller_hangup' });
    live.update(call(1).sessionId, { block: 'ivr/11' }); // ended: ignored
    expect(live.size).toBe(1);
    expect(seen.map((e) => e.type)).toEqual(['started', 'started', 'updated', 'updated', 'updated', 'ended']);
    expect(seen.at(-1)).toEqual({ type: 'ended', call: { ...call(1), block: 'ivr/10' }, endedAt: new Date(5000), endReason: 'caller_hangup' });
    stop();
    live.end(call(2).sessionId, { endedAt: new Date(6000) });
    expect(seen).toHaveLength(6);
    expect(live.subscribers).toBe(0);
  });

  it('hands out copies, and a listener that throws harms neither the call nor other listeners', () => {
    const errors: unknown[] = [];
    const live = new LiveCalls({ onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    live.subscribe(() => {
      throw new Error('broken socket');
    });
    live.subscribe((e) => seen.push(e.type));
    live.start(call(1));
    live.list()[0]!.block = 'changed';
    expect(live.get(call(1).sessionId)?.block).toBeUndefined();
    expect(seen).toEqual(['started']);
    expect(errors).toHaveLength(1);
  });
});
