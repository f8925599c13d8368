import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWav } from '../media/wav.js';
import { convertToCanonicalWav, telephonyUlaw } from './audio-convert.js';
import { AudioConverter } from './audio-converter.js';
import { AdminError } from './errors.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

describe('AudioConverter (a worker thread)', () => {
  let converter: AudioConverter;
  afterEach(() => converter.close());

  it('gives exactly what the conversion gives in-process', async () => {
    converter = new AudioConverter();
    const bytes = fixture('tone440-44k-stereo.mp3');
    const { ulaw, ...inWorker } = await converter.convert('mp3', bytes, { maxSeconds: 600 });
    const inProcess = await convertToCanonicalWav('mp3', bytes, { maxSeconds: 600 });
    expect(inWorker).toEqual(inProcess);
    // And the 8 kHz μ-law AudioLibrary would make of it.
    expect(ulaw).toEqual(telephonyUlaw(inProcess.wav));
    expect(ulaw).toHaveLength(8000);
  });

  it('passes the conversion errors back as the same AdminErrors', async () => {
    converter = new AudioConverter();
    const err = await converter.convert('ogg-vorbis', fixture('tone440-22k.ogg').subarray(0, 2000), { maxSeconds: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminError);
    expect(err).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^the Ogg Vorbis file cannot be used: it is cut off/) as unknown });
    // And the worker is still there for the next one.
    expect((await converter.convert('flac', fixture('tone440-16k.flac'), { maxSeconds: 600 })).frames).toBe(16000);
  });

  it('keeps the main thread free while it converts, so calls keep their 20 ms frames', async () => {
    converter = new AudioConverter();
    await converter.convert('wav', fixture('ulaw-8k.wav'), { maxSeconds: 600 }); // worker started
    // 40 s of 48 kHz stereo: resampling it to 16 kHz is hundreds of milliseconds of CPU.
    const n = 48000 * 40;
    const left = Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 10)));
    const bytes = encodeWav([left, left], 48000);
    let maxGap = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const out = await converter.convert('wav', bytes, { maxSeconds: 600 });
    const elapsed = performance.now() - started;
    clearInterval(tick);
    expect(out.frames).toBe(16000 * 40);
    expect(elapsed).toBeGreaterThan(200);
    expect(maxGap).toBeLessThan(Math.max(60, elapsed / 4));
  });

  it('a conversion over its time limit is stopped with 503; the next one gets a fresh worker', async () => {
    converter = new AudioConverter({ timeoutMs: 1 });
    await expect(converter.convert('mp3', fixture('tone440-44k-stereo.mp3'), { maxSeconds: 600 })).rejects.toMatchObject({ code: 'unavailable' });
    const patient = new AudioConverter();
    try {
      expect((await patient.convert('mp3', fixture('tone440-44k-stereo.mp3'), { maxSeconds: 600 })).frames).toBe(16000);
    } finally {
      await patient.close();
    }
  });

  it('queues conversions one at a time and answers each its own', async () => {
    converter = new AudioConverter();
    const [a, b, c] = await Promise.all([
      converter.convert('flac', fixture('tone440-16k.flac'), { maxSeconds: 600 }),
      converter.convert('wav', fixture('ulaw-8k.wav'), { maxSeconds: 600 }),
      converter.convert('wav', fixture('pcm16-48k-stereo.wav'), { maxSeconds: 600 }),
    ]);
    expect([a.frames, b.frames, c.frames]).toEqual([16000, 4000, 3200]);
    await converter.close();
    expect((await converter.convert('wav', fixture('alaw-8k.wav'), { maxSeconds: 600 })).frames).toBe(4000);
  });
});
