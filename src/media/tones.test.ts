import { describe, expect, it } from 'vitest';
import {
  beep,
  BUSY_NA,
  cadenceFrames,
  dbm0ToPeak,
  FRAME_SAMPLES,
  ringbackFrames,
  RINGBACK_UK,
  silence,
  tone,
} from './tones.js';

/** Amplitude of one frequency component (single-bin DFT), in 16-bit units. */
function amplitudeAt(x: Int16Array, freq: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / 8000);
    im += x[i]! * Math.sin((2 * Math.PI * freq * i) / 8000);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

const energy = (x: Int16Array): number => x.reduce((s, v) => s + v * v, 0);

function take(gen: Generator<Int16Array>, n: number): Int16Array[] {
  return Array.from({ length: n }, () => gen.next().value as Int16Array);
}

describe('beep', () => {
  it('is 400 ms of 1 kHz at −10 dBm0', () => {
    const b = beep();
    expect(b).toHaveLength(3200);
    // Within 2 %: the 4 ms edge ramps take a little of the energy.
    expect(amplitudeAt(b, 1000) / dbm0ToPeak(-10)).toBeGreaterThan(0.98);
    expect(amplitudeAt(b, 1000) / dbm0ToPeak(-10)).toBeLessThan(1.001);
    expect(amplitudeAt(b, 500)).toBeLessThan(50);
    expect(amplitudeAt(b, 1500)).toBeLessThan(50);
  });

  it('ramps in and out instead of clicking', () => {
    const b = beep();
    expect(b[0]).toBe(0);
    expect(Math.abs(b[3199]!)).toBeLessThan(10);
    expect(Math.abs(b[4]!)).toBeLessThan(Math.abs(dbm0ToPeak(-10)) * 0.2);
  });

  it('takes a level', () => {
    expect(amplitudeAt(beep({ level: -20 }), 1000) / dbm0ToPeak(-20)).toBeGreaterThan(0.98);
  });
});

describe('tone and silence', () => {
  it('sums components', () => {
    const t = tone([350, 440], 1000, { level: -13 });
    expect(t).toHaveLength(8000);
    expect(amplitudeAt(t, 350)).toBeCloseTo(dbm0ToPeak(-13), -2);
    expect(amplitudeAt(t, 440)).toBeCloseTo(dbm0ToPeak(-13), -2);
  });

  it('never exceeds 16 bits at 0 dBm0 with two components', () => {
    const t = tone([697, 1209], 200, { level: 0 });
    expect(Math.max(...t)).toBeLessThanOrEqual(32767);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(-32768);
  });

  it('silence is zeros', () => {
    const s = silence(20);
    expect(s).toHaveLength(160);
    expect(energy(s)).toBe(0);
  });
});

describe('North American ringback', () => {
  it('is 2 s of 440 + 480 Hz then 4 s of silence, in 20 ms frames, repeating', () => {
    const frames = take(ringbackFrames(), 600); // two 6 s cycles
    expect(frames.every((f) => f.length === FRAME_SAMPLES)).toBe(true);
    const on = (i: number): boolean => energy(frames[i]!) > 0;
    expect(frames.slice(0, 100).every((_, i) => on(i))).toBe(true);
    expect(frames.slice(100, 300).some((_, i) => on(100 + i))).toBe(false);
    expect(on(300) && on(399) && !on(400)).toBe(true);

    const burst = new Int16Array(16000);
    frames.slice(0, 100).forEach((f, i) => burst.set(f, i * FRAME_SAMPLES));
    expect(amplitudeAt(burst, 440)).toBeCloseTo(dbm0ToPeak(-19), -2);
    expect(amplitudeAt(burst, 480)).toBeCloseTo(dbm0ToPeak(-19), -2);
    expect(amplitudeAt(burst, 620)).toBeLessThan(20);
  });

  it('is continuous across frame boundaries (same samples as one long tone)', () => {
    const frames = take(ringbackFrames(), 10);
    const joined = new Int16Array(1600);
    frames.forEach((f, i) => joined.set(f, i * FRAME_SAMPLES));
    const ref = tone([440, 480], 2000, { level: -19 }).subarray(0, 1600);
    for (let i = 0; i < 1600; i++) expect(Math.abs(joined[i]! - ref[i]!)).toBeLessThanOrEqual(1);
  });

  it('hands out fresh arrays the consumer may keep', () => {
    const g = ringbackFrames();
    const a = g.next().value as Int16Array;
    const b = g.next().value as Int16Array;
    expect(a).not.toBe(b);
  });
});

describe('other cadences', () => {
  it('busy alternates 0.5 s on and off', () => {
    const frames = take(cadenceFrames(BUSY_NA), 100);
    expect(energy(frames[10]!)).toBeGreaterThan(0);
    expect(energy(frames[30]!)).toBe(0);
    expect(energy(frames[60]!)).toBeGreaterThan(0);
  });

  it('UK ringback has the double ring', () => {
    const frames = take(cadenceFrames(RINGBACK_UK), 150);
    // 0.4 s on (frames 0–19), 0.2 off (20–29), 0.4 on (30–49), 2 off (50–149).
    const pattern = [5, 25, 35, 55, 100].map((i) => energy(frames[i]!) > 0);
    expect(pattern).toEqual([true, false, true, false, false]);
  });

  it('rejects an empty cadence', () => {
    expect(() => cadenceFrames({ freqs: [440], level: -19, cadence: [0] }).next()).toThrow(RangeError);
  });
});
