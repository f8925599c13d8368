import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeWav } from '../media/wav.js';
import { TestReceiver } from '../webhook/testing.js';
import { AudioUploads, libraryName } from './audio-upload.js';
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
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hookline-upload-'));
    srv = await TestReceiver.start((r, res) => res.end(r.url === '/not.wav' ? 'hello' : Buffer.from(wav)));
  });
  afterEach(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a WAV under the name from the URL in <data dir>/audio', async () => {
    const uploads = new AudioUploads({ dataDir: dir, networks: 'all' });
    expect(await uploads.fromUrl(srv.url('/hold.wav'))).toEqual({ name: 'hold.wav', bytes: wav.length });
    expect(Buffer.from(await readFile(path.join(dir, 'audio', 'hold.wav')))).toEqual(Buffer.from(wav));
    expect(await uploads.fromUrl(srv.url('/x.wav'), 'chosen.wav')).toMatchObject({ name: 'chosen.wav' });
  });

  it('refuses what is not WAV, what is too large and what the policy forbids, saving nothing', async () => {
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AdminError);
    expect(await err(new AudioUploads({ dataDir: dir, networks: 'all' }).fromUrl(srv.url('/not.wav')))).toMatchObject({ code: 'unsupported_media' });
    expect(await err(new AudioUploads({ dataDir: dir, networks: 'all', maxBytes: 100 }).fromUrl(srv.url('/big.wav')))).toMatchObject({ code: 'too_large' });
    const refused = await err(new AudioUploads({ dataDir: dir, networks: 'public' }).fromUrl(srv.url('/a.wav')));
    expect(refused).toBeInstanceOf(AdminError);
    expect(refused?.message).toMatch(/outbound-request policy/);
    await expect(readFile(path.join(dir, 'audio', 'not.wav'))).rejects.toThrow();
  });
});
