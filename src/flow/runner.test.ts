import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { CallControl } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
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
