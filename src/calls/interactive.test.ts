import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { INSTANT, InteractiveCall, PHONE_PACE, partMs } from './interactive.js';
import type { SimEvent } from './simulator.js';
import type { CollectOptions } from './types.js';

const ASK: CollectOptions = { maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000 };
/** 50 characters: 3 s at the phone's pace. */
const MENU = 'For sales press 1. For support press 2. Thank you.';

function setup(o: { timing?: typeof PHONE_PACE } = {}) {
  const clock = new FakeClock();
  const events: SimEvent[] = [];
  const written: Array<{ path: string; ms: number; channels: number }> = [];
  const call = new InteractiveCall({
    sessionId: 'b'.repeat(32), from: '3125550199', to: '8005550100', clock,
    ...(o.timing ? { timing: o.timing } : {}),
    defaultFarEnd: { outcome: 'answer', answerAfterMs: 2000, keys: '1', talkMs: 60_000 },
    writeRecording: async (path, ms, channels) => void written.push({ path, ms, channels }),
    onEvent: (e) => events.push(e),
  });
  /** Settles `p` while advancing the clock in small steps; returns the result and the time it took. */
  const drive = async <T>(p: Promise<T>, limitMs = 120_000): Promise<{ value: T; ms: number }> => {
    const start = clock.now();
    let done = false;
    void p.finally(() => (done = true));
    await new Promise<void>((r) => setImmediate(r)); // what needs no time settles before the clock moves
    for (let t = 0; !done && t < limitMs; t += 100) await clock.advanceAsync(100, 100);
    return { value: await p, ms: clock.now() - start };
  };
  return { clock, call, events, written, drive };
}

describe('an interactive simulated call', () => {
  expect(MENU).toHaveLength(50);

  it('takes a prompt\'s time to play it, and the first-digit timeout starts after', async () => {
    const { call, events, drive } = setup();
    const played = await drive(call.play([{ text: MENU }], { bargeIn: true }));
    expect(played).toEqual({ value: { interrupted: false }, ms: 3000 });
    expect(events).toEqual([{ type: 'prompt', text: MENU }]);
    const asked = await drive(call.collectDigits(ASK));
    expect(asked).toEqual({ value: { digits: '', reason: 'timeout' }, ms: 5000 });
    expect(events.at(-1)).toEqual({ type: 'digits', digits: '', timedOut: true });
  });

  it('stops a barge-in prompt at the first key, which the question then collects', async () => {
    const { clock, call, drive } = setup();
    clock.setTimer(1000, () => call.press('12'));
    const played = await drive(call.play([{ text: MENU }, { text: 'never heard' }], { bargeIn: true }));
    expect(played).toEqual({ value: { interrupted: true }, ms: 1000 });
    clock.setTimer(2000, () => call.press('3#'));
    const asked = await drive(call.collectDigits(ASK));
    expect(asked).toEqual({ value: { digits: '123', terminator: '#', reason: 'terminator' }, ms: 2000 });
  });

  it('queues keys pressed during a prompt without barge-in, and skips a barge-in prompt when keys wait', async () => {
    const { clock, call, events, drive } = setup();
    clock.setTimer(500, () => call.press('4'));
    expect((await drive(call.play([{ text: MENU }], { bargeIn: false }))).ms).toBe(3000);
    expect(await drive(call.play([{ text: 'Enter your PIN.' }], { bargeIn: true }))).toEqual({ value: { interrupted: true }, ms: 0 });
    expect(events.filter((e) => e.type === 'prompt')).toHaveLength(1);
    clock.setTimer(2500, () => call.press('2'));
    const asked = await drive(call.collectDigits(ASK));
    // '4' was typed ahead; then 2.5 s (under the 3 s inter-digit limit) to '2', then 3 s of nothing.
    expect(asked).toEqual({ value: { digits: '42', reason: 'timeout' }, ms: 5500 });
    call.flushDigits();
  });

  it('caps a long text part, and plays everything at once with INSTANT timing', async () => {
    expect(partMs({ text: 'x'.repeat(1000) }, PHONE_PACE)).toBe(PHONE_PACE.maxPartMs);
    expect(partMs({ tone: 'beep' }, PHONE_PACE)).toBe(400);
    const { call, drive } = setup({ timing: INSTANT });
    expect((await drive(call.play([{ text: MENU }, { silenceMs: 2000 }, { audioPath: '/a.wav' }]))).ms).toBe(0);
  });

  it('records until the tester presses a finish key, and writes a silent recording of that length', async () => {
    const { clock, call, events, written, drive } = setup();
    clock.setTimer(1000, () => call.press('5'));
    clock.setTimer(4000, () => call.press('#'));
    const r = await drive(call.record({ path: '/tmp/x.wav', maxMs: 60_000, finishKeys: '#*', silenceMs: 2000 }));
    expect(r).toEqual({ value: { durationMs: 4000, reason: 'key', key: '#' }, ms: 4000 });
    expect(written).toEqual([{ path: '/tmp/x.wav', ms: 4000, channels: 1 }]);
    expect(events.at(-1)).toEqual({ type: 'record', path: '/tmp/x.wav', durationMs: 4000 });
    // The '5' spoken over and the finish key are not answers to the next question.
    expect(await drive(call.collectDigits({ ...ASK, firstDigitTimeoutMs: 100 }))).toMatchObject({ value: { digits: '', reason: 'timeout' } });
    const max = await drive(call.record({ path: '/tmp/y.wav', maxMs: 7000, finishKeys: '#' }));
    expect(max.value).toEqual({ durationMs: 7000, reason: 'max' });
  });

  it('ends whatever waits when the tester hangs up, and says who hung up', async () => {
    const { clock, call, events, drive } = setup();
    clock.setTimer(1500, () => call.callerHangup());
    expect(await drive(call.collectDigits(ASK))).toEqual({ value: { digits: '', reason: 'hangup' }, ms: 1500 });
    expect(call.hungUp).toBe(true);
    expect(await call.ended).toBe('remote_hangup');
    expect(events).toEqual([{ type: 'hangup', by: 'caller' }]);
    call.press('1'); // after the end: ignored, nothing throws
    expect((await drive(call.play([{ text: MENU }]))).ms).toBe(0);
    expect((await drive(call.record({ path: '/tmp/z.wav', maxMs: 5000, finishKeys: '#' }))).value.reason).toBe('hangup');
  });

  it('rings a far end with the default script, and a bridge ends when the tester hangs up', async () => {
    const { clock, call, events, drive } = setup();
    const dialled = await drive(call.dial('3125550101', { timeoutMs: 20_000 }));
    expect(dialled.ms).toBe(2000);
    expect(dialled.value.outcome).toBe('answered');
    const leg = dialled.value.leg!;
    expect(await drive(leg.collectDigits({ ...ASK, maxDigits: 1 }))).toMatchObject({ value: { digits: '1', reason: 'max' }, ms: 0 });
    clock.setTimer(7000, () => call.callerHangup());
    const bridged = await drive(call.bridge(leg));
    expect(bridged).toEqual({ value: { endedBy: 'caller', durationMs: 7000, recordedMs: 0 }, ms: 7000 });
    expect(leg.hungUp).toBe(true);
    expect(events.filter((e) => e.type === 'hangup')).toEqual([{ type: 'hangup', by: 'caller' }, { type: 'hangup', by: 'hookline', leg: '3125550101' }]);
  });
});
