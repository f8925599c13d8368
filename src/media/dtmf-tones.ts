/**
 * DTMF signal generation (ITU-T Q.23 frequencies) as 8 kHz 16-bit linear PCM, for tests, test tooling and
 * in-band DTMF when RFC 4733 was not negotiated.
 */

export const DTMF_ROW_FREQS = [697, 770, 852, 941] as const;
export const DTMF_COL_FREQS = [1209, 1336, 1477, 1633] as const;
/** Keypad layout: DTMF_KEYPAD[row][col]. */
export const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/**
 * Peak amplitude of a 0 dBm0 sine in 16-bit linear PCM: G.711 µ-law's full-scale sine is +3.17 dBm0 at
 * 8159 × 4 = 32636, so 0 dBm0 ≈ 32636 × 10^(−3.17/20).
 */
export const DBM0_PEAK = 22656;

export function dbm0ToAmplitude(dbm0: number): number {
  return DBM0_PEAK * 10 ** (dbm0 / 20);
}

/** [low (row), high (column)] frequencies of a key, case-insensitive; undefined for anything else. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const d = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYPAD[r]!.indexOf(d);
    if (c >= 0 && d.length === 1) return [DTMF_ROW_FREQS[r]!, DTMF_COL_FREQS[c]!];
  }
  return undefined;
}

export interface ToneSpec {
  freq: number;
  /** Level of this component in dBm0. */
  dbm0: number;
  /** Start phase in radians, default 0. */
  phase?: number;
}

/** Writes the sum of sines into out[offset .. offset+samples), adding to what is there. */
export function addTones(out: Float64Array, offset: number, samples: number, tones: readonly ToneSpec[], sampleRate = 8000): void {
  for (const t of tones) {
    const a = dbm0ToAmplitude(t.dbm0);
    const w = (2 * Math.PI * t.freq) / sampleRate;
    const p = t.phase ?? 0;
    for (let i = 0; i < samples; i++) out[offset + i]! += a * Math.sin(w * i + p);
  }
}

/** Rounds and clips to 16 bits. */
export function toInt16(x: Float64Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]!)));
  return out;
}

/** A sum of sines lasting `ms`. */
export function tones(spec: readonly ToneSpec[], ms: number, sampleRate = 8000): Int16Array {
  const n = Math.round((ms * sampleRate) / 1000);
  const x = new Float64Array(n);
  addTones(x, 0, n, spec, sampleRate);
  return toInt16(x);
}

export interface DtmfToneOptions {
  /** Tone length per key, default 100 ms. */
  toneMs?: number;
  /** Silence after each key, default 100 ms. */
  pauseMs?: number;
  /** Silence before the first key, default 0. */
  leadMs?: number;
  /** Level of the low-group tone in dBm0, default −10. */
  levelDbm0?: number;
  /** High-group level minus low-group level in dB, default 0 (phones send about +2). */
  twistDb?: number;
  /** Multiplies both frequencies, to test frequency deviation (Q.24 allows ±1.5 %); default 1. */
  freqScale?: number;
  sampleRate?: number;
}

/** The key presses of `digits` as PCM: [lead] tone pause tone pause … Throws on a character that is no key. */
export function dtmfTones(digits: string, opts: DtmfToneOptions = {}): Int16Array {
  const rate = opts.sampleRate ?? 8000;
  const toneN = Math.round(((opts.toneMs ?? 100) * rate) / 1000);
  const pauseN = Math.round(((opts.pauseMs ?? 100) * rate) / 1000);
  const leadN = Math.round(((opts.leadMs ?? 0) * rate) / 1000);
  const low = opts.levelDbm0 ?? -10;
  const high = low + (opts.twistDb ?? 0);
  const scale = opts.freqScale ?? 1;
  const x = new Float64Array(leadN + digits.length * (toneN + pauseN));
  let o = leadN;
  for (const d of digits) {
    const f = dtmfFrequencies(d);
    if (!f) throw new RangeError(`not a DTMF key: ${JSON.stringify(d)}`);
    addTones(x, o, toneN, [{ freq: f[0] * scale, dbm0: low }, { freq: f[1] * scale, dbm0: high }], rate);
    o += toneN + pauseN;
  }
  return toInt16(x);
}
