import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goertzelAmplitude, goertzelCoeff, goertzelPower } from '../media/goertzel.js';
import { decodeWav, encodeWav } from '../media/wav.js';
import { convertToCanonicalWav } from './audio-convert.js';
import { detectFormat, flacTotalFrames, oggDamage, type AudioFormat } from './audio-formats.js';
import { AdminError } from './errors.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

/** Amplitude (0..1) of `freq` over the middle half of mono 16-bit PCM at `rate`. */
function amplitudeAt(pcm: Float32Array, rate: number, freq: number): number {
  const start = Math.floor(pcm.length / 4);
  const len = Math.floor(pcm.length / 2);
  return goertzelAmplitude(goertzelPower(pcm, goertzelCoeff(freq, rate), start, len), len);
}

const LIMITS = { maxSeconds: 600 };

async function convert(bytes: Uint8Array) {
  const d = await detectFormat(bytes);
  if (!d.format) throw new Error(`not detected: ${d.what}`);
  return convertToCanonicalWav(d.format, bytes, LIMITS);
}

async function failure(bytes: Uint8Array, format?: AudioFormat): Promise<AdminError> {
  try {
    if (format) await convertToCanonicalWav(format, bytes, LIMITS);
    else await convert(bytes);
  } catch (err) {
    if (err instanceof AdminError) return err;
    throw err;
  }
  throw new Error('expected the conversion to fail');
}

