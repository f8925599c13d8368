import { describe, expect, it } from 'vitest';
import {
  ALAW_DECODE,
  ALAW_SILENCE,
  alawToLinear,
  alawToUlaw,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  transcodeG711,
  ULAW_DECODE,
  ULAW_SILENCE,
  ulawToAlaw,
} from './g711.js';

const ALL_16BIT = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('G.711 decode tables', () => {
  // First entries of the published decode tables (Sun g711.c, spandsp, Asterisk all agree).
  it('μ-law matches the published table', () => {
    expect(Array.from(ULAW_DECODE.subarray(0, 16))).toEqual([
      -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956, -23932, -22908, -21884, -20860, -19836,
      -18812, -17788, -16764,
    ]);
    expect(Array.from(ULAW_DECODE.subarray(16, 20))).toEqual([-15996, -15484, -14972, -14460]);
    expect(ULAW_DECODE[0x7f]).toBe(0);
    expect(ULAW_DECODE[0x80]).toBe(32124);
    expect(ULAW_DECODE[0xff]).toBe(0);
    expect(ULAW_DECODE[0xfe]).toBe(8);
  });

  it('A-law matches the published table', () => {
    expect(Array.from(ALAW_DECODE.subarray(0, 16))).toEqual([
      -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736, -7552, -7296, -8064, -7808, -6528, -6272, -7040,
      -6784,
    ]);
    expect(Array.from(ALAW_DECODE.subarray(16, 20))).toEqual([-2752, -2624, -3008, -2880]);
    expect(ALAW_DECODE[0x55]).toBe(-8);
    expect(ALAW_DECODE[0xd5]).toBe(8);
    expect(ALAW_DECODE[0xaa]).toBe(32256);
    expect(ALAW_DECODE[0x2a]).toBe(-32256);
  });

  it('is odd-symmetric: the sign bit only flips the sign', () => {
    for (let c = 0; c < 128; c++) {
      expect(ULAW_DECODE[c]! + ULAW_DECODE[c | 0x80]!).toBe(0);
      expect(ALAW_DECODE[c]! + ALAW_DECODE[c | 0x80]!).toBe(0);
    }
  });
});

