import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { encodeWav } from '../media/wav.js';
import { AudioLibrary } from './audio-library.js';

let root: string;
let dataDir: string;
let audioDir: string;

function tone16(rate: number, seconds: number, channels = 1): Uint8Array {
  const x = Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
  const w = new wavefile.WaveFile();
  w.fromScratch(channels, rate, '16', channels === 1 ? x : Array.from({ length: channels }, () => x));
  return w.toBuffer();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hookline-audio-'));
  dataDir = join(root, 'data');
  audioDir = join(dataDir, 'audio');
  await mkdir(join(audioDir, 'greetings'), { recursive: true });
  await writeFile(join(audioDir, 'welcome.wav'), tone16(16000, 0.5, 2));
  await writeFile(join(audioDir, 'greetings', 'morning.WAV'), tone16(8000, 0.25));
  await writeFile(join(audioDir, 'broken.wav'), 'RIFF but not really');
  await writeFile(join(root, 'secret.wav'), tone16(8000, 0.1));
  await symlink(join(root, 'secret.wav'), join(audioDir, 'escape.wav'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('AudioLibrary', () => {
  it('converts a 16 kHz stereo WAV to 8 kHz μ-law', async () => {
    const lib = new AudioLibrary({ dataDir });
    const ulaw = await lib.get('welcome.wav');
    expect(ulaw).toHaveLength(4000);
    const pcm = decodeUlaw(ulaw);
    const peak = Math.max(...pcm.subarray(200, 3800));
    expect(peak).toBeGreaterThan(11000);
    expect(peak).toBeLessThan(13000);
  });

  it('serves subdirectories and derives A-law by table', async () => {
    const lib = new AudioLibrary({ dataDir });
    const ulaw = await lib.get('greetings/morning.WAV');
    expect(ulaw).toHaveLength(2000);
    expect(await lib.get('greetings/morning.WAV', 'alaw')).toEqual(transcodeG711(ulaw, ulawToAlaw));
  });

  it('converts once: memory hit, then disk hit after a restart', async () => {
    const lib = new AudioLibrary({ dataDir });
    const a = await lib.get('welcome.wav');
    expect(await lib.get('welcome.wav')).toBe(a);
    expect(lib.stats).toMatchObject({ memoryHits: 1 });
    const restarted = new AudioLibrary({ dataDir });
    expect(await restarted.get('welcome.wav')).toEqual(a);
    expect(restarted.stats).toMatchObject({ conversions: 0, diskHits: 1 });
    expect((await readdir(join(dataDir, 'cache', 'audio'))).every((f) => f.endsWith('.ul'))).toBe(true);
  });

  it('notices a replaced file (size or mtime change) and converts again', async () => {
    const lib = new AudioLibrary({ dataDir });
    const path = join(audioDir, 'changing.wav');
    await writeFile(path, encodeWav(new Int16Array(800).fill(1000)));
    expect(decodeUlaw(await lib.get('changing.wav'))[400]).toBeCloseTo(1000, -2);
    await writeFile(path, encodeWav(new Int16Array(800).fill(-3000)));
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(decodeUlaw(await lib.get('changing.wav'))[400]).toBeCloseTo(-3000, -2);
    expect(lib.stats.conversions).toBe(2);
  });

  it('takes a conversion made elsewhere (prime) for the file as written, and not for a later one', async () => {
    const lib = new AudioLibrary({ dataDir });
    const path = join(audioDir, 'primed.wav');
    await writeFile(path, encodeWav(new Int16Array(800)));
    const written = await stat(path);
    const marker = new Uint8Array(800).fill(0x42); // not what converting the file gives: proves it was used
    await lib.prime('primed.wav', marker, { size: written.size, mtimeMs: written.mtimeMs });
    expect(await lib.get('primed.wav')).toEqual(marker);
    expect(lib.stats.conversions).toBe(0);

    // Replaced before the priming came: the primed audio belongs to the old file and is not used.
    const fresh = new AudioLibrary({ dataDir });
    await writeFile(path, encodeWav(new Int16Array(800).fill(2000)));
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    await fresh.prime('primed.wav', marker, { size: written.size, mtimeMs: written.mtimeMs });
    expect(decodeUlaw(await fresh.get('primed.wav'))[400]).toBeCloseTo(2000, -2);
    expect(fresh.stats.conversions).toBe(1);
  });

  it('shares one conversion between concurrent requests', async () => {
    const lib = new AudioLibrary({ dataDir: join(root, 'data') });
    await writeFile(join(audioDir, 'hold.wav'), tone16(44100, 1));
    const all = await Promise.all(Array.from({ length: 5 }, () => lib.get('hold.wav')));
    expect(new Set(all).size).toBe(1);
    expect(lib.stats.conversions).toBe(1);
  });

  it.each([
    ['../secret.wav'],
    ['greetings/../../secret.wav'],
    ['/etc/passwd.wav'],
    ['..\\secret.wav'],
    ['.hidden.wav'],
    ['greetings//morning.WAV'],
    ['./welcome.wav'],
    ['welcome.mp3'],
    ['welcome.wav\0.txt'],
    [''],
    ['a'.repeat(300) + '.wav'],
  ])('refuses %j with AUDIO_BAD_NAME', async (name) => {
    const lib = new AudioLibrary({ dataDir });
    await expect(lib.get(name)).rejects.toMatchObject({ code: 'AUDIO_BAD_NAME' });
  });

  it('refuses a symlink that points out of the audio directory', async () => {
    const lib = new AudioLibrary({ dataDir });
    await expect(lib.get('escape.wav')).rejects.toMatchObject({ code: 'AUDIO_BAD_NAME' });
  });

  it('reports a missing file as AUDIO_NOT_FOUND', async () => {
    const lib = new AudioLibrary({ dataDir });
    await expect(lib.get('nope.wav')).rejects.toMatchObject({ code: 'AUDIO_NOT_FOUND' });
    await expect(lib.get('greetings.wav')).rejects.toMatchObject({ code: 'AUDIO_NOT_FOUND' });
  });

  it('reports an unreadable file as AUDIO_INVALID, naming it', async () => {
    const lib = new AudioLibrary({ dataDir });
    await expect(lib.get('broken.wav')).rejects.toMatchObject({ code: 'AUDIO_INVALID', message: expect.stringContaining('broken.wav') });
  });
});
