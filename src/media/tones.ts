/**
 * Call-progress and prompt tones as 8 kHz 16-bit PCM.
 *
 * Levels are in dBm0 (the telephone reference level) because that is how tone plans specify them;
 * 0 dBm0 is a sine of peak 22 306 on the 16-bit scale (G.711's +3.17 dBm0 overload point is the μ-law
 * maximum, 32 124). Tone edges get a short raised-cosine ramp: a hard on/off is a broadband click that
 * a far-end DTMF or talk detector can mistake for signal.
 */

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160; // 20 ms at 8 kHz, the RTP packetisation everything else uses

const DBM0_PEAK = 22306;
const RAMP_MS = 4;

export function dbm0ToPeak(level: number): number {
  return DBM0_PEAK * 10 ** (level / 20);
}

export interface ToneOptions {
  /** Level of each frequency component, dBm0. */
  level?: number;
  /** Edge ramp in ms (0 for none). */
  rampMs?: number;
}

/** A steady tone of one or more summed sine components. */
export function tone(freqs: readonly number[], durationMs: number, options: ToneOptions = {}): Int16Array {
  const n = Math.round((durationMs * SAMPLE_RATE) / 1000);
  const amp = dbm0ToPeak(options.level ?? -10);
  const ramp = Math.min(Math.floor(n / 2), Math.round(((options.rampMs ?? RAMP_MS) * SAMPLE_RATE) / 1000));
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / SAMPLE_RATE);
    out[i] = Math.round(v * amp * edgeGain(i, n, ramp));
  }
  return out;
}

function edgeGain(i: number, n: number, ramp: number): number {
  if (ramp <= 0) return 1;
  const d = Math.min(i, n - 1 - i);
  return d >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * d) / ramp);
}

/** The record/attention beep: 1 kHz for 400 ms. */
export function beep(options: ToneOptions = {}): Int16Array {
  return tone([1000], 400, options);
}

export function silence(durationMs: number): Int16Array {
  return new Int16Array(Math.round((durationMs * SAMPLE_RATE) / 1000));
}

/** A repeating call-progress tone: components, level, and alternating on/off durations in ms. */
export interface CadencedTone {
  freqs: readonly number[];
  level: number;
  cadence: readonly number[];
}

/** North American ringback (ANSI T1.401 / Telcordia GR-506): 440 + 480 Hz at −19 dBm0, 2 s on, 4 s off. */
export const RINGBACK_NA: CadencedTone = { freqs: [440, 480], level: -19, cadence: [2000, 4000] };
/** North American busy: 480 + 620 Hz at −24 dBm0, 0.5 s on, 0.5 s off. */
export const BUSY_NA: CadencedTone = { freqs: [480, 620], level: -24, cadence: [500, 500] };
/** UK ringback: 400 + 450 Hz, 0.4 on, 0.2 off, 0.4 on, 2 off. */
export const RINGBACK_UK: CadencedTone = { freqs: [400, 450], level: -19, cadence: [400, 200, 400, 2000] };

/**
 * Endless 20 ms frames of a cadenced tone, for the pacer to pull one at a time while a call rings.
 * Phase runs continuously across frames (recomputing from the absolute sample index), so frame
 * boundaries are inaudible. Each yielded frame is a fresh array the consumer may keep.
 */
export function* cadenceFrames(spec: CadencedTone, frameSamples = FRAME_SAMPLES): Generator<Int16Array, never> {
  const periods = spec.cadence.map((ms) => Math.round((ms * SAMPLE_RATE) / 1000));
  const cycle = periods.reduce((a, b) => a + b, 0);
  if (cycle <= 0) throw new RangeError('cadence must have a positive total duration');
  const amp = dbm0ToPeak(spec.level);
  const ramp = Math.round((RAMP_MS * SAMPLE_RATE) / 1000);
  const w = spec.freqs.map((f) => (2 * Math.PI * f) / SAMPLE_RATE);
  for (let start = 0; ; start += frameSamples) {
    const frame = new Int16Array(frameSamples);
    for (let j = 0; j < frameSamples; j++) {
      const abs = start + j;
      // Locate this sample within the cadence: which period, and how far into it.
      let t = abs % cycle;
      let p = 0;
      while (t >= periods[p]!) t -= periods[p++]!;
      if (p % 2 === 1) continue; // odd periods are the silences
      let v = 0;
      for (const wk of w) v += Math.sin(wk * abs);
      frame[j] = Math.round(v * amp * edgeGain(t, periods[p]!, ramp));
    }
    yield frame;
  }
}

/** One whole cadence of the tone (its frames back to back): looped, the same as cadenceFrames when its tones complete whole cycles in it. */
export function cadenceCycle(spec: CadencedTone): Int16Array {
  const cycle = spec.cadence.reduce((a, ms) => a + Math.round((ms * SAMPLE_RATE) / 1000), 0);
  const frames = Math.ceil(cycle / FRAME_SAMPLES);
  const out = new Int16Array(frames * FRAME_SAMPLES);
  const gen = cadenceFrames(spec);
  for (let i = 0; i < frames; i++) out.set(gen.next().value, i * FRAME_SAMPLES);
  return out;
}

/** North American ringback as 20 ms frames. */
export function ringbackFrames(spec: CadencedTone = RINGBACK_NA): Generator<Int16Array, never> {
  return cadenceFrames(spec);
}
