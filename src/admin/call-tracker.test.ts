import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { DEFAULT_DIAL_ALLOW } from '../config/dial-policy.js';
import { DEFAULT_FAILURE_TEXT, type IvrConfig } from '../config/types.js';
import { SimulatedCall } from '../calls/simulator.js';
import type { FarEnd } from '../calls/sim-script.js';
import type { FlowEvent } from '../flow/events.js';
import { makeFlows } from '../flow/testing.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { WebhookReceiver } from '../testkit/webhook-receiver.js';
import { CallTracker } from './call-tracker.js';
import type { LiveCallEvent } from './live-calls.js';

const SID = 'c'.repeat(32);
const transferTo = (n: string): string => `<action><app>transfer</app><parameters><destination>${n}</destination></parameters></action>`;

describe('CallTracker through App.runCall', () => {
  const hook = new WebhookReceiver();
  let dataDir: string;
  let store: Store;
  let tracker: CallTracker;
  let live: LiveCallEvent[];
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hookline-tracker-'));
    store = await createSqliteStore(':memory:');
    tracker = new CallTracker({ store, clock: systemClock, logger: silentLogger, dataDir, flushMs: 20 });
    live = [];
    tracker.live.subscribe((e) => live.push(e));
  });
  afterEach(async () => {
    await tracker.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(reply: string, keys: string, flowEvents: FlowEvent[] = []): Promise<void> {
    hook.setHandler(() => ({ status: 200, body: reply, contentType: 'text/xml' }));
    const ivr: IvrConfig = {
      id: 10, name: 'main',
      questions: [{ type: 'keypad', prompt: [{ text: 'Enter your account.' }, { audio: 'thanks.wav' }], minDigits: 1, maxDigits: 4, terminator: '#', timeoutS: 3 }],
      webhook: { action: 'next_action', method: 'POST', url: hook.url('/hook'), parameters: [{ name: 'account', source: { kind: 'question', n: 1 } }], includeSourcetrak: false, timeoutS: 10, onFailure: [{ text: DEFAULT_FAILURE_TEXT }] },
    };
    const flows = makeFlows({ ivrs: [ivr], numbers: new Map([['8005550100', { kind: 'ivr' as const, id: 10 }]]) });
    const app = createApp({ settings: { dataDir, webhookNetworks: 'all', dialAllow: [...DEFAULT_DIAL_ALLOW] }, flows, store, clock: systemClock, logger: silentLogger, tracker });
    const farEnds = new Map<string, FarEnd>([['3125550101', { outcome: 'answer', answerAfterMs: 0, keys: '', talkMs: 30 }]]);
    const call = new SimulatedCall({ sessionId: SID, from: '3125550199', to: '8005550100', keys, clock: systemClock, farEnds, writeRecording: async () => undefined });
    await app.runCall(call, (e) => flowEvents.push(e));
  }

  it('writes the timeline of a call that answers an IVR, is transferred and bridged, and lists it while it runs', async () => {
    const flowEvents: FlowEvent[] = [];
    await run(transferTo('3125550101'), '42#', flowEvents);
    const events = await store.history.events(SID);
    expect(events.map((e) => e.type)).toEqual([
      'answered', 'transition', 'prompt', 'keys', 'ivr_end', 'webhook',
      'transition', 'dial', 'dial_result', 'bridge_started', 'hangup', 'bridge_ended', 'hangup',
    ]);
    const data = (type: string, n = 0): Record<string, unknown> => events.filter((e) => e.type === type)[n]!.data;
    expect(data('transition')).toEqual({ from: null, to: 'ivr/10' });
    expect(data('prompt')).toEqual({ text: 'Enter your account. [thanks.wav]', parts: [{ text: 'Enter your account.' }, { audio: 'thanks.wav' }] });
    expect(data('keys')).toEqual({ digits: '42', terminator: '#', reason: 'terminator' });
    expect(data('ivr_end')).toEqual({ ivr_id: 10, completed: true });
    const [logged] = await store.webhooks.forSession(SID);
    expect(data('webhook')).toEqual({ log_id: logged!.id, ok: true, status: 200, latency_ms: expect.any(Number), failure: null });
    expect(data('transition', 1)).toEqual({ from: 'ivr/10', to: 'transfer/3125550101' });
    expect(data('dial_result')).toEqual({ destination: '3125550101', outcome: 'answered' });
    expect(data('bridge_ended')).toMatchObject({ destination: '3125550101', ended_by: 'callee', duration_ms: 30 });
    expect(data('hangup')).toEqual({ by: 'callee', leg: '3125550101' });
    expect(data('hangup', 1)).toEqual({ by: 'hookline' });
    // Times are in order, and the flow's own sink still saw every event.
    expect(events.every((e, i) => i === 0 || e.at >= events[i - 1]!.at)).toBe(true);
    expect(flowEvents.map((e) => e.type)).toContain('webhook_response');

    expect([...(await store.history.blocks([SID]))]).toEqual([[SID, ['ivr/10', 'transfer/3125550101']]]);
    expect(live.map((e) => [e.type, e.call.block ?? null, e.call.bridgedTo ?? null])).toEqual([
      ['started', null, null],
      ['updated', 'ivr/10', null],
      ['updated', 'transfer/3125550101', null],
      ['updated', 'transfer/3125550101', '3125550101'],
      ['updated', 'transfer/3125550101', null],
      ['ended', 'transfer/3125550101', null],
    ]);
    expect(live.at(-1)).toMatchObject({ type: 'ended', endReason: 'bridge_ended_by_callee', call: { sessionId: SID, direction: 'inbound', from: '3125550199', to: '8005550100' } });
    expect(tracker.live.size).toBe(0);
  });

  it('records a dial the dial-out policy refused once, and the caller hanging up', async () => {
    await run(transferTo('+19005551234'), '42#');
    const events = await store.history.events(SID);
    expect(events.filter((e) => e.type.startsWith('dial'))).toMatchObject([{ type: 'dial_result', data: { destination: '+19005551234', outcome: 'refused', by: 'dial_policy' } }]);
  });

  it('says the caller hung up when the caller did', async () => {
    await run('', '4');
    const events = await store.history.events(SID);
    expect(events.map((e) => e.type)).toEqual(['answered', 'transition', 'prompt', 'hangup', 'keys', 'ivr_end', 'webhook']);
    expect(events[3]!.data).toEqual({ by: 'caller' });
    expect(live.at(-1)).toMatchObject({ type: 'ended', endReason: 'caller_hangup' });
  });

  it('never fails a call when the store refuses every event', async () => {
    const broken = { ...store, history: { ...store.history, appendEvents: () => Promise.reject(new Error('disk full')), addBlock: () => Promise.reject(new Error('disk full')) } };
    tracker = new CallTracker({ store: broken, clock: systemClock, logger: silentLogger, dataDir, flushMs: 1 });
    await run(transferTo('3125550101'), '42#');
    expect(await store.calls.get(SID)).toMatchObject({ endReason: 'bridge_ended_by_callee' });
    expect(await store.history.events(SID)).toEqual([]);
  });
});
