import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { SimulatedCall } from './simulator.js';
import type { FarEnd } from './sim-script.js';
import { withTimeline, type TimelineEvent } from './timeline.js';

function simulated(keys: string, clock: FakeClock, farEnds = new Map<string, FarEnd>([['3125550101', { outcome: 'answer', answerAfterMs: 0, keys: '1', talkMs: 7000 }]])): SimulatedCall {
  return new SimulatedCall({ sessionId: 'a'.repeat(32), from: '3125550199', to: '8005550100', keys, clock, farEnds, writeRecording: async () => undefined });
}

/** Runs `fn`, moving the fake clock along while it waits (the simulator's pauses are clock timers). */
async function drive<T>(clock: FakeClock, fn: () => Promise<T>): Promise<T> {
  let done = false;
  const p = fn().finally(() => (done = true));
  for (let i = 0; !done && i < 1000; i++) await clock.advanceAsync(100, 100);
  return p;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('withTimeline', () => {
  it('reports prompts, keys, recordings, a dial, the bridge and who hung up, leaving results unchanged', async () => {
    const clock = new FakeClock();
    const events: TimelineEvent[] = [];
    const inner = simulated('12#,,#', clock);
    const call = withTimeline(inner, (e) => events.push(e));
    expect([call.sessionId, call.direction, call.from, call.to]).toEqual(['a'.repeat(32), 'inbound', '3125550199', '8005550100']);

    await call.answer();
    await call.play([{ text: 'Enter your account' }, { audioPath: '/data/audio/beep.wav' }]);
    expect(await call.collectDigits({ maxDigits: 5, terminators: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000 })).toEqual({ digits: '12', terminator: '#', reason: 'terminator' });
    const rec = await drive(clock, () => call.record({ path: '/data/recordings/x.wav', maxMs: 60_000, finishKeys: '#' }));
    expect(rec).toEqual({ durationMs: 2000, reason: 'key', key: '#' });

    const { outcome, leg } = await drive(clock, () => call.dial('3125550101', { timeoutMs: 20_000 }));
    expect(outcome).toBe('answered');
    await leg!.play([{ text: 'Press 1 to accept this call.' }]);
    const bridged = await drive(clock, () => call.bridge(leg!, { recordPath: '/data/recordings/call.wav' }));
    // The simulator's own leg was bridged (its talk time, and it hung up), not the wrapper.
    expect(bridged).toEqual({ endedBy: 'callee', durationMs: 7000, recordedMs: 7000 });
    expect(leg!.hungUp).toBe(true);
    inner.remoteHangup();
    await flush();
    expect(call.hungUp).toBe(true);

    expect(events).toEqual([
      { type: 'answered' },
      { type: 'prompt', parts: [{ text: 'Enter your account' }, { audioPath: '/data/audio/beep.wav' }] },
      { type: 'keys', digits: '12', terminator: '#', reason: 'terminator' },
      { type: 'recording_started', path: '/data/recordings/x.wav', maxMs: 60_000 },
      { type: 'recording_ended', path: '/data/recordings/x.wav', durationMs: 2000, reason: 'key', key: '#' },
      { type: 'dial', destination: '3125550101', timeoutMs: 20_000 },
      { type: 'dial_result', destination: '3125550101', outcome: 'answered' },
      { type: 'prompt', parts: [{ text: 'Press 1 to accept this call.' }], leg: '3125550101' },
      { type: 'bridge_started', destination: '3125550101', recording: true },
      { type: 'hangup', by: 'callee', leg: '3125550101' },
      { type: 'bridge_ended', destination: '3125550101', endedBy: 'callee', durationMs: 7000, recordedMs: 7000 },
      { type: 'hangup', by: 'caller' },
    ]);
  });

  it('says hookline hung up when the call did, and reports a dial that found no one', async () => {
    const clock = new FakeClock();
    const events: TimelineEvent[] = [];
    const call = withTimeline(simulated('', clock, new Map<string, FarEnd>([['3125550102', { outcome: 'busy', answerAfterMs: 0, keys: '', talkMs: 0 }]])), (e) => events.push(e));
    expect(await call.dial('3125550102', { timeoutMs: 1000 })).toEqual({ outcome: 'busy' });
    await call.hangup();
    await flush();
    expect(events.slice(1)).toEqual([{ type: 'dial_result', destination: '3125550102', outcome: 'busy' }, { type: 'hangup', by: 'hookline' }]);
  });

  it('reports a timeout with the keys typed so far', async () => {
    const clock = new FakeClock();
    const events: TimelineEvent[] = [];
    const call = withTimeline(simulated('4,,,,,', clock), (e) => events.push(e));
    const r = await drive(clock, () => call.collectDigits({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000 }));
    expect(r).toEqual({ digits: '4', reason: 'timeout' });
    expect(events).toEqual([{ type: 'keys', digits: '4', reason: 'timeout' }]);
  });

  it('reports a hang-up where the flow learns of it, once, even when the line resolves `ended` later (SIP closes its media first)', async () => {
    let endLine!: (r: 'remote_hangup') => void;
    const line = {
      sessionId: 'a'.repeat(32), direction: 'inbound' as const, from: '3125550199', to: '8005550100', hungUp: false,
      ended: new Promise<'remote_hangup'>((r) => (endLine = r)),
      answer: async () => undefined,
      play: async () => ({ interrupted: false }),
      // The caller hangs up while keys are collected: hungUp at once, `ended` only later.
      collectDigits: async () => {
        line.hungUp = true;
        return { digits: '1', reason: 'hangup' as const };
      },
      flushDigits: () => undefined,
      record: async () => ({ durationMs: 0, reason: 'hangup' as const }),
      hangup: async () => undefined,
      dial: async () => ({ outcome: 'failed' as const }),
      bridge: async () => ({ endedBy: 'caller' as const, durationMs: 0, recordedMs: 0 }),
      startHoldAudio: () => () => undefined,
    };
    const events: TimelineEvent[] = [];
    const call = withTimeline(line, (e) => events.push(e));
    await call.collectDigits({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000 });
    endLine('remote_hangup');
    await flush();
    call.noticeHangup();
    expect(events).toEqual([{ type: 'hangup', by: 'caller' }, { type: 'keys', digits: '1', reason: 'hangup' }]);
  });

  it('reports a line that went while no operation ran when asked to look', async () => {
    const clock = new FakeClock();
    const inner = simulated('', clock);
    const events: TimelineEvent[] = [];
    const call = withTimeline(inner, (e) => events.push(e));
    Object.defineProperty(inner, 'hungUp', { value: true }); // gone, `ended` not resolved yet
    call.noticeHangup();
    call.noticeHangup();
    expect(events).toEqual([{ type: 'hangup', by: 'caller' }]);
  });

  it('goes on unchanged when the sink throws', async () => {
    const clock = new FakeClock();
    const call = withTimeline(simulated('7', clock), () => {
      throw new Error('sink broken');
    });
    await call.answer();
    await call.play([{ text: 'Hello' }]);
    expect(await call.collectDigits({ maxDigits: 1, terminators: '', firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000 })).toEqual({ digits: '7', reason: 'max' });
    await call.hangup();
  });

  it('passes a failure of the wrapped call through as it is', async () => {
    const clock = new FakeClock();
    const inner = simulated('', clock);
    inner.bridge = () => Promise.reject(new Error('only a leg this call dialled can be bridged to it'));
    const events: TimelineEvent[] = [];
    const call = withTimeline(inner, (e) => events.push(e));
    const { leg } = await drive(clock, () => call.dial('3125550101', { timeoutMs: 1000 }));
    await expect(call.bridge(leg!)).rejects.toThrow('only a leg this call dialled');
    expect(events.map((e) => e.type)).toEqual(['dial', 'dial_result', 'bridge_started']);
  });
});