describe('converting uploads to the canonical WAV', () => {
  it.each([
    // file, detected format, source rate, source channels, seconds, stored rate, duration tolerance (s), level tolerance (dB)
    ['tone440-44k-stereo.mp3', 'mp3', 44100, 2, 1.0, 16000, 0.005, 1],
    ['tone440-48k.opus', 'ogg-opus', 48000, 1, 1.0, 16000, 0.005, 1.5],
    ['tone440-22k.ogg', 'ogg-vorbis', 22050, 1, 1.0, 16000, 0.005, 1],
    ['tone440-16k.flac', 'flac', 16000, 1, 1.0, 16000, 0, 0.1],
    ['pcm-u8-8k.wav', 'wav', 8000, 1, 0.5, 8000, 0, 0.2],
    ['pcm24-16k.wav', 'wav', 16000, 1, 0.5, 16000, 0, 0.1],
    ['pcm32-11k.wav', 'wav', 11025, 1, 0.5, 11025, 0.0001, 0.1],
    ['float32-22k.wav', 'wav', 22050, 1, 0.4, 16000, 0, 0.1],
    ['ulaw-8k.wav', 'wav', 8000, 1, 0.5, 8000, 0, 0.2],
    ['alaw-8k.wav', 'wav', 8000, 1, 0.5, 8000, 0, 0.2],
    ['pcm16-48k-stereo.wav', 'wav', 48000, 2, 0.2, 16000, 0, 0.1],
  ] as const)('%s (%s, %i Hz × %i) → %i s of 440 Hz at %i Hz mono', async (file, format, srcRate, srcChannels, seconds, rate, durTol, dbTol) => {
    const bytes = fixture(file);
    expect((await detectFormat(bytes)).format).toBe(format);
    const out = await convertToCanonicalWav(format, bytes, LIMITS);
    expect(out.source).toMatchObject({ sampleRate: srcRate, channels: srcChannels });
    expect(out.sampleRate).toBe(rate);

    // The stored file is what the library promises: 16-bit PCM, mono, at the stored rate.
    const wav = decodeWav(out.wav);
    expect(wav).toMatchObject({ sampleRate: rate, encoding: 'pcm', bitsPerSample: 16 });
    expect(wav.channels).toHaveLength(1);
    const pcm = wav.channels[0]!;
    expect(pcm.length).toBe(out.frames);
    expect(Math.abs(pcm.length / rate - seconds)).toBeLessThanOrEqual(durTol);

    // It is the same tone: 440 Hz at half of full scale (−6 dBFS), nothing at its neighbours or octave.
    const level = amplitudeAt(pcm, rate, 440);
    expect(Math.abs(20 * Math.log10(level / 0.5))).toBeLessThan(dbTol);
    for (const other of [400, 480, 880]) expect(amplitudeAt(pcm, rate, other)).toBeLessThan(level / 30);
  });

  it('averages stereo channels instead of keeping one', async () => {
    const n = 8000;
    const left = Int16Array.from({ length: n }, (_, i) => Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const right = Int16Array.from({ length: n }, (_, i) => Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    const out = await convertToCanonicalWav('wav', encodeWav([left, right], 8000), LIMITS);
    const pcm = decodeWav(out.wav).channels[0]!;
    expect(amplitudeAt(pcm, 8000, 440)).toBeCloseTo(0.25, 2);
    expect(amplitudeAt(pcm, 8000, 1000)).toBeCloseTo(0.25, 2);
  });

  it('refuses audio longer than the limit, saying how long it may be', async () => {
    const threeSeconds = encodeWav(new Int16Array(8000 * 3), 8000);
    expect((await convertToCanonicalWav('wav', threeSeconds, { maxSeconds: 3 })).frames).toBe(24000);
    await expect(convertToCanonicalWav('wav', threeSeconds, { maxSeconds: 2 })).rejects.toMatchObject({
      code: 'too_large',
      message: 'the audio is longer than 2 seconds, the most the library takes',
    });
    await expect(convertToCanonicalWav('mp3', fixture('tone440-44k-stereo.mp3'), { maxSeconds: 0.5 })).rejects.toMatchObject({ code: 'too_large' });
  });
});

describe('damaged and cut-off uploads', () => {
  const cut = (name: string, keep: number): Uint8Array => fixture(name).subarray(0, Math.floor(fixture(name).length * keep));

  it.each([
    ['tone440-44k-stereo.mp3', 'mp3', /MP3 file cannot be used: it is cut off: its header announces 8567 bytes of audio, \d+ are present/],
    ['tone440-48k.opus', 'ogg-opus', /Ogg Opus file cannot be used: it is cut off/],
    ['tone440-22k.ogg', 'ogg-vorbis', /Ogg Vorbis file cannot be used: it is cut off/],
    ['tone440-16k.flac', 'flac', /FLAC file cannot be used: it is cut off: its header announces 16000 samples, \d+ could be decoded/],
    ['pcm24-16k.wav', 'wav', /WAV file cannot be used: it is cut off: its header announces \d+ more bytes/],
  ] as const)('a cut-off %s is refused (422) with the reason', async (file, format, message) => {
    const bytes = cut(file, 0.6);
    expect((await detectFormat(bytes)).format).toBe(format);
    const err = await failure(bytes);
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(message);
  });

  it('an Ogg page with damaged bytes fails its checksum', async () => {
    const bytes = Uint8Array.from(fixture('tone440-22k.ogg'));
    bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0xff;
    expect(oggDamage(bytes)).toMatch(/page \d+ fails its checksum/);
    expect((await failure(bytes)).code).toBe('invalid');
    expect(oggDamage(fixture('tone440-48k.opus'))).toBeUndefined();
  });

  it('a FLAC frame with damaged bytes is reported by the decoder', async () => {
    const bytes = Uint8Array.from(fixture('tone440-16k.flac'));
    for (let i = 4000; i < 4040; i++) bytes[i] = bytes[i]! ^ 0x5a;
    const err = await failure(bytes);
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/^the FLAC file cannot be used: /);
    expect(flacTotalFrames(fixture('tone440-16k.flac'))).toBe(16000);
  });

  it('a known header followed by garbage decodes to nothing and is refused', async () => {
    const garbage = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) & 0xff);
    const mp3Head = fixture('tone440-44k-stereo.mp3').subarray(0, 132 + 4); // ID3 tag and a frame header
    const fake = new Uint8Array([...mp3Head, ...garbage]);
    const err = await failure(fake, 'mp3');
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/^the MP3 file cannot be used: /);
  });

  it('a WAV in an encoding nobody plays is unsupported (415), not damaged', async () => {
    const bytes = Uint8Array.from(fixture('ulaw-8k.wav'));
    // Turn the format tag into IMA ADPCM (0x11).
    const fmt = Buffer.from(bytes).indexOf('fmt ');
    bytes[fmt + 8] = 0x11;
    const err = await failure(bytes, 'wav');
    expect(err.code).toBe('unsupported_media');
    expect(err.message).toContain('format tag 0x11');
  });

  it('a sample rate no audio file has is refused', async () => {
    const bytes = encodeWav(new Int16Array(100), 1);
    const err = await failure(bytes, 'wav');
    expect(err.code).toBe('invalid');
    expect(err.message).toContain('sample rate 1 Hz is outside 4000–384000 Hz');
  });
});

describe('recognising what an upload is', () => {
  it.each([
    [new TextEncoder().encode('<html>not audio</html>\n'), 'text'],
    [fixture('not-audio.png'), 'image/png (.png)'],
    [new Uint8Array(0), 'an empty body'],
    [Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 'data of no known type (it starts with 00 01 02 03)'],
  ])('names %#: %s', async (bytes, what) => {
    expect(await detectFormat(bytes)).toEqual({ format: undefined, what, audio: false });
  });

  it('recognises M4A as audio it does not take', async () => {
    const ftyp = new Uint8Array([0, 0, 0, 0x20, ...new TextEncoder().encode('ftypM4A '), 0, 0, 0, 0, ...new TextEncoder().encode('M4A mp42isom'), 0, 0, 0, 0, 0, 0, 0, 8, 0x6d, 0x64, 0x61, 0x74]);
    const d = await detectFormat(ftyp);
    expect(d.format).toBeUndefined();
    expect(d).toMatchObject({ audio: true, what: expect.stringContaining('m4a') as unknown });
  });
});
