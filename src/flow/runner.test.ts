import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { CallControl } from '../calls/types.js';
import type { IvrConfig } from '../config/types.js';
import { DEFAULT_FAILURE_TEXT } from '../config/types.js';
import type { Store } from '../store/types.js';
import type { FlowDeps } from './deps.js';
import { makeFlows, simulateCall } from './testing.js';
import { runCall } from './runner.js';

describe('runCall when the store fails before the call starts', () => {
  it('never answers, hangs up (a final response and the media port freed) and resolves', async () => {
    const answer = vi.fn(async () => undefined);
    const hangup = vi.fn(async () => undefined);
    const call = { sessionId: 'a'.repeat(32), direction: 'inbound', from: '3125550100', to: '8005550100', hungUp: false, answer, hangup } as unknown as CallControl;
    const events: unknown[] = [];
    const deps = {
      clock: new FakeClock(0),
      logger: silentLogger,
      events: (e: unknown) => events.push(e),
      store: { calls: { create: () => Promise.reject(new Error('database is locked')), update: vi.fn() } },
    } as unknown as FlowDeps;
    const state = await runCall(call, { kind: 'ivr', id: 10 }, deps);
    expect(state.sessionId).toBe('a'.repeat(32));
    expect(answer).not.toHaveBeenCalled();
    expect(hangup).toHaveBeenCalledOnce();
    expect(events).toEqual([{ type: 'error', message: 'database is locked' }]);
  });
});

describe('runCall: the call record after each step', () => {
  const say = (id: number, text: string): IvrConfig => ({
    id, name: `ivr ${id}`, questions: [{ type: 'say', prompt: [{ text }] }],
    webhook: { action: 'next_action', method: 'POST', url: 'http://127.0.0.1:1/hook', parameters: [], includeSourcetrak: false, timeoutS: 5, onFailure: [{ text: DEFAULT_FAILURE_TEXT }] },
  });

  it('writes what a step changed before the next step runs, and nothing for a step that changed nothing', async () => {
    const log: string[] = [];
    const bodies = [
      '<action><app>survo</app><parameters><id>11</id><p_t>order=77</p_t></parameters></action>', // ivr/10 → ivr/11, with a pass-through
      '<action><app>survo</app><parameters><id>12</id></parameters></action>', // ivr/11 → ivr/12, the pass-through stays
      '<action><app>hangup</app></action>',
    ];
    await simulateCall(makeFlows({ ivrs: [say(10, 'One.'), say(11, 'Two.'), say(12, 'Three.')], numbers: new Map([['100', { kind: 'ivr' as const, id: 10 }]]) }), {
      to: '100', keys: '',
      reply: () => {
        log.push(`webhook ${log.filter((l) => l.startsWith('webhook')).length + 1}`);
        return { ok: true, status: 200, latencyMs: 1, body: bodies.shift()! };
      },
      wrapStore: (store: Store) => {
        const update = store.calls.update.bind(store.calls);
        store.calls.update = (sid, patch) => {
          log.push(`update ${patch.endReason ? 'end' : `p_t=${patch.passThrough}`}`);
          return update(sid, patch);
        };
        return store;
      },
    });
    expect(log).toEqual(['webhook 1', 'update p_t=order=77', 'webhook 2', 'webhook 3', 'update end']);
  });
});
