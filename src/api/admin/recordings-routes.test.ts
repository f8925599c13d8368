import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_BASE } from '../../admin/views.js';
import type { Page, RecordingView, VoicemailMessageView } from '../../admin/view-types.js';
import type { Flows } from '../../config/types.js';
import { makeFlows } from '../../flow/testing.js';
import { writeWav } from '../../media/wav.js';
import type { RecordingRecord } from '../../store/types.js';
import { ADMIN_API_BASE } from './paths.js';
import { registerRecordingRoutes } from './recordings-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const SID = 'a'.repeat(32);
const SID2 = 'b'.repeat(32);

describe('recordings and voicemail messages API', () => {
  let kit: AdminTestKit;
  let dataDir: string;
  let outside: string;
  let flows: Flows;
  let ids: Record<string, number> = {};

  async function add(name: string, rec: Partial<RecordingRecord> & { path: string }, samples = 8000): Promise<number> {
    const abs = path.join(dataDir, rec.path);
    if (samples > 0) {
      mkdirSync(path.dirname(abs), { recursive: true });
      // A ramp, so that any byte range of the file is recognisable.
      await writeWav(abs, Int16Array.from({ length: samples }, (_, i) => (i * 7) % 32768));
    }
    const id = await kit.store.recordings.add({ sessionId: SID, kind: 'question', durationMs: 1000, callerId: '3125550199', createdAt: new Date(Date.UTC(2026, 11, 6, 11, 0, Object.keys(ids).length)), ...rec });
    ids[name] = id;
    return id;
  }

  beforeEach(async () => {
    ids = {};
    dataDir = mkdtempSync(path.join(tmpdir(), 'hookline-recordings-'));
    outside = mkdtempSync(path.join(tmpdir(), 'hookline-outside-'));
    flows = makeFlows({ voicemails: [{ id: 7, greeting: [{ text: 'Leave a message.' }], maxSeconds: 60 }] });
    kit = await adminTestKit((ctx) => [(r) => void registerRecordingRoutes(r, { store: ctx.store, dataDir, flows: () => flows, logger: ctx.logger })]);
    for (const s of [SID, SID2]) await kit.store.calls.create({ sessionId: s, direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(), passThrough: '', monitoredSeconds: 0 });
    await add('question', { path: `recordings/${SID}/1-q1.wav`, responseId: undefined, questionNo: 1 });
    await add('vm1', { path: 'recordings/voicemail/7/first.wav', kind: 'voicemail', voicemailId: 7, durationMs: 4400 });
    await add('vm2', { path: 'recordings/voicemail/7/second.wav', kind: 'voicemail', voicemailId: 7, sessionId: SID2, callerId: '' });
    await add('call', { path: `recordings/${SID2}/call-1.wav`, kind: 'call', sessionId: SID2 });
  });
  afterEach(async () => {
    await kit.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const json = async <T>(p: string): Promise<T> => {
    const res = await kit.request('GET', p);
    expect(res.status, p).toBe(200);
    return (await res.json()) as T;
  };

  it('lists newest first, by call and by kind, a page at a time', async () => {
    const all = await json<Page<RecordingView>>('/recordings?limit=3');
    expect(all.items.map((r) => r.id)).toEqual([ids['call'], ids['vm2'], ids['vm1']]);
    const rest = await json<Page<RecordingView>>(`/recordings?limit=3&cursor=${all.next_cursor}`);
    expect(rest).toEqual({ items: [expect.objectContaining({ id: ids['question'] })], next_cursor: null });
    expect((await json<Page<RecordingView>>(`/recordings?session_id=${SID2}`)).items.map((r) => r.id)).toEqual([ids['call'], ids['vm2']]);
    expect((await json<Page<RecordingView>>('/recordings?kind=voicemail')).items.map((r) => r.id)).toEqual([ids['vm2'], ids['vm1']]);
    for (const [q, p] of [['kind=music', 'kind'], ['session_id=xyz', 'session_id'], ['cursor=zz', 'cursor']]) {
      const res = await kit.request('GET', `/recordings?${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe(p);
    }
  });

  it('describes one recording, with its audio URL', async () => {
    expect(await json(`/recordings/${ids['vm1']}`)).toEqual({
      id: ids['vm1'], session_id: SID, kind: 'voicemail', file: 'recordings/voicemail/7/first.wav', duration_ms: 4400, caller_id: '3125550199',
      created_at: '2026-12-06T11:00:01.000Z', response_id: null, question_no: null, voicemail_id: 7, audio_url: `/api/v1/recordings/${ids['vm1']}/audio`,
    });
    expect(API_BASE).toBe(ADMIN_API_BASE);
    expect((await kit.request('GET', '/recordings/999')).status).toBe(404);
    expect((await kit.request('GET', '/recordings/abc')).status).toBe(400);
    expect((await kit.request('GET', '/recordings/abc/audio')).status).toBe(400);
    expect((await kit.request('GET', '/recordings/999/audio')).status).toBe(404);
    expect((await kit.request('DELETE', '/recordings/0')).status).toBe(400);
    expect((await kit.request('DELETE', '/voicemails/7/messages/abc')).status).toBe(400);
  });

  describe('audio', () => {
    it('serves the WAV whole, and any byte range of it, so a player can seek', async () => {
      const file = readFileSync(path.join(dataDir, 'recordings/voicemail/7/first.wav'));
      const whole = await kit.request('GET', `/recordings/${ids['vm1']}/audio`);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('Content-Type')).toBe('audio/wav');
      expect(whole.headers.get('Accept-Ranges')).toBe('bytes');
      expect(whole.headers.get('Content-Disposition')).toBe('inline; filename="first.wav"');
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(file);

      const part = await kit.request('GET', `/recordings/${ids['vm1']}/audio`, { headers: { Range: 'bytes=1000-1999' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('Content-Range')).toBe(`bytes 1000-1999/${file.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(file.subarray(1000, 2000));

      const tail = await kit.request('GET', `/recordings/${ids['vm1']}/audio`, { headers: { Range: 'bytes=-100' } });
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(file.subarray(file.length - 100));
      const past = await kit.request('GET', `/recordings/${ids['vm1']}/audio`, { headers: { Range: `bytes=${file.length}-` } });
      expect(past.status).toBe(416);
      const again = await kit.request('GET', `/recordings/${ids['vm1']}/audio`, { headers: { 'If-None-Match': whole.headers.get('ETag')! } });
      expect(again.status).toBe(304);
    });

    it('answers 404 for a recording whose file is gone', async () => {
      const gone = await add('gone', { path: 'recordings/voicemail/7/gone.wav' }, 0);
      const res = await kit.request('GET', `/recordings/${gone}/audio`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toContain('missing');
    });

    it('never serves or deletes a file outside the data dir, by a relative path or a symbolic link', async () => {
      const secret = path.join(outside, 'secret.wav');
      writeFileSync(secret, 'not yours');
      const climbing = await add('climbing', { path: path.relative(dataDir, secret) }, 0);
      mkdirSync(path.join(dataDir, 'recordings'), { recursive: true });
      symlinkSync(secret, path.join(dataDir, 'recordings', 'link.wav'));
      const linked = await add('linked', { path: 'recordings/link.wav' }, 0);
      for (const id of [climbing, linked]) {
        const res = await kit.request('GET', `/recordings/${id}/audio`);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('not yours');
        expect((await kit.request('DELETE', `/recordings/${id}`)).status).toBe(404);
      }
      expect(readFileSync(secret, 'utf8')).toBe('not yours');
    });
  });

  it('deletes a recording\'s file and record', async () => {
    const file = path.join(dataDir, `recordings/${SID2}/call-1.wav`);
    expect(existsSync(file)).toBe(true);
    expect((await kit.request('DELETE', `/recordings/${ids['call']}`)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await kit.request('GET', `/recordings/${ids['call']}`)).status).toBe(404);
    expect((await kit.request('DELETE', `/recordings/${ids['call']}`)).status).toBe(404);
    // A record whose file is already gone is still deleted.
    const gone = await add('gone', { path: 'recordings/x/gone.wav' }, 0);
    expect((await kit.request('DELETE', `/recordings/${gone}`)).status).toBe(204);
  });

  describe('voicemail messages', () => {
    it('lists a box\'s messages newest first with caller id, time, length and audio URL', async () => {
      const page = await json<Page<VoicemailMessageView>>('/voicemails/7/messages');
      expect(page).toEqual({
        items: [
          { id: ids['vm2'], voicemail_id: 7, session_id: SID2, caller_id: '', received_at: '2026-12-06T11:00:02.000Z', duration_ms: 1000, duration_s: 1, audio_url: `/api/v1/recordings/${ids['vm2']}/audio` },
          { id: ids['vm1'], voicemail_id: 7, session_id: SID, caller_id: '3125550199', received_at: '2026-12-06T11:00:01.000Z', duration_ms: 4400, duration_s: 4, audio_url: `/api/v1/recordings/${ids['vm1']}/audio` },
        ],
        next_cursor: null,
      });
      const first = await json<Page<VoicemailMessageView>>('/voicemails/7/messages?limit=1');
      expect(first.items.map((m) => m.id)).toEqual([ids['vm2']]);
      expect((await json<Page<VoicemailMessageView>>(`/voicemails/7/messages?limit=1&cursor=${first.next_cursor}`)).items.map((m) => m.id)).toEqual([ids['vm1']]);
    });

    it('answers 404 for a box that does not exist, but still lists messages of a box since removed', async () => {
      expect((await kit.request('GET', '/voicemails/8/messages')).status).toBe(404);
      flows = makeFlows({});
      expect((await json<Page<VoicemailMessageView>>('/voicemails/7/messages')).items).toHaveLength(2);
      expect((await json<Page<VoicemailMessageView>>('/voicemails/8/messages?limit=5&cursor=WzEwMF0')).items).toEqual([]);
      expect((await kit.request('GET', '/voicemails/x/messages')).status).toBe(400);
    });

    it('deletes a message of the box, and only of that box', async () => {
      expect((await kit.request('DELETE', `/voicemails/8/messages/${ids['vm1']}`)).status).toBe(404);
      expect((await kit.request('DELETE', `/voicemails/7/messages/${ids['question']}`)).status).toBe(404);
      expect((await kit.request('DELETE', `/voicemails/7/messages/${ids['vm1']}`)).status).toBe(204);
      expect(existsSync(path.join(dataDir, 'recordings/voicemail/7/first.wav'))).toBe(false);
      expect((await json<Page<VoicemailMessageView>>('/voicemails/7/messages')).items.map((m) => m.id)).toEqual([ids['vm2']]);
    });
  });

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
