/**
 * The Goertzel algorithm: the power of one DFT bin, at any frequency, in one pass of a second-order IIR filter.
 * Cheaper than an FFT when only a few frequencies matter (the 8 DTMF tones), and the frequency need not fall on
 * an integer bin. (G. Goertzel, "An Algorithm for the Evaluation of Finite Trigonometric Series", 1958.)
 */

/** The filter coefficient 2·cos(2πf/fs). */
export function goertzelCoeff(freq: number, sampleRate = 8000): number {
  return 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
}

/**
 * |X(f)|² over `length` samples from `start`: s[n] = x[n] + c·s[n-1] − s[n-2]; power = s1² + s2² − c·s1·s2.
 * A sine of amplitude A at exactly f gives (A·N/2)².
 */
export function goertzelPower(samples: ArrayLike<number>, coeff: number, start = 0, length = samples.length - start): number {
  let s1 = 0;
  let s2 = 0;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** Amplitude of a sine that would give `power` over `n` samples (inverse of (A·N/2)²). */
export function goertzelAmplitude(power: number, n: number): number {
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

/** Σx², the block energy the tone powers are compared with. */
export function blockEnergy(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  let e = 0;
  const end = start + length;
  for (let i = start; i < end; i++) e += samples[i]! * samples[i]!;
  return e;
}

/** A bank of Goertzel filters over the same blocks: `powers(block, out)` fills out[i] for freqs[i]. */
export class GoertzelBank {
  private readonly coeffs: Float64Array;

  constructor(
    readonly freqs: readonly number[],
    sampleRate = 8000,
  ) {
    this.coeffs = Float64Array.from(freqs, (f) => goertzelCoeff(f, sampleRate));
  }

  powers(block: ArrayLike<number>, out: Float64Array, start = 0, length = block.length - start): Float64Array {
    if (this.coeffs.length === 4) return this.powers4(block, out, start, start + length);
    for (let k = 0; k < this.coeffs.length; k++) out[k] = goertzelPower(block, this.coeffs[k]!, start, length);
    return out;
  }

  /**
   * The four filters of a DTMF group in one pass over the block: each sample is read once instead of four
   * times, and the loop's overhead is shared. Every filter does the same operations in the same order as
   * goertzelPower, so the powers are identical to the last bit.
   */
  private powers4(block: ArrayLike<number>, out: Float64Array, start: number, end: number): Float64Array {
    const c = this.coeffs;
    const c0 = c[0]!;
    const c1 = c[1]!;
    const c2 = c[2]!;
    const c3 = c[3]!;
    let a1 = 0, a2 = 0, b1 = 0, b2 = 0, d1 = 0, d2 = 0, e1 = 0, e2 = 0;
    for (let i = start; i < end; i++) {
      const x = block[i]!;
      const a0 = x + c0 * a1 - a2;
      a2 = a1;
      a1 = a0;
      const b0 = x + c1 * b1 - b2;
      b2 = b1;
      b1 = b0;
      const d0 = x + c2 * d1 - d2;
      d2 = d1;
      d1 = d0;
      const e0 = x + c3 * e1 - e2;
      e2 = e1;
      e1 = e0;
    }
    out[0] = a1 * a1 + a2 * a2 - c0 * a1 * a2;
    out[1] = b1 * b1 + b2 * b2 - c1 * b1 * b2;
    out[2] = d1 * d1 + d2 * d2 - c2 * d1 * d2;
    out[3] = e1 * e1 + e2 * e2 - c3 * e1 * e2;
    return out;
  }
}
