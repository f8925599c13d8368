import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AudioFiles } from '../../admin/audio.js';
import type { AudioEntryView, UploadedAudioView } from '../../admin/view-types.js';
import { goertzelAmplitude, goertzelCoeff, goertzelPower } from '../../media/goertzel.js';
import { decodeWav } from '../../media/wav.js';
import { registerAudioRoutes } from './audio-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../admin/testdata/${name}`, import.meta.url)));

/** A listed file, or an upload's answer (which adds converted_from). */
type Entry = AudioEntryView & Partial<UploadedAudioView>;
interface Problem {
  status: number;
  type: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

describe('audio library API', () => {
  let kit: AdminTestKit;
  let dataDir: string;
  let users: Record<string, string[]>;
  const audioDir = () => join(dataDir, 'audio');
  const listing = async () => (await readdir(audioDir()).catch(() => [])).sort();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookline-audio-api-'));
    users = {};
    const files = new AudioFiles({ dataDir, usedBy: (name) => users[name] ?? [] });
    kit = await adminTestKit(() => [(r) => registerAudioRoutes(r, { files })]);
  });
  afterEach(() => kit.close());

  const put = (name: string, body: Uint8Array | string, type: string | null = 'audio/mpeg') =>
    kit.request('PUT', `/audio/${encodeURIComponent(name)}`, { body, headers: type === null ? {} : { 'Content-Type': type } });
  const form = (fields: Record<string, string | File>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return kit.request('POST', '/audio', { body: f });
  };
  const problemOf = async (res: Response) => {
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    return (await res.json()) as Problem;
  };

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });

  it('round trip: upload an MP3, list it, play it as a WAV of the right length, replace it, delete it', async () => {
    const created = await put('greeting.mp3', fixture('tone440-44k-stereo.mp3'));
    expect(created.status).toBe(201);
    const entry = (await created.json()) as Entry;
    expect(entry).toMatchObject({ name: 'greeting.wav', converted_from: 'mp3', duration_ms: 1000, sample_rate: 16000, channels: 1 });
    expect(entry.modified_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const list = (await (await kit.request('GET', '/audio')).json()) as { items: Entry[]; next_cursor: string | null };
    const { converted_from: _, ...listed } = entry;
    expect(list).toEqual({ items: [listed], next_cursor: null });

    const play = await kit.request('GET', '/audio/greeting.wav');
    expect(play.status).toBe(200);
    expect(play.headers.get('Content-Type')).toBe('audio/wav');
    expect(play.headers.get('Accept-Ranges')).toBe('bytes');
    const bytes = new Uint8Array(await play.arrayBuffer());
    expect(bytes.length).toBe(entry.size_bytes);
    const wav = decodeWav(bytes);
    expect(wav).toMatchObject({ sampleRate: 16000, bitsPerSample: 16 });
    expect(wav.channels).toHaveLength(1);
    const pcm = wav.channels[0]!;
    expect(pcm.length).toBe(16000);
    const mid = Math.floor(pcm.length / 4);
    const amp = (f: number) => goertzelAmplitude(goertzelPower(pcm, goertzelCoeff(f, 16000), mid, 8000), 8000);
    expect(amp(440)).toBeGreaterThan(0.4);
    expect(amp(500)).toBeLessThan(0.01);

    // A browser seeking: the header, then a range in the middle.
    const head = await kit.request('GET', '/audio/greeting.wav', { headers: { Range: 'bytes=0-43' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('Content-Range')).toBe(`bytes 0-43/${entry.size_bytes}`);
    expect(new Uint8Array(await head.arrayBuffer())).toEqual(bytes.subarray(0, 44));
    const middle = await kit.request('GET', '/audio/greeting.wav', { headers: { Range: 'bytes=16044-16143' } });
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(bytes.subarray(16044, 16144));

    const replaced = await put('greeting', fixture('tone440-16k.flac'), 'audio/flac');
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as Entry).converted_from).toBe('flac');

    expect((await kit.request('DELETE', '/audio/greeting.wav')).status).toBe(204);
    expect((await kit.request('GET', '/audio/greeting.wav')).status).toBe(404);
    expect(await listing()).toEqual([]);
  });

  it('takes a browser form upload: the name from the file, or from a name field', async () => {
    const byFile = await form({ file: new File([fixture('tone440-22k.ogg')], 'Hold Music.ogg', { type: 'audio/ogg' }) });
    expect(byFile.status).toBe(201);
    expect(((await byFile.json()) as Entry).name).toBe('Hold Music.wav');
    const byField = await form({ name: 'whisper', file: new File([fixture('tone440-48k.opus')], 'recording.opus', { type: 'audio/ogg' }) });
    expect(byField.status).toBe(201);
    expect((await byField.json()) as Entry).toMatchObject({ name: 'whisper.wav', converted_from: 'ogg-opus' });
    expect(await listing()).toEqual(['Hold Music.wav', 'whisper.wav']);
  });

  it('refuses a form without a file field (400), and a body that is not a form (415)', async () => {
    const noFile = await form({ name: 'x', file: 'not a file' });
    expect(noFile.status).toBe(400);
    expect((await problemOf(noFile)).errors).toEqual([{ path: 'file', message: 'expected a file' }]);
    const raw = await kit.request('POST', '/audio', { body: fixture('ulaw-8k.wav'), headers: { 'Content-Type': 'audio/wav' } });
    expect(raw.status).toBe(415);
    expect((await problemOf(raw)).detail).toContain('a raw upload goes to PUT /audio/{name}');
    expect(await listing()).toEqual([]);
  });

  it.each([
    ['text', () => new TextEncoder().encode('Welcome to Acme.\n'), 'audio/mpeg', 415, 'is text, not audio'],
    ['a PNG', () => fixture('not-audio.png'), 'audio/wav', 415, 'is image/png (.png), not audio'],
    ['a cut-off MP3', () => fixture('tone440-44k-stereo.mp3').subarray(0, 5000), 'audio/mpeg', 422, 'the MP3 file cannot be used: it is cut off'],
    ['a damaged Ogg', () => fixture('tone440-48k.opus').map((b, i) => (i === 2000 ? b ^ 0xff : b)), 'audio/ogg', 422, 'fails its checksum'],
    ['a non-audio Content-Type', () => fixture('ulaw-8k.wav'), 'text/plain', 415, 'Content-Type audio/* (got text/plain)'],
    ['a form sent to PUT', () => fixture('ulaw-8k.wav'), 'multipart/form-data; boundary=x', 415, 'a form upload goes to POST /audio'],
  ])('refuses %s with a 4xx and the reason, changing nothing', async (_what, body, type, status, detail) => {
    await put('greeting.wav', fixture('ulaw-8k.wav'), 'audio/wav');
    const before = await readFile(join(audioDir(), 'greeting.wav'));
    const res = await put('greeting.wav', body(), type);
    expect(res.status).toBe(status);
    expect((await problemOf(res)).detail).toContain(detail);
    expect(await readFile(join(audioDir(), 'greeting.wav'))).toEqual(before);
    expect(await listing()).toEqual(['greeting.wav']);
  });

  it('accepts a raw upload without a Content-Type, or as application/octet-stream', async () => {
    expect((await put('a', fixture('ulaw-8k.wav'), null)).status).toBe(201);
    expect((await put('b', fixture('ulaw-8k.wav'), 'application/octet-stream')).status).toBe(201);
  });

  it('refuses an upload over 20 MiB with 413, as a raw body and as a form', async () => {
    const big = new Uint8Array(20 * 1024 * 1024 + 1);
    big.set(fixture('ulaw-8k.wav'));
    const raw = await put('big.wav', big, 'audio/wav');
    expect(raw.status).toBe(413);
    expect((await problemOf(raw)).detail).toBe('the upload is larger than 20 MiB, the most the audio library takes');
    const viaForm = await form({ file: new File([big], 'big.wav', { type: 'audio/wav' }) });
    expect(viaForm.status).toBe(413);
    expect((await problemOf(viaForm)).detail).toContain('20 MiB');
    expect(await listing()).toEqual([]);
  });

  it.each([
    ['../escape.mp3', 'folders are not allowed'],
    ['sub/greeting.mp3', 'folders are not allowed'],
    ['a..b.mp3', '".." is not allowed'],
    ['.hidden', 'hidden names'],
    ['a@b.mp3', '"@" is not allowed'],
    ['x'.repeat(120), 'longer than 100 characters'],
    ['tab\tname', '"\\t" is not allowed'],
  ])('refuses the upload name %j with 400', async (name, why) => {
    const res = await put(name, fixture('ulaw-8k.wav'), 'audio/wav');
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.detail).toContain(why);
    expect(p.errors?.[0]?.path).toBe('name');
    expect(await listing()).toEqual([]);
  });

  it('refuses a form upload whose file name is not allowed', async () => {
    const res = await form({ file: new File([fixture('ulaw-8k.wav')], '.profile.wav', { type: 'audio/wav' }) });
    expect(res.status).toBe(400);
    expect(await listing()).toEqual([]);
  });

  it('answers 404 for a file that is not there, with a hint for a name that is not a .wav', async () => {
    expect((await kit.request('GET', '/audio/missing.wav')).status).toBe(404);
    const mp3 = await kit.request('GET', '/audio/greeting.mp3');
    expect(mp3.status).toBe(404);
    expect((await problemOf(mp3)).detail).toContain('stored as greeting.wav');
    expect((await kit.request('GET', `/audio/${encodeURIComponent('../flows.yaml')}`)).status).toBe(400);
    expect((await kit.request('DELETE', '/audio/missing.wav')).status).toBe(404);
  });

  it('refuses to delete a file the configuration uses (409, each user named) unless ?force=true', async () => {
    await put('greeting.wav', fixture('ulaw-8k.wav'), 'audio/wav');
    users['greeting.wav'] = ['ivrs[id=10].questions[1].prompt', 'findmes[id=4].holdmusic'];
    const res = await kit.request('DELETE', '/audio/greeting.wav');
    expect(res.status).toBe(409);
    const p = await problemOf(res);
    expect(p.type).toBe('tag:hookline,2026:problem/conflict');
    expect(p.errors?.map((e) => e.path)).toEqual(['ivrs[id=10].questions[1].prompt', 'findmes[id=4].holdmusic']);
    expect(await listing()).toEqual(['greeting.wav']);

    const bad = await kit.request('DELETE', '/audio/greeting.wav?force=yes');
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.[0]?.path).toBe('force');
    expect((await kit.request('DELETE', '/audio/greeting.wav?force=true')).status).toBe(204);
    expect(await listing()).toEqual([]);
  });

  it('pages the list with limit and an opaque cursor', async () => {
    for (const n of ['c', 'a', 'b']) await put(n, fixture('ulaw-8k.wav'), 'audio/wav');
    const first = (await (await kit.request('GET', '/audio?limit=2')).json()) as { items: Entry[]; next_cursor: string | null };
    expect(first.items.map((e) => e.name)).toEqual(['a.wav', 'b.wav']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await (await kit.request('GET', `/audio?limit=2&cursor=${first.next_cursor}`)).json()) as { items: Entry[]; next_cursor: string | null };
    expect(second).toMatchObject({ items: [{ name: 'c.wav' }], next_cursor: null });

    const badLimit = await kit.request('GET', '/audio?limit=500');
    expect(badLimit.status).toBe(400);
    expect((await problemOf(badLimit)).errors?.[0]?.path).toBe('limit');
    const badCursor = await kit.request('GET', '/audio?cursor=%25%25');
    expect(badCursor.status).toBe(400);
    expect((await problemOf(badCursor)).errors?.[0]?.path).toBe('cursor');
  });

  it('documents the uploads in the OpenAPI document', async () => {
    const doc = (await (await kit.app.request('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }>>;
    };
    const putOp = doc.paths['/audio/{name}']?.['put'];
    expect(Object.keys(putOp?.requestBody?.content ?? {})).toEqual(['audio/*', 'application/octet-stream']);
    expect(Object.keys(putOp?.responses ?? {}).sort()).toEqual(['200', '201', '400', '401', '403', '409', '413', '415', '422']);
    expect(Object.keys(doc.paths['/audio']?.['post']?.requestBody?.content ?? {})).toEqual(['multipart/form-data']);
    expect(Object.keys(doc.paths['/audio/{name}']?.['get']?.responses ?? {})).toContain('206');
  });
});
