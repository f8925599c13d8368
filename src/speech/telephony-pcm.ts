/**
 * A synthesizer's WAV to what a call plays (8 kHz mono 16-bit), in two parts: the head first, so that
 * it can be sent to the caller before the rest has been resampled.
 *
 * Why: the windowed-sinc resampler (media/resample.ts) costs ~4–10 ms per second of 22.05 kHz speech,
 * on the path from text to first frame; for a 1.4 s sentence that is as much as a third of the whole
 * synthesis. The head is exactly what `wavTo8kMono` gives for those samples (its input is a prefix of
 * the same samples, long enough to cover the filter); the rest is resampled from a suffix that starts on
 * a sample where the input and output grids meet (every 441 input samples at 22.05 kHz → 8 kHz), so
 * it is the same filter at the same positions, equal to the whole-file result within rounding (±1 LSB).
 * Both rely on the resampler's default filter (see `reach`); the tests compare with `wavTo8kMono`.
 */
import { resample, floatToInt16 } from '../media/resample.js';
import { decodeWav, mixdown, TELEPHONY_RATE } from '../media/wav.js';

/**
 * Output samples of the head: 0.5 s, or a 30th of the whole for very long audio, so that resampling the
 * rest always takes less time than playing the head.
 */
export const HEAD_SAMPLES = 4000;

/**
 * Input samples either side of an output sample that the resampler's default filter reads: 32 zero
 * crossings at a cutoff of 0.92 × the lower Nyquist, i.e. 34.8 × max(1, from/to); with a margin.
 */
const reach = (fromRate: number): number => Math.ceil(36 * Math.max(1, fromRate / TELEPHONY_RATE)) + 2;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export interface TelephonyPcm {
  /** The first samples (all of them when the audio is short). */
  head: Int16Array;
  /** Computes the samples after the head; undefined when the head is everything. */
  rest: (() => Int16Array) | undefined;
  /** The WAV's own sample rate. */
  sourceRate: number;
}

export function telephonyPcm(wav: Uint8Array, headSamples = HEAD_SAMPLES): TelephonyPcm {
  const decoded = decodeWav(wav);
  const input = mixdown(decoded.channels);
  const from = decoded.sampleRate;
  const to = TELEPHONY_RATE;
  if (from === to) return { head: floatToInt16(input), rest: undefined, sourceRate: from };
  const total = Math.round((input.length * to) / from);
  const head = Math.max(headSamples, Math.ceil(total / 30));
  // Not worth two passes (and two messages) when the rest would be short.
  if (total <= head * 1.5) return { head: floatToInt16(resample(input, from, to)), rest: undefined, sourceRate: from };

  const margin = reach(from);
  const headInput = input.subarray(0, Math.min(input.length, Math.ceil((head * from) / to) + margin));
  const headPcm = floatToInt16(resample(headInput, from, to).subarray(0, head));
  return {
    head: headPcm,
    rest: () => {
      // Start the suffix on a grid point at least `margin` input samples before the first output wanted.
      const g = gcd(from, to);
      const inStep = from / g;
      const outStep = to / g;
      const k = Math.max(0, Math.floor(((head * from) / to - margin) / inStep));
      const out = resample(input.subarray(k * inStep), from, to);
      return floatToInt16(out.subarray(head - k * outStep));
    },
    sourceRate: from,
  };
}
