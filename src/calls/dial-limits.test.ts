import { describe, expect, it } from 'vitest';
import { DEFAULT_DIAL_LIMITS, DialBudget, dialWithin, withFindMeFloor } from './dial-limits.js';
import type { DialOutcome } from './types.js';

/** A leg whose end the test decides. */
function leg() {
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  return { ended, end };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('DialBudget', () => {
  it('refuses the leg past the per-call limit, naming the limit and its setting', () => {
    const b = new DialBudget({ perCall: 2, simultaneous: 5 });
    for (let i = 0; i < 2; i++) {
      const slot = b.take();
      if (typeof slot === 'string') throw new Error(slot);
      slot.release();
    }
    expect(b.take()).toBe('this call has already placed 2 outbound legs (the per-call limit, HOOKLINE_DIAL_PER_CALL=2)');
    expect(b.counts).toEqual({ placed: 2, active: 0 });
  });

  it('refuses a leg past the simultaneous limit until one ends; a slot released twice counts once', () => {
    const b = new DialBudget({ perCall: 10, simultaneous: 2 });
    const first = b.take();
    const second = b.take();
    if (typeof first === 'string' || typeof second === 'string') throw new Error('refused');
    expect(b.take()).toBe('this call already has 2 outbound legs up at once (the per-call simultaneous limit, HOOKLINE_DIAL_SIMULTANEOUS=2)');
    first.release();
    first.release();
    expect(b.counts).toEqual({ placed: 2, active: 1 });
    expect(typeof b.take()).toBe('object');
    expect(typeof b.take()).toBe('string');
  });
});

describe('dialWithin', () => {
  it('holds the slot of an answered leg until the leg ends, and frees an unanswered one at once', async () => {
    const b = new DialBudget({ perCall: 10, simultaneous: 1 });
    const l = leg();
    const answered = await dialWithin(b, async () => ({ outcome: 'answered' as DialOutcome, leg: l }), () => undefined);
    expect(answered.outcome).toBe('answered');
    const why: string[] = [];
    expect(await dialWithin(b, async () => ({ outcome: 'busy' as DialOutcome }), (w) => why.push(w))).toEqual({ outcome: 'refused' });
    expect(why[0]).toMatch(/HOOKLINE_DIAL_SIMULTANEOUS=1/);
    l.end();
    await flush();
    expect(await dialWithin(b, async () => ({ outcome: 'busy' as DialOutcome }), () => undefined)).toEqual({ outcome: 'busy' });
    expect(b.counts).toEqual({ placed: 2, active: 0 });
  });

  it('never calls the dialler when refused, and frees the slot when the dialler throws', async () => {
    const b = new DialBudget({ perCall: 1, simultaneous: 1 });
    await expect(dialWithin(b, () => Promise.reject(new Error('boom')), () => undefined)).rejects.toThrow('boom');
    expect(b.counts.active).toBe(0);
    let called = false;
    const r = await dialWithin(b, async () => ((called = true), { outcome: 'answered' as DialOutcome }), () => undefined);
    expect(r).toEqual({ outcome: 'refused' });
    expect(called).toBe(false);
  });
});

describe('withFindMeFloor', () => {
  it.each([
    ['keeps limits a Find Me fits in', { perCall: 20, simultaneous: 10 }, 3, { perCall: 20, simultaneous: 10 }],
    ['raises simultaneous to the largest Find Me', { perCall: 20, simultaneous: 10 }, 15, { perCall: 20, simultaneous: 15 }],
    ['and legs per call to one full group', { perCall: 4, simultaneous: 2 }, 6, { perCall: 6, simultaneous: 6 }],
    ['no Find Me at all', { perCall: 1, simultaneous: 1 }, 0, { perCall: 1, simultaneous: 1 }],
  ])('%s', (_name, limits, largest, want) => {
    expect(withFindMeFloor(limits, largest)).toEqual(want);
  });

  it('has defaults that fit every Find Me the original platform allowed (9 at once)', () => {
    expect(withFindMeFloor(DEFAULT_DIAL_LIMITS, 9)).toEqual(DEFAULT_DIAL_LIMITS);
  });
});
