import { describe, expect, it } from 'vitest';
import { floatToInt16, int16ToFloat, resample, resampleInt16, ResampleStream } from './resample.js';

function sine(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** RMS ignoring the edges, where the filter sees the zeros beyond the signal. */
function rms(x: Float32Array, edge = 200): number {
  let s = 0;
  for (let i = edge; i < x.length - edge; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (x.length - 2 * edge));
}

/** Amplitude of the `freq` component (single-bin DFT over the middle of the signal). */
function amplitudeAt(x: Float32Array, rate: number, freq: number, edge = 200): number {
  let re = 0;
  let im = 0;
  for (let i = edge; i < x.length - edge; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / (x.length - 2 * edge);
}

const db = (ratio: number): number => 20 * Math.log10(ratio);

describe('resample', () => {
  it('returns a copy when the rates are equal', () => {
    const x = sine(440, 8000, 0.1);
    const y = resample(x, 8000, 8000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  it.each([
    [44100, 8000, 44100, 8000],
    [22050, 8000, 22050, 8000],
    [48000, 8000, 4800, 800],
    [8000, 16000, 160, 320],
    [11025, 8000, 11025, 8000],
    [44100, 8000, 1, 0],
  ])('%i Hz → %i Hz: %i samples become %i', (from, to, n, expected) => {
    expect(resample(new Float32Array(n), from, to).length).toBe(expected);
  });

  it('keeps a 1 kHz tone at 44.1 kHz as 1 kHz at 8 kHz, at the same level', () => {
    const y = resample(sine(1000, 44100, 1), 44100, 8000);
    expect(Math.abs(db(amplitudeAt(y, 8000, 1000) / 0.5))).toBeLessThan(0.05);
    // All of the energy is at 1 kHz: nothing left over at other frequencies.
    expect(Math.abs(db(rms(y) / (0.5 / Math.SQRT2)))).toBeLessThan(0.05);
    // Zero crossings confirm the frequency independently: 2 per cycle.
    let crossings = 0;
    for (let i = 1; i < y.length; i++) if (y[i - 1]! < 0 !== y[i]! < 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(1998);
    expect(crossings).toBeLessThanOrEqual(2001);
  });

  it('attenuates a 6 kHz tone (which would alias to 2 kHz) by more than 60 dB', () => {
    const y = resample(sine(6000, 44100, 1), 44100, 8000);
    expect(db(rms(y) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
    expect(db(amplitudeAt(y, 8000, 2000) / 0.5)).toBeLessThan(-60);
  });

  it('passes the telephone band flat and stops above 4 kHz from 22.05 kHz (espeak output)', () => {
    for (const f of [300, 1000, 2000, 3000, 3400]) {
      expect(Math.abs(db(amplitudeAt(resample(sine(f, 22050, 0.5), 22050, 8000), 8000, f) / 0.5))).toBeLessThan(0.1);
    }
    for (const f of [4100, 5000, 7000, 10000]) {
      expect(db(rms(resample(sine(f, 22050, 0.5), 22050, 8000)) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
    }
  });

  it('keeps DC at unity gain', () => {
    const y = resample(new Float32Array(4410).fill(0.5), 44100, 8000);
    expect(y[400]).toBeCloseTo(0.5, 4);
  });

  it('upsamples 8 → 16 kHz without images', () => {
    const y = resample(sine(1000, 8000, 0.5), 8000, 16000);
    expect(Math.abs(db(amplitudeAt(y, 16000, 1000) / 0.5))).toBeLessThan(0.05);
    expect(db(amplitudeAt(y, 16000, 7000) / 0.5)).toBeLessThan(-60); // the image of 1 kHz about 4 kHz
  });

  it('rejects nonsense rates', () => {
    expect(() => resample(new Float32Array(10), 0, 8000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(10), 8000, Number.NaN)).toThrow(RangeError);
  });
});

describe('ResampleStream', () => {
  /** Feeds `x` in pieces of the given sizes (cycled) and concatenates what comes out. */
  function streamed(x: Float32Array, from: number, to: number, sizes: number[]): { out: Float32Array; held: number } {
    const s = new ResampleStream(from, to);
    const parts: Float32Array[] = [];
    let held = 0;
    for (let off = 0, i = 0; off < x.length; i++) {
      const n = sizes[i % sizes.length]!;
      parts.push(s.push(x.subarray(off, off + n)));
      off += n;
      held = Math.max(held, (s as unknown as { buf: Float32Array }).buf.length);
    }
    parts.push(s.end());
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return { out, held };
  }

  it.each([
    [44100, 16000, [4410, 1, 999, 17]],
    [48000, 16000, [1152]],
    [22050, 16000, [333, 4096]],
    [8000, 16000, [160, 7]],
    [96000, 8000, [10000]],
  ])('%i Hz → %i Hz in pieces gives exactly what resample gives for the whole', (from, to, sizes) => {
    const x = sine(440, from, 0.5);
    for (let i = 0; i < x.length; i += 97) x[i]! += 0.1; // not only a sine: clicks reach every tap
    const { out, held } = streamed(x, from, to, sizes);
    expect(out).toEqual(resample(x, from, to));
    // Only the kernel's reach of input is kept between pieces, never the whole signal.
    expect(held).toBeLessThan(Math.max(...sizes) + 400 * Math.max(1, from / to));
  });

  it('passes samples through when the rates are equal, and handles empty input', () => {
    const s = new ResampleStream(16000, 16000);
    expect(s.push(Float32Array.from([0.5, -0.5]))).toEqual(Float32Array.from([0.5, -0.5]));
    expect(s.end()).toHaveLength(0);
    expect(new ResampleStream(44100, 16000).end()).toHaveLength(0);
  });
});

describe('sample format helpers', () => {
  it('clips instead of wrapping', () => {
    expect(Array.from(floatToInt16(Float32Array.from([1.5, -1.5, 1, -1, 0.5])))).toEqual([32767, -32768, 32767, -32768, 16384]);
  });

  it('int16 → float → int16 is lossless', () => {
    const x = Int16Array.from([-32768, -1, 0, 1, 12345, 32767]);
    expect(floatToInt16(int16ToFloat(x))).toEqual(x);
  });

  it('resampleInt16 converts 16 kHz PCM to 8 kHz', () => {
    const x = floatToInt16(sine(500, 16000, 0.2, 0.25));
    const y = resampleInt16(x, 16000);
    expect(y.length).toBe(1600);
    expect(Math.abs(db(amplitudeAt(int16ToFloat(y), 8000, 500) / 0.25))).toBeLessThan(0.05);
  });
});
