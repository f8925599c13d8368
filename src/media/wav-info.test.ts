import { describe, expect, it } from 'vitest';
import { readWavInfo } from './wav-info.js';
import { encodeWav } from './wav.js';

describe('readWavInfo', () => {
  it('reads format, rate, channels and duration from the header alone', () => {
    const wav = encodeWav([new Int16Array(16000), new Int16Array(16000)], 16000);
    expect(readWavInfo(wav.subarray(0, 64), wav.length)).toEqual({ formatTag: 1, channels: 2, sampleRate: 16000, bitsPerSample: 16, frames: 16000, durationMs: 1000, missingBytes: 0 });
  });

  it('counts a cut-off data chunk by what is present and reports what is missing', () => {
    const wav = encodeWav(new Int16Array(8000), 8000);
    expect(readWavInfo(wav, wav.length - 1000)).toMatchObject({ frames: 7500, durationMs: 938, missingBytes: 1000 });
  });

  it('takes a streaming placeholder size (0 or ~4 GiB) to mean "to the end of the file"', () => {
    for (const placeholder of [0, 0xffffffff]) {
      const wav = encodeWav(new Int16Array(800), 8000);
      new DataView(wav.buffer).setUint32(40, placeholder, true);
      expect(readWavInfo(wav, wav.length)).toMatchObject({ frames: 800, missingBytes: 0 });
    }
  });

  it('skips chunks before the data (LIST, odd-sized with a pad byte)', () => {
    const plain = encodeWav(new Int16Array(100), 8000);
    const list = new Uint8Array([...new TextEncoder().encode('LIST'), 3, 0, 0, 0, 1, 2, 3, 0]);
    const wav = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(readWavInfo(wav, wav.length)).toMatchObject({ frames: 100, missingBytes: 0 });
  });

  it('returns undefined for what it does not read (RIFX, not a WAV, a header cut before the data chunk)', () => {
    const wav = encodeWav(new Int16Array(100), 8000);
    const rifx = Uint8Array.from(wav);
    rifx.set(new TextEncoder().encode('RIFX'), 0);
    expect(readWavInfo(rifx, rifx.length)).toBeUndefined();
    expect(readWavInfo(new TextEncoder().encode('hello world, not a wav'), 22)).toBeUndefined();
    expect(readWavInfo(wav.subarray(0, 30), wav.length)).toBeUndefined();
  });
});
