import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DtmfDetector, type DtmfDetectorOptions } from './dtmf-detect.js';
import { dbm0ToAmplitude, DTMF_COL_FREQS, DTMF_ROW_FREQS, dtmfFrequencies, dtmfTones, toInt16, tones } from './dtmf-tones.js';
import { goertzelAmplitude, goertzelCoeff, goertzelPower } from './goertzel.js';

const ALL = '123A456B789C*0#D';

/** Feeds 20 ms frames the way the media pipeline does. */
function detect(x: Int16Array, opts?: DtmfDetectorOptions): string {
  const d = new DtmfDetector(opts);
  let out = '';
  for (let i = 0; i < x.length; i += 160) out += d.detect(x.subarray(i, i + 160));
  return out;
}

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Adds white Gaussian noise `snrDb` below the power of one −10 dBm0 DTMF key. */
function withNoise(x: Int16Array, snrDb: number, seed: number): Int16Array {
  const r = xorshift(seed);
  const a = dbm0ToAmplitude(-10);
  const sigma = Math.sqrt(a * a / 10 ** (snrDb / 10)); // two tones of power a²/2 each
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! + sigma * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return toInt16(y);
}

/** Voiced speech: glottal pulses through three formant resonators, syllable envelopes, moving pitch. */
function speech(seconds: number, seed: number, f0Base: number): Int16Array {
  const r = xorshift(seed);
  const fs = 8000;
  const n = seconds * fs;
  const x = new Float64Array(n);
  const vowels = [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [660, 1720, 2410], [490, 1350, 1690], [640, 1190, 2390]];
  let i = 0;
  let phase = 0;
  while (i < n) {
    const len = Math.floor((0.12 + r() * 0.25) * fs);
    const v = vowels[Math.floor(r() * vowels.length)]!;
    const f0a = f0Base * (0.8 + r() * 0.5);
    const f0b = f0Base * (0.8 + r() * 0.5);
    const state = v.map(() => [0, 0]);
    const coef = v.map((f, k) => {
      const R = Math.exp((-Math.PI * (80 + 20 * k)) / fs);
      return [2 * R * Math.cos((2 * Math.PI * f) / fs), -R * R] as const;
    });
    for (let j = 0; j < len && i < n; j++, i++) {
      phase += (f0a + ((f0b - f0a) * j) / len) / fs;
      let src = (r() - 0.5) * 0.02;
      if (phase >= 1) {
        phase -= 1;
        src += 1;
      }
      let y = 0;
      for (let k = 0; k < 3; k++) {
        const s = state[k]!;
        const o = src + coef[k]![0] * s[0]! + coef[k]![1] * s[1]!;
        s[1] = s[0]!;
        s[0] = o;
        y += o / (k + 1);
      }
      x[i] = y * Math.sin((Math.PI * j) / len);
    }
    i += Math.floor(r() * 0.08 * fs);
  }
  let p = 0;
  for (const v of x) p += v * v;
  const gain = dbm0ToAmplitude(-15) / Math.SQRT2 / Math.sqrt(p / n); // about −15 dBm0 RMS
  return toInt16(x.map((v) => v * gain));
}

/** Chords of 1-4 equal-tempered notes with the given harmonic amplitudes, changing every 150-600 ms. */
function music(seconds: number, seed: number, harmonics: number[]): Int16Array {
  const r = xorshift(seed);
  const fs = 8000;
  const n = seconds * fs;
  const x = new Float64Array(n);
  for (let i = 0; i < n; ) {
    const len = Math.floor((0.15 + r() * 0.45) * fs);
    const notes = 1 + Math.floor(r() * 4);
    for (let q = 0; q < notes; q++) {
      const f = 440 * 2 ** ((55 + Math.floor(r() * 36) - 69) / 12); // G3..F#6
      harmonics.forEach((h, k) => {
        const w = (2 * Math.PI * f * (k + 1)) / fs;
        const ph = r() * 2 * Math.PI;
        for (let j = 0; j < len && i + j < n; j++) x[i + j]! += 3000 * h * Math.sin(w * j + ph) * Math.exp(-j / (0.4 * fs));
      });
    }
    i += len;
  }
  return toInt16(x);
}

