import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HooklineError } from '../lib/errors.js';
import { skipWithout } from '../testkit/system-tools.js';
import { decodeWav, encodeWav, readWav8kMono, repairWav, wavTo8kMono, WavWriter, writeWav } from './wav.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookline-wav-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Skipped where sox is missing, except under CI, where it fails (system-tools.ts).
const skipSox = skipWithout('sox', 'sox');

/** A 440 Hz sine at 0.5 of full scale, as floats. */
function sine(rate: number, seconds: number, freq = 440): number[] {
  return Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Scales −1..1 floats to what wavefile expects for a bit depth code. */
function scaled(x: number[], depth: string): number[] {
  switch (depth) {
    case '8':
      return x.map((v) => Math.round(v * 127 + 128));
    case '16':
      return x.map((v) => Math.round(v * 32767));
    case '24':
      return x.map((v) => Math.round(v * 8388607));
    case '32':
      return x.map((v) => Math.round(v * 2147483647));
    default:
      return x; // '32f', '64'
  }
}

function makeWav(rate: number, depth: string, channels: number[][]): Uint8Array {
  const w = new wavefile.WaveFile();
  if (depth === '8m' || depth === '8a') {
    w.fromScratch(channels.length, rate, '16', channels.map((c) => scaled(c, '16')));
    if (depth === '8m') w.toMuLaw();
    else w.toALaw();
  } else {
    w.fromScratch(channels.length, rate, depth, channels.map((c) => scaled(c, depth)));
  }
  return w.toBuffer();
}

/** Compares 8 kHz output with the ideal 440 Hz sine away from the filter's edge transient. */
function expectSine(pcm: Int16Array, seconds: number, tolerance: number): void {
  expect(pcm.length).toBe(Math.round(8000 * seconds));
  const ideal = sine(8000, seconds);
  let err = 0;
  for (let i = 100; i < pcm.length - 100; i++) err = Math.max(err, Math.abs(pcm[i]! / 32768 - ideal[i]!));
  expect(err).toBeLessThan(tolerance);
}

describe('reading any common WAV into 8 kHz mono', () => {
  it.each([
    // [rate, depth, channels, max error relative to full scale]
    [8000, '16', 1, 1e-4],
    [8000, '8m', 1, 0.02], // G.711 quantization
    [8000, '8a', 1, 0.02],
    [8000, '8', 1, 0.01], // 8-bit quantization
    [16000, '16', 1, 1e-3],
    [22050, '16', 2, 1e-3],
    [44100, '24', 2, 1e-3],
    [48000, '32', 1, 1e-3],
    [44100, '32f', 2, 1e-3],
    [11025, '64', 1, 1e-3],
    [16000, '8m', 2, 0.02],
  ])('%i Hz, %s-bit, %i channel(s)', (rate, depth, nch, tolerance) => {
    const x = sine(rate, 0.25);
    const bytes = makeWav(rate, depth, Array.from({ length: nch }, () => x));
    expectSine(wavTo8kMono(bytes), 0.25, tolerance);
  });

  it('averages stereo channels (opposite channels cancel rather than clip)', () => {
    const x = sine(8000, 0.1);
    const pcm = wavTo8kMono(makeWav(8000, '16', [x, x.map((v) => -v)]));
    expect(Math.max(...pcm.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it.skipIf(skipSox).each([
    ['WAVE_FORMAT_EXTENSIBLE 24-bit stereo', ['-r', '44100', '-c', '2', '-b', '24']],
    ['32-bit float stereo', ['-r', '48000', '-c', '2', '-e', 'floating-point', '-b', '32']],
    ['extensible 32-bit integer, 3 channels', ['-r', '16000', '-c', '3', '-b', '32']],
    ['μ-law from sox', ['-r', '8000', '-c', '1', '-e', 'u-law']],
    ['A-law at 16 kHz from sox', ['-r', '16000', '-c', '1', '-e', 'a-law']],
  ])('reads %s written by sox', async (_label, args) => {
    const path = join(dir, `sox-${args.join('')}.wav`);
    const r = spawnSync('sox', ['-n', ...args, path, 'synth', '0.25', 'sine', '440', 'vol', '0.5']);
    expect(r.status).toBe(0);
    expectSine(await readWav8kMono(path), 0.25, 0.02);
  });

  it('reads a stream whose producer could not fill in the sizes (espeak-ng --stdout)', () => {
    const bytes = encodeWav(Int16Array.from(sine(8000, 0.1).map((v) => Math.round(v * 32767))));
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 0x7ffff024, true);
    view.setUint32(40, 0x7ffff000, true);
    expect(wavTo8kMono(bytes).length).toBe(800);
    view.setUint32(40, 0, true);
    expect(wavTo8kMono(bytes).length).toBe(800);
  });

  it('ignores the pad byte after an odd-sized data chunk', () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 8000, '8', [128, 128, 128]); // 3 bytes of silence + 1 pad byte (0 = full negative)
    expect(Array.from(wavTo8kMono(w.toBuffer()))).toEqual([0, 0, 0]);
  });

  it('reports the source format', () => {
    const d = decodeWav(makeWav(22050, '24', [sine(22050, 0.01), sine(22050, 0.01)]));
    expect(d).toMatchObject({ sampleRate: 22050, encoding: 'pcm', bitsPerSample: 24 });
    expect(d.channels).toHaveLength(2);
  });

  it('rejects garbage with WAV_INVALID', () => {
    expect(() => wavTo8kMono(new TextEncoder().encode('definitely not audio'))).toThrow(
      expect.objectContaining({ code: 'WAV_INVALID' }),
    );
  });

  it('rejects compressed formats it cannot decode with WAV_UNSUPPORTED and a remedy', () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 8000, '16', new Array(1000).fill(0));
    w.toIMAADPCM();
    let caught: unknown;
    try {
      wavTo8kMono(w.toBuffer());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HooklineError);
    expect(caught).toMatchObject({ code: 'WAV_UNSUPPORTED' });
    expect((caught as Error).message).toMatch(/sox/);
  });
});

