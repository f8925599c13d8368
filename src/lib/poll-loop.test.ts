import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { PollLoop } from './poll-loop.js';

describe('PollLoop', () => {
  it('polls at once, then every pollMs, one poll at a time, and again right after a poll when woken during it', async () => {
    const clock = new FakeClock(0);
    let release: () => void = () => undefined;
    const polls: number[] = [];
    const loop = new PollLoop(clock, 1000, async () => {
      polls.push(clock.now());
      await new Promise<void>((r) => (release = r));
    });
    expect(loop.start()).toBe(true);
    expect(loop.start()).toBe(false);
    expect(polls).toEqual([0]);
    loop.wake(); // during the poll: remembered, not a second poll
    expect(polls).toEqual([0]);
    release();
    await loop.current;
    await Promise.resolve();
    expect(polls).toEqual([0, 0]); // the wake's poll, right after
    release();
    await loop.current;
    await Promise.resolve();
    clock.advance(999);
    expect(polls).toHaveLength(2);
    clock.advance(1);
    expect(polls).toEqual([0, 0, 1000]);
    loop.stop();
    release();
    await loop.current;
    clock.advance(5000);
    loop.wake();
    expect(polls).toHaveLength(3);
  });
});
