import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../media/wav.js';
import { TestReceiver } from '../webhook/testing.js';
import { AudioUploads, libraryName, type AudioUploadOptions } from './audio-upload.js';
import { AudioFiles } from './audio.js';
import { AdminError } from './errors.js';

describe('libraryName', () => {
  it.each([
    ['https://files.example.com/prompts/Hold%20Music.mp3', 'Hold_Music.wav'],
    ['https://files.example.com/a/greeting.wav?x=1', 'greeting.wav'],
    ['https://files.example.com/.hidden.wav', 'hidden.wav'],
    ['https://files.example.com/', 'fallback.wav'],
    ['https://files.example.com/..', 'fallback.wav'],
    ['https://files.example.com/%E2%9C%93', 'fallback.wav'],
  ])('%s -> %s', (url, name) => {
    expect(libraryName(url, 'fallback')).toBe(name);
  });
});

describe('AudioUploads', () => {
  let dir: string;
  let srv: TestReceiver;
  const wav = encodeWav(new Int16Array(800).fill(1000), 8000);
  const mp3 = readFileSync(new URL('./testdata/tone440-44k-stereo.mp3', import.meta.url));
  const uploads = (o: Partial<AudioUploadOptions> = {}): AudioUploads => new AudioUploads({ dataDir: dir, networks: 'all', files: new AudioFiles({ dataDir: dir }), ...o });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hookline-upload-'));
    srv = await TestReceiver.start((r, res) => res.end(r.url === '/not.wav' ? 'hello' : r.url === '/tone.mp3' ? mp3 : Buffer.from(wav)));
  });
  afterEach(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a WAV under the name from the URL in <data dir>/audio', async () => {
    const u = uploads();
    expect(await u.fromUrl(srv.url('/hold.wav'))).toEqual({ name: 'hold.wav', bytes: wav.length });
    expect(decodeWav(await readFile(path.join(dir, "audio", "hold.wav"))).channels[0]).toEqual(decodeWav(wav).channels[0]);
    expect(await u.fromUrl(srv.url('/x.wav'), 'chosen.wav')).toMatchObject({ name: 'chosen.wav' });
  });

  it('converts what the audio library converts: an MP3 becomes the library\'s WAV', async () => {
    const saved = await uploads().fromUrl(srv.url('/tone.mp3'));
    expect(saved.name).toBe('tone.wav');
    const got = decodeWav(await readFile(path.join(dir, 'audio', 'tone.wav')));
    expect(got.sampleRate).toBe(16000);
    expect(got.channels[0]?.length).toBeGreaterThan(8000);
  });

  it('refuses what is not WAV, what is too large and what the policy forbids, saving nothing', async () => {
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AdminError);
    expect(await err(uploads().fromUrl(srv.url('/not.wav')))).toMatchObject({ code: 'unsupported_media' });
    expect(await err(uploads({ maxBytes: 100 }).fromUrl(srv.url('/big.wav')))).toMatchObject({ code: 'too_large' });
    const refused = await err(uploads({ networks: 'public' }).fromUrl(srv.url('/a.wav')));
    expect(refused).toBeInstanceOf(AdminError);
    expect(refused?.message).toMatch(/outbound-request policy/);
    await expect(readFile(path.join(dir, 'audio', 'not.wav'))).rejects.toThrow();
  });
});
