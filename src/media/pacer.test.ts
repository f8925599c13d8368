import { describe, expect, it } from 'vitest';
import { onPreemptionPoint, preemptionPoint } from '../lib/preempt.js';
import { Pacer } from './pacer.js';
import { plan } from './pacer-plan.js';
import { FakeTimers, MS } from './testing.js';

describe('plan (pure scheduling)', () => {
  const I = 20n * MS;
  const spin = 2n * MS;
  it.each([
    ['far from the deadline: sleep until the spin window', 0n, 20n * MS, { kind: 'sleep', ms: 18 }],
    ['rounds the sleep down', 500_000n, 20n * MS, { kind: 'sleep', ms: 17 }],
    ['inside the spin window: spin', 18_500_000n, 20n * MS, { kind: 'spin' }],
    ['at the deadline: tick', 20n * MS, 20n * MS, { kind: 'tick', skip: 0 }],
    ['a little late: tick', 21n * MS, 20n * MS, { kind: 'tick', skip: 0 }],
    ['5 intervals behind: catch up, skip none', 121n * MS, 20n * MS, { kind: 'tick', skip: 0 }],
    ['8 intervals behind: skip 3', 181n * MS, 20n * MS, { kind: 'tick', skip: 3 }],
  ] as const)('%s', (_name, now, deadline, expected) => {
    expect(plan(now, deadline, I, spin, 5)).toEqual(expected);
  });
  it('without a spin window sleeps to the deadline', () => {
    expect(plan(0n, 20n * MS, I, 0n, 5)).toEqual({ kind: 'sleep', ms: 20 });
  });
});

function recorder(timers: FakeTimers) {
  const at: bigint[] = [];
  return { at, source: { tick: () => void at.push(timers.t) } };
}

