import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blockEnergy, goertzelAmplitude, GoertzelBank, goertzelCoeff, goertzelPower } from './goertzel.js';

const sine = (f: number, a: number, n: number, phase = 0) => Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / 8000 + phase));

/** |X(f)|² by the direct DFT sum, for reference. */
function dft(x: ArrayLike<number>, f: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * f * i) / 8000);
    im -= x[i]! * Math.sin((2 * Math.PI * f * i) / 8000);
  }
  return re * re + im * im;
}

describe('Goertzel', () => {
  it('equals the DFT magnitude at any frequency, integer bin or not', () => {
    const x = Float64Array.from({ length: 205 }, (_, i) => Math.sin(i * 0.37) * 1000 + Math.cos(i * 1.9) * 300 + (i % 7) * 10);
    for (const f of [697, 770, 1209, 1633, 1000, 2437.5]) {
      expect(goertzelPower(x, goertzelCoeff(f))).toBeCloseTo(dft(x, f), -2);
      expect(goertzelPower(x, goertzelCoeff(f)) / dft(x, f)).toBeCloseTo(1, 9);
    }
  });

  it('gives (A·N/2)² for a sine on an integer bin, and recovers its amplitude', () => {
    const n = 160;
    const x = sine(1000, 5000, n, 0.3); // 1000 Hz = bin 20 of 160
    const p = goertzelPower(x, goertzelCoeff(1000));
    expect(p / ((5000 * n) / 2) ** 2).toBeCloseTo(1, 6);
    expect(goertzelAmplitude(p, n)).toBeCloseTo(5000, 3);
    expect(blockEnergy(x)).toBeCloseTo((5000 ** 2 * n) / 2, -3);
  });

  it('separates the DTMF row tones with 102-sample blocks', () => {
    const x = sine(697, 8000, 102);
    const bank = new GoertzelBank([697, 770, 852, 941]);
    const p = bank.powers(x, new Float64Array(4));
    const db = Array.from(p, (v) => 10 * Math.log10(v / p[0]!));
    expect(db[1]).toBeLessThan(-15); // the neighbour 73 Hz away
    expect(db[2]).toBeLessThan(-20);
  });

  it('a bank of four (one pass for all) gives exactly what each filter gives alone, windowed or not', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 0, maxLength: 300 }), fc.nat(150), (samples, from) => {
        const x = Int16Array.from(samples);
        const start = Math.min(from, x.length);
        const freqs = [1209, 1336, 1477, 1633];
        const four = new GoertzelBank(freqs).powers(x, new Float64Array(4), start);
        const alone = freqs.map((f) => goertzelPower(x, goertzelCoeff(f), start));
        expect(Array.from(four)).toEqual(alone); // to the last bit: the same operations in the same order
        // And a bank of another size takes the general path, with the same result.
        expect(Array.from(new GoertzelBank(freqs.slice(0, 3)).powers(x, new Float64Array(3), start))).toEqual(alone.slice(0, 3));
      }),
    );
  });

  it('works on a window of a larger buffer', () => {
    const x = sine(852, 3000, 400);
    const c = goertzelCoeff(852);
    expect(goertzelPower(x, c, 100, 102)).toBeCloseTo(goertzelPower(x.subarray(100, 202), c), 6);
  });
});
