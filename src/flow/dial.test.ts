import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import type { IvrConfig } from '../config/types.js';
import { DEFAULT_FAILURE_TEXT } from '../config/types.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { SimulatedCall } from '../calls/simulator.js';
import { parseFarEnds } from '../calls/sim-script.js';
import type { DialOptions } from '../calls/types.js';
import { createSqliteStore } from '../store/sqlite.js';
import { NOT_ALLOWED, runTransfer } from './blocks.js';
import { NO_ONE_AVAILABLE, runFindMe } from './findme.js';
import type { FlowDeps } from './deps.js';
import type { CallState } from './state.js';
import { findMe, makeFlows, simulateCall } from './testing.js';

/** A simulated call that remembers the options of every dial. */
class WatchedCall extends SimulatedCall {
  readonly dials: Array<{ destination: string; o: DialOptions }> = [];
  override dial(destination: string, o: DialOptions) {
    this.dials.push({ destination, o });
    return super.dial(destination, o);
  }
}

async function watched(farEnd: string) {
  const clock = new FakeClock();
  const store = await createSqliteStore(':memory:');
  const call = new WatchedCall({ sessionId: 'a'.repeat(32), from: '3125550199', to: '100', keys: '', clock, farEnds: parseFarEnds(farEnd), writeRecording: async () => undefined });
  const deps: FlowDeps = {
    flows: makeFlows({}), store, clock, logger: silentLogger, dataDir: tmpdir(), checkDial: () => undefined,
    sendWebhook: async () => ({ ok: false, logId: 0, latencyMs: 0, failure: 'none' }),
  };
  const state: CallState = { sessionId: call.sessionId, direction: 'inbound', callerId: call.from, numberCalled: call.to, passThrough: '', userParameters: {}, monitoredSeconds: 0, callResult: '', visited: [], answers: [] };
  const drive = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    void p.finally(() => (done = true));
    for (let i = 0; !done && i < 1000; i++) await clock.advanceAsync(100, 100);
    return p;
  };
  return { call, deps, state, drive };
}

describe('early media is asked for where one leg rings at a time', () => {
  it('a transfer asks for the far end\'s early media', async () => {
    const w = await watched('3125550101=busy');
    await w.drive(runTransfer(w.call, '3125550101', w.state, w.deps));
    expect(w.call.dials).toEqual([{ destination: '3125550101', o: expect.objectContaining({ earlyMedia: true }) }]);
  });

  it('Find Me legs do not: the caller keeps its hold audio whatever rings', async () => {
    const w = await watched('3125550101=busy,3125550102=busy');
    await w.drive(runFindMe(w.call, findMe({ phoneList: ['3125550101', '3125550102'], simultaneous: 2 }), w.state, w.deps));
    expect(w.call.dials).toHaveLength(2);
    for (const d of w.call.dials) expect(d.o.earlyMedia).toBeFalsy();
  });
});

const ivr = (id: number): IvrConfig => ({
  id, name: 'ask', questions: [{ type: 'keypad', prompt: [{ text: 'Enter digits.' }], minDigits: 1, maxDigits: 2, terminator: '#', timeoutS: 3 }],
  webhook: { action: 'next_action', method: 'POST', url: 'http://127.0.0.1:1/hook', parameters: [], includeSourcetrak: false, timeoutS: 5, onFailure: [{ text: DEFAULT_FAILURE_TEXT }] },
});
const dialsOf = (run: Awaited<ReturnType<typeof simulateCall>>) =>
  run.events.filter((e) => e.type === 'dial').map((e) => `${(e as { destination: string }).destination}=${(e as { outcome: string }).outcome}`);

describe('per-call dial limits', () => {
  it('a Find Me ringing more at once than the call may: the legs beyond the limit are refused, with the reason', async () => {
    const flows = makeFlows({ findmes: [findMe({ phoneList: ['3125550101', '3125550102', '3125550103'], simultaneous: 3 })], numbers: new Map([['400', { kind: 'findme', id: 4 }]]) });
    const run = await simulateCall(flows, { to: '400', keys: '', farEnd: '3125550101=no_answer,3125550102=no_answer,3125550103=no_answer', dialLimits: { perCall: 10, simultaneous: 2 } });
    expect(dialsOf(run)).toEqual(['3125550103=refused', '3125550101=no_answer', '3125550102=no_answer']);
    expect(run.events).toContainEqual({ type: 'refused', destination: '3125550103', reason: expect.stringContaining('HOOKLINE_DIAL_SIMULTANEOUS=2') });
    expect(run.prompts()).toContain(NO_ONE_AVAILABLE);
  });

  it('past the legs a call may place, a transfer is refused and the caller is told as for a refused number', async () => {
    // Find Me rings one number (busy), then routes to an IVR whose webhook transfers: the second leg of the call.
    const flows = makeFlows({
      findmes: [findMe({ phoneList: ['3125550101'], nextaction: 6, nextactionitem: 10 })],
      ivrs: [ivr(10)],
      numbers: new Map([['400', { kind: 'findme', id: 4 }]]),
    });
    const run = await simulateCall(flows, {
      to: '400', keys: '1#', farEnd: '3125550101=busy', dialLimits: { perCall: 1, simultaneous: 1 },
      reply: () => ({ ok: true, status: 200, latencyMs: 1, body: '<action><app>transfer</app><parameters><destination>3125550102</destination></parameters></action>' }),
    });
    expect(dialsOf(run)).toEqual(['3125550101=busy', '3125550102=refused']);
    expect(run.events).toContainEqual({ type: 'refused', destination: '3125550102', reason: 'this call has already placed 1 outbound legs (the per-call limit, HOOKLINE_DIAL_PER_CALL=1)' });
    expect(run.prompts().at(-1)).toBe(NOT_ALLOWED);
    const [call] = await run.store.calls.list(1);
    expect(call).toMatchObject({ endReason: 'transfer_refused' });
  });

  it('the default limits leave an ordinary call alone', async () => {
    const flows = makeFlows({ findmes: [findMe({ phoneList: ['3125550101', '3125550102', '3125550103'], simultaneous: 3, loopCount: 2 })], numbers: new Map([['400', { kind: 'findme', id: 4 }]]) });
    const run = await simulateCall(flows, { to: '400', keys: '', farEnd: '3125550101=busy,3125550102=busy,3125550103=busy' });
    expect(dialsOf(run).filter((d) => d.endsWith('=busy'))).toHaveLength(6);
  });
});