describe('Pacer with a fake clock', () => {
  it('ticks every 20 ms against start + n × 20 ms, without drift, despite late timers', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers });
    const r = recorder(timers);
    pacer.register(r.source);
    timers.run(20_000n * MS); // 1000 ticks
    expect(r.at).toHaveLength(1000);
    r.at.forEach((t, i) => {
      const deadline = BigInt(i + 1) * 20n * MS;
      expect(t >= deadline).toBe(true);
      expect(t - deadline).toBeLessThan(timers.turnNs); // finished by spinning
    });
    const s = pacer.stats();
    expect(s.ticks).toBe(1000);
    expect(s.interval.count).toBe(999);
    expect(Math.abs(s.interval.meanMs - 20)).toBeLessThan(0.001);
    expect(s.interval.maxMs - s.interval.minMs).toBeLessThan(0.1);
    expect(s.lateness.maxMs).toBeLessThan(0.05);
    pacer.close();
    expect(timers.pending()).toBe(0);
  });

  it('with spinMs 0 relies on the timer alone (late, but still no drift)', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, spinMs: 0 });
    const r = recorder(timers);
    pacer.register(r.source);
    timers.run(2_010n * MS);
    expect(r.at).toHaveLength(100);
    r.at.forEach((t, i) => expect(t - BigInt(i + 1) * 20n * MS).toBeLessThan(2n * MS)); // late, never drifting
    expect(timers.immediates).toBe(0);
    pacer.close();
  });

  it('spins for the same budget per interval however many slots have sources', () => {
    const spinTurns = (sources: number): { immediates: number; lateMaxNs: bigint; ticks: number } => {
      const timers = new FakeTimers();
      const pacer = new Pacer({ timers, slotSize: 1, maxSlots: 10 });
      const rs = Array.from({ length: sources }, () => recorder(timers));
      for (const r of rs) pacer.register(r.source);
      timers.run(1_000n * MS + 19n * MS); // 50 intervals
      pacer.close();
      let lateMaxNs = 0n;
      rs.forEach((r, k) =>
        r.at.forEach((t, i) => {
          const late = t - (BigInt(i + 1) * 20n * MS + BigInt(k) * 2n * MS);
          if (late > lateMaxNs) lateMaxNs = late;
        }),
      );
      return { immediates: timers.immediates, lateMaxNs, ticks: rs.reduce((n, r) => n + r.at.length, 0) };
    };
    const one = spinTurns(1);
    const ten = spinTurns(10);
    expect(one.ticks).toBe(50);
    expect(ten.ticks).toBe(500);
    // The timer wakes 0.8 ms late, 0.2 ms before the deadline: ~7 turns of 30 µs spin the rest, with one slot.
    // Ten slots share the same 1 ms, a tenth before each: no more turns than one slot in all.
    expect(one.immediates).toBeGreaterThan(5 * 50);
    expect(ten.immediates).toBeLessThanOrEqual(one.immediates);
    // Less spin, so the timer's lateness shows through, but never more than one late timer.
    expect(ten.lateMaxNs).toBeLessThan(1n * MS);
  });

  it('a loop that never catches up (each tick longer than the interval) neither overflows the stack nor starves I/O', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, slotSize: 1, maxSlots: 10 });
    // Ten slots, each tick costing 3 ms of "CPU": 30 ms of work per 20 ms interval, forever behind. Before,
    // schedule() recursed once per back-to-back tick and ran out of stack; it also never let I/O in.
    const ticks: bigint[] = [];
    for (let k = 0; k < 10; k++) pacer.register({ tick: () => { ticks.push(timers.t); timers.t += 3n * MS; } });
    let io = 0;
    const ioEvery = (): void => void timers.setTimeout(() => { io++; ioEvery(); }, 1);
    ioEvery();
    expect(() => timers.run(60_000n * MS)).not.toThrow();
    // Work keeps being done at the core's pace (one 3 ms tick after another) and I/O turns keep coming
    // between rounds of at most the catch-up window's sub-ticks (5 intervals of 10 slots: 50).
    expect(ticks.length).toBeGreaterThan(15_000);
    expect(io).toBeGreaterThan(ticks.length / 60);
    expect(pacer.stats().skipped).toBeGreaterThan(0); // what cannot be caught up is dropped, not queued
    pacer.close();
  });

  it('ticks every source once per interval; register/unregister; the loop stops when idle', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers });
    const a = recorder(timers);
    const b = recorder(timers);
    const offA = pacer.register(a.source);
    timers.run(100n * MS);
    pacer.register(b.source);
    timers.run(100n * MS);
    offA();
    timers.run(100n * MS);
    expect(a.at).toHaveLength(10);
    expect(b.at).toHaveLength(10);
    expect(pacer.size).toBe(1);
    pacer.unregister(b.source);
    expect(timers.pending()).toBe(0); // no work while no call is up
    timers.run(100n * MS);
    expect(b.at).toHaveLength(10);
  });

  it('slots: past slotSize sources, the next ones tick at their own offset in the interval, each once per interval', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, slotSize: 3, maxSlots: 4 }); // a slot every 5 ms
    const rs = Array.from({ length: 7 }, () => recorder(timers));
    for (const r of rs) pacer.register(r.source);
    expect(pacer.slotSizes()).toEqual([3, 3, 1, 0]);
    timers.run(216n * MS); // slot 0 ticks at 20 … 200 ms, slot 1 at 25 … 205, slot 2 at 30 … 210
    rs.forEach((r, i) => {
      const offset = BigInt(Math.floor(i / 3)) * 5n * MS;
      expect(r.at).toHaveLength(10);
      r.at.forEach((t, n) => {
        const deadline = BigInt(n + 1) * 20n * MS + offset;
        expect(t >= deadline && t - deadline < timers.turnNs).toBe(true);
      });
    });
    // The empty slot costs nothing: three slot ticks per interval, and a full slot frees a place that the next source takes.
    expect(pacer.stats().ticks).toBe(30);
    pacer.unregister((rs[1] as ReturnType<typeof recorder>).source);
    const late = recorder(timers);
    pacer.register(late.source);
    expect(pacer.slotSizes()).toEqual([3, 3, 1, 0]);
    pacer.close();
  });

  it('parks a source: not ticked, its slot kept, ticked again on its own offset once unparked', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, slotSize: 1, maxSlots: 4 }); // a slot every 5 ms
    const a = recorder(timers);
    const b = recorder(timers);
    pacer.register(a.source);
    pacer.register(b.source); // slot 1: ticks at 25, 45, … ms
    timers.run(50n * MS);
    expect(b.at).toHaveLength(2);
    pacer.park(b.source);
    expect(pacer.parkedSize).toBe(1);
    expect(pacer.size).toBe(2);
    const c = recorder(timers);
    pacer.register(c.source); // a parked source still holds its slot: c goes to slot 2
    expect(pacer.slotSizes()).toEqual([1, 1, 1, 0]);
    timers.run(100n * MS);
    expect(b.at).toHaveLength(2);
    expect(a.at).toHaveLength(7);
    pacer.unpark(b.source);
    timers.run(60n * MS);
    expect(b.at).toHaveLength(5);
    for (const t of b.at.slice(2)) {
      const offset = (t - 5n * MS) % (20n * MS);
      expect(offset < timers.turnNs).toBe(true); // slot 1's grid, as before it was parked
    }
    // register() of a parked source unparks it; unregister() forgets a parked one.
    pacer.park(a.source);
    pacer.register(a.source);
    expect(pacer.parkedSize).toBe(0);
    pacer.park(c.source);
    pacer.unregister(c.source);
    expect(pacer.parkedSize).toBe(0);
    expect(pacer.slotSizes()).toEqual([1, 1, 0, 0]);
    pacer.park(recorder(timers).source); // not registered: nothing
    expect(pacer.size).toBe(2);
    pacer.close();
  });

  it('with every source parked, wakes once per interval and spins for nothing, still measuring how late it runs', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, slotSize: 2, maxSlots: 10 });
    const rs = Array.from({ length: 20 }, () => recorder(timers));
    for (const r of rs) pacer.register(r.source);
    timers.run(100n * MS);
    for (const r of rs) pacer.park(r.source);
    const sent = rs.map((r) => r.at.length);
    expect(Math.min(...sent)).toBeGreaterThanOrEqual(4);
    const before = { ticks: pacer.stats().ticks, timeouts: timers.timeouts, immediates: timers.immediates };
    timers.run(1_000n * MS);
    expect(rs.map((r) => r.at.length)).toEqual(sent);
    const ticks = pacer.stats().ticks - before.ticks;
    expect(ticks).toBeGreaterThanOrEqual(49);
    expect(ticks).toBeLessThanOrEqual(51);
    expect(timers.timeouts - before.timeouts).toBeLessThanOrEqual(52);
    expect(timers.immediates - before.immediates).toBeLessThanOrEqual(2); // no spinning
    // Each heartbeat fires on its timer alone, late by the fake timers' lateness: the loop still reports it.
    expect(pacer.recentLoopLagMs()).toBeGreaterThan(0);
    expect(pacer.recentLatenessMs()).toBeGreaterThan(0);
    pacer.unpark((rs[0] as ReturnType<typeof recorder>).source);
    timers.run(100n * MS);
    expect((rs[0] as ReturnType<typeof recorder>).at.length - (sent[0] as number)).toBeGreaterThanOrEqual(4);
    expect((rs[1] as ReturnType<typeof recorder>).at).toHaveLength(sent[1] as number);
    pacer.close();
    expect(timers.pending()).toBe(0);
  });

  it('slots that do not divide the interval evenly do not drift: each stays on start + n × 20 ms + its offset', () => {
    const timers = new FakeTimers();
    // 2.857142… ms apart: 6 ns short per interval if summed. A spin of 1 ms before each of the 7 slots (7 ms
    // an interval), so that every tick lands within one turn of its deadline and a drift would show.
    const pacer = new Pacer({ timers, slotSize: 1, maxSlots: 7, spinMs: 7 });
    const rs = Array.from({ length: 7 }, () => recorder(timers));
    for (const r of rs) pacer.register(r.source);
    timers.run(200_001n * MS); // 10,000 intervals: a summed sub-interval would be 60 µs early by now
    const first = rs[0] as ReturnType<typeof recorder>;
    expect(first.at).toHaveLength(10_000);
    first.at.forEach((t, i) => {
      const deadline = BigInt(i + 1) * 20n * MS;
      expect(t >= deadline && t - deadline < timers.turnNs).toBe(true);
    });
    pacer.close();
  });

  it('up to slotSize sources the loop wakes once per interval, as with a single slot', () => {
    const wakeups = (sources: number): { ticks: number; timeouts: number; immediates: number } => {
      const timers = new FakeTimers();
      const pacer = new Pacer({ timers });
      for (let i = 0; i < sources; i++) pacer.register(recorder(timers).source);
      timers.run(1_000n * MS);
      const r = { ticks: pacer.stats().ticks, timeouts: timers.timeouts, immediates: timers.immediates };
      pacer.close();
      return r;
    };
    expect(wakeups(100)).toEqual(wakeups(1));
    expect(wakeups(100).ticks).toBe(50);
    // The 101st source opens slot 1 (2 ms later in each interval): two slot ticks per interval from then on.
    expect(wakeups(101).ticks).toBeGreaterThanOrEqual(98);
  });

  it('catches up a short stall back-to-back and drops the excess of a long one', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, maxCatchUp: 5 });
    const r = recorder(timers);
    let stallOnTick = 5;
    let stallNs = 90n * MS;
    pacer.register(r.source);
    // Synchronous work elsewhere blocks the event loop inside tick 5.
    pacer.register({
      tick() {
        if (--stallOnTick === 0) timers.t += stallNs;
      },
    });
    timers.run(401n * MS);
    // 20 deadlines by 400 ms; the 90 ms stall (4 intervals) is caught up, nothing is dropped.
    expect(pacer.stats().skipped).toBe(0);
    expect(r.at).toHaveLength(20);
    const burst = r.at.filter((t) => t === r.at[5]);
    expect(burst.length).toBe(4); // the deadlines at 120-180 ms, all due when the stall ends at 190 ms

    stallOnTick = 5;
    stallNs = 300n * MS; // the next deadline is 280 ms overdue: 14 intervals, 5 caught up, 9 dropped
    timers.run(600n * MS);
    const s = pacer.stats();
    expect(s.skipped).toBe(9);
    expect(s.ticks + s.skipped).toBe(50);
    pacer.close();
  });

  it('counts a throwing source and keeps ticking the others', () => {
    const timers = new FakeTimers();
    const errors: unknown[] = [];
    const pacer = new Pacer({ timers, onError: (e) => errors.push(e) });
    const r = recorder(timers);
    pacer.register({
      tick() {
        throw new Error('boom');
      },
    });
    pacer.register(r.source);
    timers.run(61n * MS);
    expect(r.at).toHaveLength(3);
    expect(errors).toHaveLength(3);
    expect(pacer.stats().errors).toBe(3);
    pacer.close();
  });

  it('survives a source that ends the last call and starts another inside its tick', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers });
    const r = recorder(timers);
    const first = {
      tick() {
        pacer.unregister(first);
        pacer.register(r.source);
      },
    };
    pacer.register(first);
    timers.run(200n * MS);
    expect(r.at.length).toBeGreaterThanOrEqual(9);
    const gaps = r.at.slice(1).map((t, i) => t - r.at[i]!);
    expect(gaps.every((g) => g >= 19n * MS && g <= 21n * MS)).toBe(true); // one loop, not two
    pacer.close();
    expect(timers.pending()).toBe(0);
  });
});