describe('G.711 encode', () => {
  it.each([
    [0, 0xff, 0xd5],
    [-1, 0x7e, 0x55],
    [8, 0xfe, 0xd5],
    [1000, 0xce, 0xfa],
    [-1000, 0x4e, 0x7a],
    [32767, 0x80, 0xaa],
    [-32768, 0x00, 0x2a],
  ])('%i encodes to μ-law %i and A-law %i', (sample, ulaw, alaw) => {
    expect(linearToUlaw(sample)).toBe(ulaw);
    expect(linearToAlaw(sample)).toBe(alaw);
  });

  it('frame encoders agree with the reference functions for every 16-bit input', () => {
    const u = encodeUlaw(ALL_16BIT);
    const a = encodeAlaw(ALL_16BIT);
    for (let i = 0; i < ALL_16BIT.length; i++) {
      if (u[i] !== linearToUlaw(ALL_16BIT[i]!)) throw new Error(`μ-law mismatch at ${ALL_16BIT[i]}`);
      if (a[i] !== linearToAlaw(ALL_16BIT[i]!)) throw new Error(`A-law mismatch at ${ALL_16BIT[i]}`);
    }
  });

  it('quantizes monotonically and within half a segment step', () => {
    const u = decodeUlaw(encodeUlaw(ALL_16BIT));
    const a = decodeAlaw(encodeAlaw(ALL_16BIT));
    const bad: string[] = [];
    for (let i = 0; i < ALL_16BIT.length; i++) {
      const x = ALL_16BIT[i]!;
      if (i > 0 && (u[i]! < u[i - 1]! || a[i]! < a[i - 1]!)) bad.push(`not monotonic at ${x}`);
      if (Math.abs(x) > 32124) continue; // beyond the largest code: clipped
      // Decoded values sit mid-interval, so the error is at most half a step. Steps double with each
      // segment, and a segment starts where |x| is 32 half-steps (μ-law counting from its bias of 132).
      // μ-law's `x >> 2` rounds negatives away from zero, which adds up to 4 on that side.
      if (Math.abs(u[i]! - x) > Math.max(4, (Math.abs(x) + 132) / 32) + 4) bad.push(`μ-law error at ${x}`);
      if (Math.abs(a[i]! - x) > Math.max(8, Math.abs(x) / 32) + 1) bad.push(`A-law error at ${x}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('round-trips every code (μ-law negative zero 0x7F becomes 0xFF)', () => {
    const u = encodeUlaw(decodeUlaw(ALL_CODES));
    const a = encodeAlaw(decodeAlaw(ALL_CODES));
    for (let c = 0; c < 256; c++) {
      expect(u[c]).toBe(c === 0x7f ? 0xff : c);
      expect(a[c]).toBe(c);
    }
  });

  it('keeps a speech-level sine at ≈ 38 dB SNR (G.711 is about 6 dB per bit of 7)', () => {
    const x = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1004 * i) / 8000)));
    for (const y of [decodeUlaw(encodeUlaw(x)), decodeAlaw(encodeAlaw(x))]) {
      let sig = 0;
      let noise = 0;
      for (let i = 0; i < x.length; i++) {
        sig += x[i]! ** 2;
        noise += (x[i]! - y[i]!) ** 2;
      }
      expect(10 * Math.log10(sig / noise)).toBeGreaterThan(35);
    }
  });

  it('silence constants encode zero', () => {
    expect(linearToUlaw(0)).toBe(ULAW_SILENCE);
    expect(linearToAlaw(0)).toBe(ALAW_SILENCE);
  });
});

describe('output buffers', () => {
  it('writes into a caller buffer and returns a view of the used part', () => {
    const out = new Uint8Array(320);
    const pcm = new Int16Array(160).fill(1000);
    const r = encodeUlaw(pcm, out);
    expect(r.buffer).toBe(out.buffer);
    expect(r.length).toBe(160);
    expect(r[0]).toBe(0xce);
    const back = new Int16Array(160);
    expect(decodeUlaw(r, back)).toBe(back);
  });

  it('rejects a buffer that is too small', () => {
    expect(() => encodeAlaw(new Int16Array(160), new Uint8Array(80))).toThrow(RangeError);
  });
});

describe('μ-law ↔ A-law transcoding (G.711 Tables 3 and 4)', () => {
  it('matches the standard tables, including the entries Sun g711.c got wrong', () => {
    expect(ulawToAlaw[0x00]).toBe(0x2a);
    expect(ulawToAlaw[0xff]).toBe(0xd5);
    expect(ulawToAlaw[0x7f]).toBe(0x55);
    expect(ulawToAlaw[0x2f]).toBe(0x1a);
    expect(alawToUlaw[0x1a]).toBe(0x2f);
    expect(alawToUlaw[0x2a]).toBe(0x00);
    expect(alawToUlaw[0xd5]).toBe(0xfe); // A-law has no zero: ±8 maps to μ-law ±8
    expect(alawToUlaw[0x55]).toBe(0x7e);
  });

  it('stays within one code of the decode → re-encode path, and keeps the sign', () => {
    for (let c = 0; c < 256; c++) {
      const viaTable = alawToLinear(ulawToAlaw[c]!);
      const viaLinear = alawToLinear(linearToAlaw(ULAW_DECODE[c]!));
      expect(Math.sign(viaTable) || 1).toBe(c & 0x80 ? 1 : -1);
      expect(Math.abs(viaTable - viaLinear)).toBeLessThanOrEqual(Math.max(16, Math.abs(viaLinear) / 15));
    }
  });

  it('μ → A → μ is transparent for all but the codes A-law merges', () => {
    const back = transcodeG711(transcodeG711(ALL_CODES, ulawToAlaw), alawToUlaw);
    const same = back.filter((v, i) => v === i).length;
    expect(same).toBeGreaterThanOrEqual(240);
  });
});

describe('speed', () => {
  it('encodes and decodes one second of audio in well under a millisecond', () => {
    const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(10000 * Math.sin(i / 3)));
    const codes = new Uint8Array(8000);
    const back = new Int16Array(8000);
    for (let i = 0; i < 50; i++) decodeUlaw(encodeUlaw(pcm, codes), back); // warm up the JIT
    const runs = 500;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) {
      encodeUlaw(pcm, codes);
      decodeUlaw(codes, back);
      encodeAlaw(pcm, codes);
      decodeAlaw(codes, back);
    }
    const perSecondOfAudio = (performance.now() - t0) / runs;
    // Typically ≈ 0.06 ms for all four; the bound is loose so a busy CI machine does not flake.
    expect(perSecondOfAudio).toBeLessThan(2);
  });
});
