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
    for (let k = 0; k < this.coeffs.length; k++) out[k] = goertzelPower(block, this.coeffs[k]!, start, length);
    return out;
  }
}
