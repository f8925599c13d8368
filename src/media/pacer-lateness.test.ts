import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';
import { FakeTimers, MS } from './testing.js';

describe('Pacer.recentLatenessMs (what admission control reads)', () => {
  it('says how late ticks ran over the last second or two, and forgets a stall once two seconds have passed', () => {
    const timers = new FakeTimers();
    timers.timerLateNs = 0n;
    const pacer = new Pacer({ timers, spinMs: 0 });
    expect(pacer.recentLatenessMs()).toBe(0); // nothing paced yet
    pacer.register({ tick: () => undefined });
    timers.run(500n * MS);
    expect(pacer.recentLatenessMs()).toBeLessThan(0.5); // on time
    timers.t += 45n * MS; // the loop is held 45 ms: the frame due next runs 25-45 ms late
    timers.run(100n * MS);
    const stalled = pacer.recentLatenessMs();
    expect(stalled).toBeGreaterThanOrEqual(25);
    expect(stalled).toBeLessThanOrEqual(45);
    timers.run(1000n * MS); // a new window: the stall is still in the previous one
    expect(pacer.recentLatenessMs()).toBe(stalled);
    timers.run(1100n * MS); // two windows later it is gone
    expect(pacer.recentLatenessMs()).toBeLessThan(0.5);
    pacer.close();
    timers.t += 3000n * MS;
    expect(pacer.recentLatenessMs()).toBe(0); // nothing paced for two seconds
  });
});

describe('Pacer.recentLoopLagMs (what admission control also reads)', () => {
  it('shows the loop held up by control work even while preemption points keep the frames on time', () => {
    const timers = new FakeTimers();
    timers.timerLateNs = 0n;
    const pacer = new Pacer({ timers, spinMs: 0 });
    expect(pacer.recentLoopLagMs()).toBe(0);
    pacer.register({ tick: () => undefined });
    timers.run(500n * MS);
    expect(pacer.recentLoopLagMs()).toBeLessThan(0.5);
    // 60 ms of control work with a preemption point every 2 ms (HOOKLINE_MEDIA_PRIORITY=audio): the
    // frames go out from the points, the loop's own timer waits for the end of the work.
    for (let i = 0; i < 30; i++) {
      timers.t += 2n * MS;
      pacer.runDue();
    }
    timers.run(0n);
    expect(pacer.recentLatenessMs()).toBeLessThanOrEqual(2);
    const lag = pacer.recentLoopLagMs();
    expect(lag).toBeGreaterThanOrEqual(40);
    expect(lag).toBeLessThanOrEqual(60);
    timers.run(2100n * MS); // two windows later it is gone
    expect(pacer.recentLoopLagMs()).toBeLessThan(0.5);
    pacer.close();
  });
});

describe('Pacer onLateness (the cumulative histogram in /metrics)', () => {
  it('is told how late every tick ran, in seconds', () => {
    const timers = new FakeTimers();
    timers.timerLateNs = 0n;
    const told: number[] = [];
    const pacer = new Pacer({ timers, spinMs: 0, onLateness: (s) => told.push(s) });
    pacer.register({ tick: () => undefined });
    timers.run(200n * MS);
    const onTime = told.length;
    expect(onTime).toBeGreaterThanOrEqual(9);
    expect(Math.max(...told)).toBeLessThan(0.0005);
    timers.t += 45n * MS; // the loop held 45 ms
    timers.run(40n * MS);
    const late = told.slice(onTime);
    expect(Math.max(...late)).toBeGreaterThanOrEqual(0.025);
    expect(Math.max(...late)).toBeLessThanOrEqual(0.045);
    pacer.close();
  });
});
