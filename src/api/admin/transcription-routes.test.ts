import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxWorker } from '../../webhook/outbox-worker.js';
import type { TranscriptionView } from '../../admin/view-types.js';
import type { NewTranscriptionJob } from '../../store/types.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';
import { registerTranscriptionRoutes } from './transcription-routes.js';

const SID = 'e'.repeat(32);

describe('transcriptions', () => {
  let kit: AdminTestKit;
  let recordingId: number;
  let responseId: number;
  beforeEach(async () => {
    kit = await adminTestKit((ctx) => [
      (r) => void registerTranscriptionRoutes(r, { store: ctx.store, clock: ctx.clock, logger: ctx.logger, outbox: new OutboxWorker({ outbox: ctx.store.outbox, log: ctx.store.webhooks, networks: 'all', userAgentVersion: 'test', clock: ctx.clock }) }),
    ]);
    await kit.store.calls.create({ sessionId: SID, direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(kit.clock.now()), passThrough: '', monitoredSeconds: 0 });
    responseId = await kit.store.interactions.start({ sessionId: SID, ivrId: 20, startedAt: new Date(kit.clock.now()) });
    recordingId = await kit.store.recordings.add({ sessionId: SID, kind: 'question', path: `recordings/${SID}/9-q2.wav`, durationMs: 4_000, callerId: '3125550199', createdAt: new Date(kit.clock.now()), responseId, questionNo: 2 });
  });
  afterEach(() => kit.close());

  const job = (over: Partial<NewTranscriptionJob> = {}): Promise<number> =>
    kit.store.transcriptions.create({
      sessionId: SID, ivrId: 20, responseId, questionNo: 2, recordingPath: `recordings/${SID}/9-q2.wav`, durationMs: 4_000, mode: 'human',
      createdAt: new Date(kit.clock.now()), timezone: 'UTC', postback: { url: 'http://127.0.0.1:9/t', secret: 'never shown' }, ...over,
    });
  const json = async (res: Response): Promise<TranscriptionView> => (await res.json()) as TranscriptionView;

  it('lists the human queue with each recording\'s audio URL, and never the post-back secret', async () => {
    const id = await job();
    await job({ mode: 'standard', questionNo: 3 });
    const res = await kit.request('GET', '/transcriptions?mode=human&state=pending');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: TranscriptionView[]; next_cursor: string | null };
    expect(page.items).toEqual([
      expect.objectContaining({ id, mode: 'human', state: 'pending', question_no: 2, response_id: responseId, text: null, transcription_url: 'http://127.0.0.1:9/t', postback_queued: false, audio_url: `/api/v1/recordings/${recordingId}/audio` }),
    ]);
    expect(page.next_cursor).toBeNull();
    expect(JSON.stringify(page)).not.toContain('never shown');
    const other = await json(await kit.request('GET', `/transcriptions/${id + 1}`));
    expect(other.audio_url).toBeNull(); // question 3 has no recording row
  });

  it('pages with the cursor', async () => {
    for (let i = 0; i < 3; i++) await job();
    const first = (await (await kit.request('GET', '/transcriptions?limit=2')).json()) as { items: TranscriptionView[]; next_cursor: string };
    expect(first.items).toHaveLength(2);
    const second = (await (await kit.request('GET', `/transcriptions?limit=2&cursor=${first.next_cursor}`)).json()) as { items: TranscriptionView[]; next_cursor: string | null };
    expect(second.items.map((t) => t.id)).toEqual([3]);
    expect(second.next_cursor).toBeNull();
  });

  it('claims, then submits the text: stored, and the post-back queued once', async () => {
    const id = await job();
    const claimed = await json(await kit.request('POST', `/transcriptions/${id}/claim`));
    expect(claimed).toMatchObject({ claimed_by: 'HOOKLINE_API_KEY', claimed_until: new Date(kit.clock.now() + 15 * 60_000).toISOString() });
    const res = await kit.request('POST', `/transcriptions/${id}/text`, { json: { text: '  Please call me back  ' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ state: 'done', text: 'Please call me back', engine: 'human', postback_queued: true });
    const item = await kit.store.outbox.get(1);
    expect(item).toMatchObject({ kind: 'transcription', state: 'pending' });
    expect(JSON.parse(item!.payload)).toMatchObject({ params: expect.arrayContaining([['text', 'Please call me back'], ['unique_id', String(responseId)], ['question', '2'], ['duration', '4']]) });
    const again = await kit.request('POST', `/transcriptions/${id}/text`, { json: { text: 'twice' } });
    expect(again.status).toBe(409);
    expect(await kit.store.outbox.pendingCount()).toBe(1);
  });

  it('keeps others off a claimed job until the claim lapses', async () => {
    const id = await job();
    const other = await kit.keyWith(['admin']);
    expect((await kit.request('POST', `/transcriptions/${id}/claim`, { key: other })).status).toBe(200);
    const refused = await kit.request('POST', `/transcriptions/${id}/text`, { json: { text: 'mine' } });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toContain('being typed by test admin');
    kit.clock.advance(15 * 60_000);
    expect((await kit.request('POST', `/transcriptions/${id}/text`, { json: { text: 'mine' } })).status).toBe(200);
  });

  it('skips without posting, and keeps the reason', async () => {
    const id = await job();
    const res = await kit.request('POST', `/transcriptions/${id}/skip`, { json: { reason: 'only music' } });
    expect(await json(res)).toMatchObject({ state: 'skipped', failure: 'skipped by HOOKLINE_API_KEY: only music' });
    expect(await kit.store.outbox.pendingCount()).toBe(0);
  });

  it('refuses empty text, engine jobs and unknown ids', async () => {
    const id = await job();
    const empty = await kit.request('POST', `/transcriptions/${id}/text`, { json: { text: '   ' } });
    expect(empty.status).toBe(422);
    expect(((await empty.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe('text');
    const engineJob = await job({ mode: 'standard' });
    expect((await kit.request('POST', `/transcriptions/${engineJob}/text`, { json: { text: 'x' } })).status).toBe(409);
    expect((await kit.request('POST', '/transcriptions/999/claim')).status).toBe(404);
    expect((await kit.request('GET', '/transcriptions?state=lost')).status).toBe(400);
  });

  it('checks the key and its scope on every operation', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
