import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeUlaw, encodeUlaw } from '../media/g711.js';
import { goertzelAmplitude, goertzelCoeff, goertzelPower } from '../media/goertzel.js';
import { tone } from '../media/tones.js';
import { decodeWav, encodeWav, wavTo8kMono } from '../media/wav.js';
import { AudioLibrary } from '../speech/audio-library.js';
import { AudioFiles, MAX_UPLOAD_BYTES, referenceMatches, storedName } from './audio.js';
import { AdminError } from './errors.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

/** Amplitude (0..1) of `freq` in 8 kHz PCM. */
const amplitude = (pcm: Int16Array, freq: number): number => goertzelAmplitude(goertzelPower(pcm, goertzelCoeff(freq, 8000)), pcm.length) / 32768;

async function rejection(p: Promise<unknown>): Promise<AdminError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AdminError) return err;
    throw err;
  }
  throw new Error('expected an AdminError');
}

describe('AudioFiles', () => {
  let dataDir: string;
  let files: AudioFiles;
  let users: Record<string, string[]>;
  const dirListing = async () => (await readdir(join(dataDir, 'audio'))).sort();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookline-audio-'));
    users = {};
    files = new AudioFiles({ dataDir, usedBy: (name) => users[name] ?? [] });
  });

  it('converts an MP3 upload once and keeps only the canonical WAV under the base name', async () => {
    const saved = await files.save('Welcome Tone.mp3', fixture('tone440-44k-stereo.mp3'), 'audio/mpeg');
    expect(saved.created).toBe(true);
    expect(saved.convertedFrom).toBe('mp3');
    expect(saved.entry).toMatchObject({ name: 'Welcome Tone.wav', durationMs: 1000, sampleRate: 16000, channels: 1 });
    expect(await dirListing()).toEqual(['Welcome Tone.wav']);
    const onDisk = await readFile(join(dataDir, 'audio', 'Welcome Tone.wav'));
    expect(saved.entry.sizeBytes).toBe(onDisk.length);
    expect(decodeWav(onDisk)).toMatchObject({ sampleRate: 16000, bitsPerSample: 16, encoding: 'pcm' });
  });

  it('derives the stored name: audio extensions give way to .wav, other dots stay', () => {
    expect(storedName('greeting')).toBe('greeting.wav');
    expect(storedName('greeting.WAV')).toBe('greeting.wav');
    expect(storedName('hold-music_v2.flac')).toBe('hold-music_v2.wav');
    expect(storedName('menu v1.2')).toBe('menu v1.2.wav');
    expect(storedName('prompt.opus')).toBe('prompt.wav');
  });

  it.each([
    ['', 'it is empty'],
    ['../etc/passwd', 'folders are not allowed'],
    ['sub/greeting.mp3', 'folders are not allowed'],
    ['sub\\greeting.mp3', 'folders are not allowed'],
    ['.hidden.mp3', 'hidden names'],
    ['a..b.mp3', '".." is not allowed'],
    ['x'.repeat(97), 'longer than 100 characters'],
    ['grüße.mp3', '"ü" is not allowed'],
    ['hello@lang.mp3', '"@" is not allowed'],
    [' greeting.mp3', 'starts or ends with a space'],
    ['greeting .mp3', 'ends with a space or "." before the extension'],
    ['.mp3', 'hidden names'],
    ['nul\0.mp3', 'NUL'],
  ])('refuses the name %j (400) and writes nothing', async (name, why) => {
    const err = await rejection(files.save(name, fixture('tone440-16k.flac')));
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain(why);
    expect(err.issues[0]?.path).toBe('name');
    await expect(readdir(join(dataDir, 'audio'))).rejects.toThrow(); // not even the folder was made
  });

  it.each([
    ['text', new TextEncoder().encode('Thank you for calling.\n'), 'text/plain', 'the upload (sent as text/plain) is text, not audio'],
    ['a PNG', fixture('not-audio.png'), 'audio/mpeg', 'the upload (sent as audio/mpeg) is image/png (.png), not audio'],
    ['M4A', new Uint8Array([0, 0, 0, 0x14, ...new TextEncoder().encode('ftypM4A '), 0, 0, 0, 0, ...new TextEncoder().encode('M4A ')]), undefined, 'an audio format this server does not convert'],
  ])('refuses %s (415) naming what it is, and changes nothing', async (_what, bytes, declared, message) => {
    await files.save('greeting.wav', fixture('ulaw-8k.wav'));
    const before = await readFile(join(dataDir, 'audio', 'greeting.wav'));
    const err = await rejection(files.save('greeting.wav', bytes, declared));
    expect(err.code).toBe('unsupported_media');
    expect(err.message).toContain(message);
    expect(err.message).toContain('send WAV, MP3, Ogg Vorbis, Ogg Opus or FLAC');
    expect(await readFile(join(dataDir, 'audio', 'greeting.wav'))).toEqual(before);
    expect(await dirListing()).toEqual(['greeting.wav']);
  });

  it('refuses cut-off audio (422) and leaves the file it would have replaced as it was', async () => {
    await files.save('greeting', fixture('tone440-22k.ogg'));
    const before = await readFile(join(dataDir, 'audio', 'greeting.wav'));
    const cut = fixture('tone440-22k.ogg').subarray(0, 3000);
    const err = await rejection(files.save('greeting', cut, 'audio/ogg'));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/^the Ogg Vorbis file cannot be used: it is cut off/);
    expect(await readFile(join(dataDir, 'audio', 'greeting.wav'))).toEqual(before);
    expect(await dirListing()).toEqual(['greeting.wav']);
  });

  it('refuses an upload over the size limit (413), saying the limit', async () => {
    expect(MAX_UPLOAD_BYTES).toBe(20 * 1024 * 1024);
    const small = new AudioFiles({ dataDir, maxUploadBytes: 1024 * 1024 });
    const err = await rejection(small.save('big', new Uint8Array(1024 * 1024 + 1)));
    expect(err.code).toBe('too_large');
    expect(err.message).toBe('the upload is 1048577 bytes; the audio library takes files up to 1 MiB');
  });

  it('a replacement is swapped in at once and AudioLibrary plays the new audio on the next play', async () => {
    const library = new AudioLibrary({ dataDir });
    // Two WAVs of the same length: the same size on disk, so only the mtime tells them apart.
    await files.save('tone', encodeWav(tone([440], 1000, { level: -6 }), 8000));
    const first = decodeUlaw(await library.get('tone.wav'));
    expect(amplitude(first, 440)).toBeGreaterThan(0.3);
    expect(amplitude(first, 1000)).toBeLessThan(0.01);

    const replaced = await files.save('tone.wav', encodeWav(tone([1000], 1000, { level: -6 }), 8000));
    expect(replaced.created).toBe(false);
    const second = decodeUlaw(await library.get('tone.wav'));
    expect(amplitude(second, 1000)).toBeGreaterThan(0.3);
    expect(amplitude(second, 440)).toBeLessThan(0.01);
    expect(library.stats.conversions).toBe(2);
    expect(await dirListing()).toEqual(['tone.wav']);
  });

  it('an upload is ready to play at once: the library gets its 8 kHz μ-law from the conversion', async () => {
    const library = new AudioLibrary({ dataDir });
    const primed = new AudioFiles({ dataDir, library });
    await primed.save('tone', fixture('tone440-22k.ogg'));
    const played = await library.get('tone.wav');
    expect(library.stats).toMatchObject({ conversions: 0, memoryHits: 1 });
    expect(played).toEqual(encodeUlaw(wavTo8kMono(await readFile(join(dataDir, 'audio', 'tone.wav')))));
    // Another process (or a restart) finds it in the disk cache.
    const later = new AudioLibrary({ dataDir });
    expect(await later.get('tone.wav')).toEqual(played);
    expect(later.stats).toMatchObject({ conversions: 0, diskHits: 1 });

    // A replacement is primed under its own size and mtime: the next play is the new audio.
    await primed.save('tone', encodeWav(tone([1000], 1000, { level: -6 }), 8000));
    const replaced = decodeUlaw(await library.get('tone.wav'));
    expect(amplitude(replaced, 1000)).toBeGreaterThan(0.3);
    expect(library.stats.conversions).toBe(0);
  });

  it('a replacement always gets a newer mtime than the file it replaces (coarse or skewed clocks)', async () => {
    await files.save('tone', encodeWav(tone([440], 200), 8000));
    const path = join(dataDir, 'audio', 'tone.wav');
    const future = new Date(Date.now() + 3600_000);
    await utimes(path, future, future);
    await files.save('tone', encodeWav(tone([1000], 200), 8000));
    expect((await stat(path)).mtimeMs).toBeGreaterThan(future.getTime());
  });

  it('lists WAV files in name order with their details, a page at a time', async () => {
    await files.save('b-second', fixture('pcm16-48k-stereo.wav'));
    await files.save('A-first', fixture('ulaw-8k.wav'));
    await files.save('c-third', fixture('pcm32-11k.wav'));
    const audio = join(dataDir, 'audio');
    await writeFile(join(audio, 'broken.wav'), 'not a wav at all');
    await writeFile(join(audio, 'notes.txt'), 'not listed');
    await writeFile(join(audio, '.upload-abc.tmp'), 'a write in progress');

    const all = await files.list();
    expect(all.more).toBe(false);
    expect(all.items.map((e) => e.name)).toEqual(['A-first.wav', 'b-second.wav', 'broken.wav', 'c-third.wav']);
    expect(all.items[0]).toMatchObject({ durationMs: 500, sampleRate: 8000, channels: 1, sizeBytes: 8044 });
    expect(all.items[1]).toMatchObject({ durationMs: 200, sampleRate: 16000, channels: 1 });
    expect(all.items[2]).toMatchObject({ durationMs: null, sampleRate: null, channels: null, problem: expect.stringContaining('not a readable WAV') as unknown });
    expect(all.items[3]).toMatchObject({ durationMs: 500, sampleRate: 11025 });
    expect(all.items[0]!.modifiedAt.getTime()).toBe((await stat(join(audio, 'A-first.wav'))).mtime.getTime());

    const page1 = await files.list({ limit: 2 });
    expect(page1.items.map((e) => e.name)).toEqual(['A-first.wav', 'b-second.wav']);
    expect(page1.more).toBe(true);
    const page2 = await files.list({ limit: 2, after: 'b-second.wav' });
    expect(page2.items.map((e) => e.name)).toEqual(['broken.wav', 'c-third.wav']);
    expect(page2.more).toBe(false);
  });

  it('lists nothing before the folder exists', async () => {
    expect(await files.list()).toEqual({ items: [], more: false });
  });

  it('finds a file for playing, and not one outside the folder', async () => {
    await files.save('greeting', fixture('ulaw-8k.wav'));
    const got = await files.get('greeting.wav');
    expect(got.size).toBe((await stat(got.path)).size);
    expect((await rejection(files.get('missing.wav'))).code).toBe('not_found');
    const mp3 = await rejection(files.get('greeting.mp3'));
    expect(mp3.code).toBe('not_found');
    expect(mp3.message).toContain('stored as greeting.wav');
    expect((await rejection(files.get('../secret.wav'))).code).toBe('bad_request');

    const outside = join(dataDir, 'secret.wav');
    await writeFile(outside, encodeWav(new Int16Array(10)));
    await symlink(outside, join(dataDir, 'audio', 'link.wav'));
    expect((await rejection(files.get('link.wav'))).message).toContain('leads outside the audio folder');
    expect((await files.list()).items.map((e) => e.name)).toEqual(['greeting.wav']);
  });

  it('refuses to delete a file the configuration uses, naming each user, unless forced', async () => {
    await files.save('greeting', fixture('ulaw-8k.wav'));
    users['greeting.wav'] = ['ivrs[id=10].questions[1].prompt', 'findmes[id=4].whisper_audio'];
    const err = await rejection(files.delete('greeting.wav'));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('greeting.wav is used by ivrs[id=10].questions[1].prompt, findmes[id=4].whisper_audio; change those first, or delete with ?force=true');
    expect(err.issues).toEqual([
      { path: 'ivrs[id=10].questions[1].prompt', message: 'refers to greeting.wav' },
      { path: 'findmes[id=4].whisper_audio', message: 'refers to greeting.wav' },
    ]);
    expect(await dirListing()).toEqual(['greeting.wav']);

    expect(await files.delete('greeting.wav', { force: true })).toEqual({ usedBy: users['greeting.wav'] });
    expect(await dirListing()).toEqual([]);
    expect((await rejection(files.delete('greeting.wav'))).code).toBe('not_found');
  });

  it('refuses to overwrite something in the folder that is not a plain file', async () => {
    await mkdir(join(dataDir, 'audio', 'odd.wav'), { recursive: true });
    const err = await rejection(files.save('odd', fixture('ulaw-8k.wav')));
    expect(err.code).toBe('conflict');
    expect(await dirListing()).toEqual(['odd.wav']);
  });
});

describe('referenceMatches', () => {
  it('takes each @name of a custom audio prompt as any text, and everything else literally', () => {
    expect(referenceMatches('greeting_@lang.wav', 'greeting_en.wav')).toBe(true);
    expect(referenceMatches('greeting_@lang.wav', 'greeting_.wav')).toBe(true);
    expect(referenceMatches('greeting_@lang.wav', 'greeting_en.mp3')).toBe(false);
    expect(referenceMatches('greeting_@lang.wav', 'old_greeting_en.wav')).toBe(false);
    expect(referenceMatches('@who-@lang.wav', 'sales-fr.wav')).toBe(true);
    expect(referenceMatches('a+b.wav', 'a+b.wav')).toBe(true);
    expect(referenceMatches('a.wav', 'abwav')).toBe(false);
  });
});
