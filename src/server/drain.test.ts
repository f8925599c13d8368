import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { RunningCalls, SHUTDOWN, type CutOffOptions } from '../calls/running.js';
import type { CallControl, PlayablePart } from '../calls/types.js';
import { drainCalls, FINISH_MS, GOODBYE_MAX_MS, RESTARTING, type DrainReport } from './drain.js';

/** Lets promise callbacks run (the drain awaits between clock steps). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A call that records how it was ended; its flow "finishes" when the test says so. */
function fakeCall(running: RunningCalls, n: number, o: { cuttable?: boolean; goodbye?: Promise<void> } = {}) {
  const cuts: Array<{ goodbye: PlayablePart[]; o: CutOffOptions }> = [];
  let hangups = 0;
  const call = {
    sessionId: String(n).padStart(32, '0'),
    hungUp: false,
    hangup: async () => {
      call.hungUp = true;
      hangups++;
    },
    ...(o.cuttable === false
      ? {}
      : {
          cutOff: async (goodbye: PlayablePart[], opts: CutOffOptions) => {
            call.hungUp = true;
            cuts.push({ goodbye, o: opts });
            await o.goodbye;
          },
        }),
  };
  const run = running.add(call as unknown as CallControl);
  return { call, run, cuts, hangups: () => hangups };
}

function start(o: { drainMs: number; force?: AbortSignal }, running: RunningCalls, clock: FakeClock) {
  let result: DrainReport | undefined;
  const p = drainCalls({ calls: running, clock, logger: silentLogger, drainMs: o.drainMs, ...(o.force ? { force: o.force } : {}) }).then((r) => (result = r));
  return { p, result: () => result };
}

describe('drainCalls (on the injected clock)', () => {
  it('returns at once when no call is in progress', async () => {
    const clock = new FakeClock();
    expect(await drainCalls({ calls: new RunningCalls(), clock, logger: silentLogger, drainMs: 300_000 })).toEqual({ calls: 0, cutOff: 0, unfinished: 0, forced: false, ms: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets calls go on to their own end before the drain time, and cuts none', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    const a = fakeCall(running, 1);
    const b = fakeCall(running, 2);
    const d = start({ drainMs: 300_000 }, running, clock);
    clock.advance(40_000);
    a.run.done();
    await flush();
    expect(d.result()).toBeUndefined();
    clock.advance(200_000);
    b.run.done();
    await d.p;
    expect(d.result()).toEqual({ calls: 2, cutOff: 0, unfinished: 0, forced: false, ms: 240_000 });
    expect([a.cuts, b.cuts]).toEqual([[], []]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('at the drain time, says goodbye to the calls still up and waits for their flows to finish', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    const a = fakeCall(running, 1);
    const b = fakeCall(running, 2);
    const d = start({ drainMs: 2000 }, running, clock);
    clock.advance(1999);
    await flush();
    expect(a.cuts).toEqual([]);
    clock.advance(1);
    await flush();
    expect(a.cuts.map((c) => [c.goodbye, c.o.maxMs])).toEqual([[[{ text: RESTARTING }], GOODBYE_MAX_MS]]);
    expect(b.cuts).toHaveLength(1);
    // The flows write the end reason the server gave them.
    expect([a.run.reason(), b.run.reason()]).toEqual([SHUTDOWN, SHUTDOWN]);
    expect(d.result()).toBeUndefined();
    clock.advance(3000);
    a.run.done();
    b.run.done();
    await d.p;
    expect(d.result()).toEqual({ calls: 2, cutOff: 2, unfinished: 0, forced: false, ms: 5000 });
  });

  it('waits for the goodbye and its BYE even when the flow is through first', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    let said!: () => void;
    const a = fakeCall(running, 1, { goodbye: new Promise<void>((r) => (said = r)) });
    const d = start({ drainMs: 1000 }, running, clock);
    clock.advance(1000);
    await flush();
    a.run.done(); // the flow saw the line go at once
    clock.advance(3000);
    await flush();
    expect(d.result()).toBeUndefined();
    said();
    await d.p;
    expect(d.result()).toEqual({ calls: 1, cutOff: 1, unfinished: 0, forced: false, ms: 4000 });
  });

  it('on a second signal, ends the calls at once without the goodbye', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    const a = fakeCall(running, 1);
    const force = new AbortController();
    const d = start({ drainMs: 300_000, force: force.signal }, running, clock);
    clock.advance(5000);
    force.abort();
    await flush();
    expect(a.cuts.map((c) => c.goodbye)).toEqual([[]]);
    expect(a.cuts[0]!.o.signal).toBe(force.signal);
    a.run.done();
    await d.p;
    expect(d.result()).toEqual({ calls: 1, cutOff: 1, unfinished: 0, forced: true, ms: 5000 });
  });

  it('cuts off a call that starts after the cut (an API call answered late), and hangs up one that cannot say goodbye', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    const sim = fakeCall(running, 1, { cuttable: false });
    const d = start({ drainMs: 1000 }, running, clock);
    clock.advance(1000);
    await flush();
    expect(sim.hangups()).toBe(1);
    expect(sim.run.reason()).toBe(SHUTDOWN);
    const late = fakeCall(running, 2);
    expect(late.cuts).toHaveLength(1);
    sim.run.done();
    late.run.done();
    await d.p;
    expect(d.result()).toMatchObject({ calls: 1, cutOff: 1, unfinished: 0 });
  });

  it('keeps the end reason of a call whose flow had already hung up when the cut came', async () => {
    const running = new RunningCalls();
    const a = fakeCall(running, 1);
    await a.call.hangup();
    await running.cutOffAll([{ text: RESTARTING }], { maxMs: 1000, clock: new FakeClock() });
    expect(a.run.reason()).toBeUndefined();
  });

  it('gives up on flows that do not finish, and says how many', async () => {
    const clock = new FakeClock();
    const running = new RunningCalls();
    fakeCall(running, 1);
    const d = start({ drainMs: 1000 }, running, clock);
    clock.advance(1000);
    await flush();
    clock.advance(FINISH_MS + GOODBYE_MAX_MS - 1);
    await flush();
    expect(d.result()).toBeUndefined();
    clock.advance(1);
    await d.p;
    expect(d.result()).toMatchObject({ calls: 1, cutOff: 1, unfinished: 1, ms: 1000 + FINISH_MS + GOODBYE_MAX_MS });
    expect(clock.pendingTimers()).toBe(0);
  });
});