describe('Pacer on the real clock', () => {
  it('keeps 20 ms intervals', async () => {
    const pacer = new Pacer();
    let n = 0;
    pacer.register({ tick: () => void n++ });
    await new Promise((r) => setTimeout(r, 500));
    const s = pacer.stats();
    pacer.close();
    expect(n).toBeGreaterThanOrEqual(15);
    expect(Math.abs(s.interval.meanMs - 20)).toBeLessThan(2);
    expect(s.interval.p50Ms).toBeGreaterThan(19);
  });
});

describe('Pacer.runDue (preemption points)', () => {
  /** A source ticking at 20, 40, … ms; then `busyMs` of control work during which no timer can fire. */
  function busyAfterFirstTick(busyMs: bigint) {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, spinMs: 0 });
    const r = recorder(timers);
    pacer.register(r.source);
    timers.run(25n * MS); // first tick at 20 ms (+ the timer's lateness)
    expect(r.at).toHaveLength(1);
    timers.t += busyMs * MS; // the event loop is busy: the pacer's timer cannot fire
    return { timers, pacer, r };
  }

  it('sends the frame that fell due during control work at once, and only once', () => {
    const { timers, pacer, r } = busyAfterFirstTick(23n); // now 48 ms, the 40 ms frame 8 ms late
    pacer.runDue();
    expect(r.at).toEqual([r.at[0], 48n * MS]);
    pacer.runDue(); // nothing more is due
    expect(r.at).toHaveLength(2);
    timers.run(15n * MS); // the loop's own timer comes back and plans from there: the 60 ms frame next
    expect(r.at).toHaveLength(3);
    expect(r.at[2]! - 60n * MS).toBeLessThan(1n * MS);
    pacer.close();
  });

  it('runs from the control plane\'s preemption points once registered there (HOOKLINE_MEDIA_PRIORITY=audio)', () => {
    const { pacer, r } = busyAfterFirstTick(23n);
    preemptionPoint(); // not registered yet: the frame waits for the loop's timer
    expect(r.at).toHaveLength(1);
    const off = onPreemptionPoint(() => pacer.runDue());
    preemptionPoint();
    expect(r.at).toHaveLength(2);
    off();
    pacer.close();
  });

  it('does nothing before the deadline', () => {
    const { pacer, r } = busyAfterFirstTick(10n); // now 35 ms
    pacer.runDue();
    expect(r.at).toHaveLength(1);
    pacer.close();
  });

  it('leaves a backlog of a whole interval or more to the loop, which sheds what it cannot catch up', () => {
    const { timers, pacer, r } = busyAfterFirstTick(45n); // now 70 ms: the 40 ms frame is 30 ms late
    pacer.runDue();
    expect(r.at).toHaveLength(1);
    timers.run(1n * MS);
    expect(r.at.length).toBeGreaterThanOrEqual(3); // the loop catches up the 40 and 60 ms frames
    pacer.close();
  });

  it('does not tick again from inside a tick', () => {
    const timers = new FakeTimers();
    const pacer = new Pacer({ timers, spinMs: 0 });
    let depth = 0;
    let deepest = 0;
    let ticks = 0;
    pacer.register({
      tick() {
        ticks++;
        deepest = Math.max(deepest, ++depth);
        timers.t += 15n * MS; // a slow tick, inside which its own frame still counts as due
        pacer.runDue(); // a preemption point reached from inside the tick
        depth--;
      },
    });
    timers.run(70n * MS);
    expect(ticks).toBeGreaterThanOrEqual(2); // the loop itself went on with the frame that fell due
    expect(deepest).toBe(1);
    pacer.close();
  });

  it('does nothing once the loop stopped', () => {
    const { pacer, r } = busyAfterFirstTick(23n);
    pacer.close();
    pacer.runDue();
    expect(r.at).toHaveLength(1);
  });
});