describe('writing', () => {
  const left = Int16Array.from({ length: 800 }, (_, i) => (i * 37) % 20000);
  const right = Int16Array.from({ length: 800 }, (_, i) => -((i * 11) % 20000));

  it('encodes mono 8 kHz 16-bit and reads back exactly', () => {
    const bytes = encodeWav(left);
    expect(bytes.length).toBe(44 + 1600);
    expect(wavTo8kMono(bytes)).toEqual(left);
    const parsed = new wavefile.WaveFile(bytes);
    expect(parsed.fmt).toMatchObject({ audioFormat: 1, numChannels: 1, sampleRate: 8000, bitsPerSample: 16 });
  });

  it('encodes 2-channel recordings with caller left and callee right', () => {
    const d = decodeWav(encodeWav([left, right]));
    expect(d.channels).toHaveLength(2);
    expect(Array.from(d.channels[0]!.subarray(0, 5), (v) => Math.round(v * 32768))).toEqual(Array.from(left.subarray(0, 5)));
    expect(Array.from(d.channels[1]!.subarray(0, 5), (v) => Math.round(v * 32768))).toEqual(Array.from(right.subarray(0, 5)));
  });

  it('writes a file atomically', async () => {
    const path = join(dir, 'written.wav');
    await writeWav(path, [left, right]);
    expect((await stat(path)).size).toBe(44 + 3200);
    expect(await readWav8kMono(path)).toHaveLength(800);
  });
});

describe('WavWriter (streaming recordings)', () => {
  const frame = (v: number): Int16Array => new Int16Array(160).fill(v);

  it('appends frames and fixes the header on close', async () => {
    const path = join(dir, 'stream-mono.wav');
    const w = await WavWriter.open(path);
    for (let i = 0; i < 50; i++) w.write(frame(i * 100));
    expect(w.frames).toBe(8000);
    await w.close();
    const pcm = await readWav8kMono(path);
    expect(pcm).toHaveLength(8000);
    expect(pcm[160 * 49]).toBe(4900);
    await w.close(); // idempotent
    expect(() => w.write(frame(0))).toThrow(expect.objectContaining({ code: 'WAV_WRITER_CLOSED' }));
  });

  it('leaves a readable file with everything flushed so far when never closed (a crash)', async () => {
    const path = join(dir, 'stream-crash.wav');
    const w = await WavWriter.open(path, { channels: 2, flushFrames: 800 });
    for (let i = 0; i < 25; i++) w.write(frame(1000), frame(-1000)); // 4000 frames = 0.5 s
    await w.flush();
    w.write(frame(7), frame(7)); // buffered, not yet flushed: what a crash now would lose
    // Read while the writer is still open, as a process restarting after a crash would.
    const d = decodeWav(await readFile(path));
    expect(d.channels[0]).toHaveLength(4000);
    expect(Math.round(d.channels[0]![3999]! * 32768)).toBe(1000);
    expect(Math.round(d.channels[1]![0]! * 32768)).toBe(-1000);
    await w.close();
    expect(decodeWav(await readFile(path)).channels[0]).toHaveLength(4160);
  });

  it('flushes on its own once flushFrames are buffered', async () => {
    const path = join(dir, 'stream-auto.wav');
    const w = await WavWriter.open(path, { flushFrames: 320 });
    w.write(frame(1));
    w.write(frame(2)); // reaches 320 → background flush
    await new Promise((r) => setTimeout(r, 50));
    expect(await readWav8kMono(path)).toHaveLength(320);
    await w.close();
  });

  it('pads a short channel with silence so the two sides stay aligned', async () => {
    const path = join(dir, 'stream-pad.wav');
    const w = await WavWriter.open(path, { channels: 2 });
    w.write(frame(5), new Int16Array(80).fill(9));
    await w.close();
    const d = decodeWav(await readFile(path));
    expect(d.channels[1]).toHaveLength(160);
    expect(Math.round(d.channels[1]![79]! * 32768)).toBe(9);
    expect(d.channels[1]![80]).toBe(0);
  });

  it('rejects the wrong number of channels', async () => {
    const w = await WavWriter.open(join(dir, 'stream-bad.wav'), { channels: 2 });
    expect(() => w.write(frame(0))).toThrow(RangeError);
    await w.close();
  });

  it('repairWav recovers data written after the last header update', async () => {
    const path = join(dir, 'stream-repair.wav');
    const w = await WavWriter.open(path);
    w.write(frame(3));
    await w.close();
    // Simulate a crash between a data write and its header update: 320 more frames, stale sizes, and
    // the first byte of a frame that never got its second.
    await appendFile(path, Buffer.concat([Buffer.from(new Int16Array(320).fill(4).buffer), Buffer.from([7])]));
    expect(await readWav8kMono(path)).toHaveLength(160);
    expect(await repairWav(path)).toBe(480);
    const pcm = await readWav8kMono(path);
    expect(pcm).toHaveLength(480);
    expect(pcm[479]).toBe(4);
    expect((await stat(path)).size).toBe(44 + 480 * 2);
    // Repairing a repaired file changes nothing.
    expect(await repairWav(path)).toBe(480);
  });

  it('repairWav refuses files it did not write', async () => {
    const path = join(dir, 'not-a-wav.bin');
    await writeFile(path, 'hello');
    await expect(repairWav(path)).rejects.toMatchObject({ code: 'WAV_INVALID' });
  });
});