describe('dtmfTones', () => {
  it('generates each key at its two frequencies and level', () => {
    const x = dtmfTones('5', { toneMs: 100, pauseMs: 50, levelDbm0: -10, twistDb: 2 });
    expect(x.length).toBe(1200);
    const amp = (f: number) => goertzelAmplitude(goertzelPower(x, goertzelCoeff(f), 0, 800), 800);
    expect(amp(770) / dbm0ToAmplitude(-10)).toBeCloseTo(1, 2);
    expect(amp(1336) / dbm0ToAmplitude(-8)).toBeCloseTo(1, 2);
    expect(amp(697)).toBeLessThan(amp(770) / 20); // only leakage of the 770 Hz tone
    expect(Array.from(x.subarray(800)).every((v) => v === 0)).toBe(true);
    expect(dtmfFrequencies('#')).toEqual([941, 1477]);
    expect(dtmfFrequencies('d')).toEqual([941, 1633]);
    expect(dtmfFrequencies('x')).toBeUndefined();
    expect(() => dtmfTones('1x')).toThrow(RangeError);
  });
});

describe('DtmfDetector', () => {
  it('detects every key exactly once', () => {
    expect(detect(dtmfTones(ALL))).toBe(ALL);
    expect(detect(dtmfTones('1111', { toneMs: 60, pauseMs: 60 }))).toBe('1111');
  });

  it('detects every key once in white noise down to 10 dB SNR', () => {
    for (const snr of [20, 15, 10]) {
      for (let seed = 1; seed <= 4; seed++) expect(detect(withNoise(dtmfTones(ALL, { toneMs: 60, pauseMs: 60, leadMs: 30 }), snr, seed * 31 + snr))).toBe(ALL);
    }
  });

  it('detects 40 ms keys and 40 ms pauses at every alignment with the 20 ms frames; ignores 20 ms blips', () => {
    for (let lead = 0; lead < 102; lead += 2) {
      const leadMs = lead / 8;
      expect(detect(dtmfTones('9', { toneMs: 40, leadMs }))).toBe('9');
      expect(detect(dtmfTones('77', { toneMs: 60, pauseMs: 40, leadMs }))).toBe('77');
      expect(detect(dtmfTones('3', { toneMs: 20, leadMs }))).toBe('');
    }
  });

  it('reports a key when it is confirmed, not when it ends (barge-in)', () => {
    const d = new DtmfDetector();
    const x = dtmfTones('8', { toneMs: 2000, pauseMs: 0 });
    const at: number[] = [];
    for (let i = 0; i < x.length; i += 160) if (d.detect(x.subarray(i, i + 160))) at.push(i / 8);
    expect(at).toEqual([20]); // in the second frame, once, though the key is held for 2 s
    expect(d.current).toBe('8');
  });

  it('accepts twist up to 8 dB normal / 4 dB reverse, and rejects beyond', () => {
    expect(detect(dtmfTones(ALL, { twistDb: -7.5 }))).toBe(ALL); // low group 7.5 dB louder
    expect(detect(dtmfTones(ALL, { twistDb: 3.5 }))).toBe(ALL); // high group 3.5 dB louder
    expect(detect(dtmfTones(ALL, { twistDb: -10 }))).toBe('');
    expect(detect(dtmfTones(ALL, { twistDb: 5 }))).toBe('');
    expect(detect(dtmfTones(ALL, { twistDb: 5 }), { reverseTwistDb: 6 })).toBe(ALL);
  });

  it('accepts ±1.5 % frequency deviation and levels down to −30 dBm0; rejects ±3 % and −36 dBm0', () => {
    expect(detect(dtmfTones(ALL, { freqScale: 1.015 }))).toBe(ALL);
    expect(detect(dtmfTones(ALL, { freqScale: 0.985 }))).toBe(ALL);
    expect(detect(dtmfTones(ALL, { freqScale: 1.03 }))).toBe('');
    expect(detect(dtmfTones(ALL, { freqScale: 0.97 }))).toBe('');
    expect(detect(dtmfTones(ALL, { levelDbm0: -3 }))).toBe(ALL);
    expect(detect(dtmfTones(ALL, { levelDbm0: -30 }))).toBe(ALL);
    expect(detect(dtmfTones(ALL, { levelDbm0: -36 }))).toBe('');
  });

  describe('talk-off: no digits from what is not DTMF', () => {
    it('speech-like signals, low and high voices', () => {
      for (let seed = 1; seed <= 6; seed++) for (const f0 of [95, 140, 210, 300]) expect(detect(speech(5, seed * 13 + f0, f0))).toBe('');
    });

    it('single tones at each DTMF frequency and others, and a sweep', () => {
      for (const f of [...DTMF_ROW_FREQS, ...DTMF_COL_FREQS, 1000, 2600]) expect(detect(tones([{ freq: f, dbm0: -5 }], 500))).toBe('');
      const sweep = new Float64Array(24000);
      let ph = 0;
      for (let i = 0; i < sweep.length; i++) {
        ph += (2 * Math.PI * (300 + (3100 * i) / sweep.length)) / 8000;
        sweep[i] = 10000 * Math.sin(ph);
      }
      expect(detect(toInt16(sweep))).toBe('');
    });

    it('call-progress tones and two tones of one group', () => {
      for (const pair of [[350, 440], [440, 480], [480, 620], [697, 770], [852, 941], [1209, 1336], [1477, 1633]]) {
        expect(detect(tones(pair.map((freq) => ({ freq, dbm0: -10 })), 1000))).toBe('');
      }
    });

    it('music-like sums: chords of notes with harmonics', () => {
      for (let seed = 1; seed <= 8; seed++) {
        expect(detect(music(5, seed, [1, 0.5, 0.33, 0.25]))).toBe(''); // organ-like
        expect(detect(music(5, seed + 50, [1, 0.7, 0.5, 0.3, 0.2, 0.1]))).toBe(''); // string-like
        expect(detect(music(5, seed + 100, [1, 0.3]))).toBe(''); // flute-like
      }
    });

    it('a key with strong second harmonics (a voice imitating a tone) is rejected', () => {
      const [lo, hi] = dtmfFrequencies('5')!;
      const voiced = tones([{ freq: lo, dbm0: -10 }, { freq: hi, dbm0: -10 }, { freq: 2 * hi, dbm0: -18 }], 300);
      expect(detect(voiced)).toBe('');
    });
  });

  it('reset forgets a half-seen key', () => {
    const d = new DtmfDetector();
    const x = dtmfTones('4', { toneMs: 100, pauseMs: 0 });
    d.detect(x.subarray(0, 100));
    d.reset();
    expect(d.current).toBe('');
    expect(d.detect(x.subarray(100, 800)) + d.detect(new Int16Array(800))).toBe('4');
  });

  describe('the energy gate (quiet blocks skip the filters)', () => {
    /** Frame by frame, the keys and the key held, with and without the gate. */
    function bothWays(x: Int16Array): { gated: string[]; ungated: string[] } {
      const g = new DtmfDetector();
      const u = new DtmfDetector({ energyGate: false });
      const gated: string[] = [];
      const ungated: string[] = [];
      for (let i = 0; i < x.length; i += 160) {
        gated.push(g.detect(x.subarray(i, i + 160)) + '/' + g.current);
        ungated.push(u.detect(x.subarray(i, i + 160)) + '/' + u.current);
      }
      return { gated, ungated };
    }

    it('changes nothing: keys at every level around the limit, in noise, fading, cut short', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...ALL),
          fc.double({ min: -48, max: -24, noNaN: true }),
          fc.double({ min: -12, max: 12, noNaN: true }),
          fc.integer({ min: 20, max: 120 }),
          fc.integer({ min: 1, max: 2 ** 31 }),
          (key, level, twist, toneMs, seed) => {
            const x = dtmfTones(key + key, { levelDbm0: level, twistDb: twist, toneMs, pauseMs: 60 });
            // Noise at a level that keeps blocks near the gate's threshold too.
            const y = withNoise(x, 30 + (seed % 30), seed);
            const { gated, ungated } = bothWays(y);
            expect(gated).toEqual(ungated);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('changes nothing over speech and music loud enough to pass the gate, with keys spoken over', () => {
      // Blocks whose rows reach the level but whose columns are never filtered: the row-first shortcut.
      fc.assert(
        fc.property(
          fc.constantFrom(...ALL),
          fc.double({ min: -30, max: -10, noNaN: true }),
          fc.double({ min: -12, max: 12, noNaN: true }),
          fc.integer({ min: 1, max: 2 ** 31 }),
          fc.boolean(),
          (key, level, twist, seed, isSpeech) => {
            const bed = isSpeech ? speech(1, seed, 90 + (seed % 150)) : music(1, seed, [1, 0.5, 0.25]);
            const keys = dtmfTones(key + key, { levelDbm0: level, twistDb: twist, toneMs: 60, pauseMs: 60 });
            const y = new Int16Array(bed.length);
            for (let i = 0; i < y.length; i++) y[i] = Math.max(-32768, Math.min(32767, bed[i]! + (keys[i % keys.length] ?? 0)));
            const { gated, ungated } = bothWays(y);
            expect(gated).toEqual(ungated);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('a key at the lowest level the relaxed checks could keep is still heard and held', () => {
      // −32 dBm0 is the minimum; the gate sits below what even the relaxed level (3 dB lower) needs.
      const x = dtmfTones('5', { levelDbm0: -31, toneMs: 120, pauseMs: 60 });
      const { gated, ungated } = bothWays(x);
      expect(gated).toEqual(ungated);
      expect(gated.join('')).toContain('5/5');
    });
  });
});
