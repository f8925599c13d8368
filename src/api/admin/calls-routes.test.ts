import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../app.js';
import { CallTracker } from '../../admin/call-tracker.js';
import { LiveCalls } from '../../admin/live-calls.js';
import type { CallDetailView, CallSummaryView, Page as PageOf, StatsView } from '../../admin/view-types.js';
import { SimulatedCall } from '../../calls/simulator.js';
import type { FarEnd } from '../../calls/sim-script.js';
import { DEFAULT_DIAL_ALLOW } from '../../config/dial-policy.js';
import { DEFAULT_FAILURE_TEXT } from '../../config/types.js';
import { makeFlows } from '../../flow/testing.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import type { CallRecord } from '../../store/types.js';
import { WebhookReceiver } from '../../testkit/webhook-receiver.js';
import { registerCallRoutes, SSE_PING_MS } from './calls-routes.js';
import { adminTestKit, authFailures, ENV_KEY, type AdminTestKit } from './testing.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0); // the kit's clock
const sid = (n: number): string => n.toString(16).padStart(32, '0');
type Page = PageOf<CallSummaryView>;
type Problem = { status: number; errors?: Array<{ path: string }> };

function call(n: number, over: Partial<CallRecord> = {}): CallRecord {
  return { sessionId: sid(n), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(T0 - 3_600_000 + n * 60_000), passThrough: '', monitoredSeconds: 0, ...over };
}

describe('call history API', () => {
  let kit: AdminTestKit;
  let live: LiveCalls;
  beforeEach(async () => {
    live = new LiveCalls();
    kit = await adminTestKit((ctx) => [(r) => void registerCallRoutes(r, { store: ctx.store, live, clock: ctx.clock })]);
  });
  afterEach(() => kit.close());

  const get = async <T>(p: string): Promise<T> => {
    const res = await kit.request('GET', p);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const ids = (page: Page): number[] => page.items.map((c) => parseInt(c.session_id, 16));

  describe('GET /calls', () => {
    beforeEach(async () => {
      for (let n = 1; n <= 5; n++) {
        await kit.store.calls.create(call(n, {
          ...(n === 2 ? { to: '8005550199', direction: 'outbound' as const } : {}),
          ...(n === 3 ? { from: '4155550123' } : {}),
          ...(n % 2 === 1 ? { endedAt: new Date(T0 - 3_600_000 + n * 60_000 + 42_000), endReason: 'caller_hangup' } : {}),
        }));
      }
      await kit.store.history.addBlock({ sessionId: sid(1), block: 'ivr/10', at: new Date(T0) });
      await kit.store.history.addBlock({ sessionId: sid(1), block: 'voicemail/7', at: new Date(T0 + 1) });
      await kit.store.history.addBlock({ sessionId: sid(4), block: 'ivr/10', at: new Date(T0) });
    });

    it('pages newest first with an opaque cursor, and renders every column', async () => {
      const first = await get<Page>('/calls?limit=2');
      expect(ids(first)).toEqual([5, 4]);
      expect(first.items[0]).toEqual({
        session_id: sid(5), direction: 'inbound', from: '3125550199', to: '8005550100',
        started_at: '2026-12-06T11:05:00.000Z', ended_at: '2026-12-06T11:05:42.000Z', duration_s: 42, end_reason: 'caller_hangup',
        in_progress: false, blocks: [], pass_through: '', monitored_seconds: 0, test: false, node: null,
      });
      expect(first.items[1]).toMatchObject({ ended_at: null, duration_s: null, end_reason: null, blocks: ['ivr/10'] });
      await kit.store.calls.create(call(6)); // a new call does not shift the pages already handed out
      const second = await get<Page>(`/calls?limit=2&cursor=${first.next_cursor}`);
      expect(ids(second)).toEqual([3, 2]);
      const third = await get<Page>(`/calls?limit=2&cursor=${second.next_cursor}`);
      expect(ids(third)).toEqual([1]);
      expect(third.items[0]!.blocks).toEqual(['ivr/10', 'voicemail/7']);
      expect(third.next_cursor).toBeNull();
    });

    it('filters by number, caller, block, end reason, direction and time', async () => {
      expect(ids(await get<Page>('/calls?number=8005550199'))).toEqual([2]);
      expect(ids(await get<Page>('/calls?caller=4155550123'))).toEqual([3]);
      expect(ids(await get<Page>('/calls?block=ivr/10'))).toEqual([4, 1]);
      expect(ids(await get<Page>('/calls?block=ivr%2F10&end_reason=caller_hangup'))).toEqual([1]);
      expect(ids(await get<Page>('/calls?end_reason=caller_hangup'))).toEqual([5, 3, 1]);
      expect(ids(await get<Page>('/calls?direction=outbound'))).toEqual([2]);
      expect(ids(await get<Page>('/calls?since=2026-12-06T11:02:00Z&until=2026-12-06T12:04:00%2B01:00'))).toEqual([3, 2]);
    });

    it('names the query parameter at fault', async () => {
      for (const [query, param] of [
        ['since=yesterday', 'since'], ['limit=500', 'limit'], ['limit=0', 'limit'], ['direction=sideways', 'direction'],
        ['block=ivr', 'block'], ['cursor=bm9wZQ', 'cursor'], ['numbr=1', 'numbr'],
      ]) {
        const res = await kit.request('GET', `/calls?${query}`);
        expect(res.status, query).toBe(400);
        expect(((await res.json()) as Problem).errors?.map((e) => e.path), query).toEqual([param]);
      }
    });
  });

  describe('GET /calls/{session_id}', () => {
    it('answers 404 for an unknown call and 400 for a malformed id', async () => {
      expect((await kit.request('GET', `/calls/${sid(99)}`)).status).toBe(404);
      const bad = await kit.request('GET', '/calls/XYZ');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.[0]?.path).toBe('session_id');
    });

    it('merges timeline events, the webhook log, answers and recordings in time order', async () => {
      const at = (ms: number): Date => new Date(T0 + ms);
      await kit.store.calls.create(call(1, { startedAt: at(0), endedAt: at(9000), endReason: 'hangup' }));
      const rid = await kit.store.interactions.start({ sessionId: sid(1), ivrId: 10, startedAt: at(100) });
      await kit.store.interactions.addAnswer({ responseId: rid, questionNo: 1, questionType: 'keypad', value: '42', keys: '42#', at: at(2000) });
      const hook = await kit.store.webhooks.logRequest({ sessionId: sid(1), kind: 'ivr', method: 'POST', url: 'http://127.0.0.1/hook', params: [['a', '42']], sentAt: at(2100), attempt: 1 });
      await kit.store.webhooks.logOutcome(hook, { status: 200, latencyMs: 80, responseBody: '<action/>' });
      const post = await kit.store.webhooks.logRequest({ sessionId: sid(1), kind: 'post_call', method: 'GET', url: 'http://127.0.0.1/pc?x=1', params: [['x', '1']], sentAt: at(9500), attempt: 1 });
      const rec = await kit.store.recordings.add({ sessionId: sid(1), kind: 'voicemail', path: 'recordings/voicemail/7/a.wav', durationMs: 3000, callerId: '3125550199', createdAt: at(8000), voicemailId: 7 });
      await kit.store.history.appendEvents([
        { sessionId: sid(1), at: at(0), type: 'answered', data: {} },
        { sessionId: sid(1), at: at(0), type: 'transition', data: { from: null, to: 'ivr/10' } },
        { sessionId: sid(1), at: at(200), type: 'prompt', data: { text: 'Enter your account.', parts: [{ text: 'Enter your account.' }] } },
        { sessionId: sid(1), at: at(2000), type: 'keys', data: { digits: '42', terminator: '#', reason: 'terminator' } },
        { sessionId: sid(1), at: at(2180), type: 'webhook', data: { log_id: hook, ok: true, status: 200, latency_ms: 80, failure: null } },
        { sessionId: sid(1), at: at(3000), type: 'prompt', data: { text: 'Press 1.', parts: [{ text: 'Press 1.' }], leg: '3125550101' } },
        { sessionId: sid(1), at: at(8900), type: 'hangup', data: { by: 'hookline' } },
      ]);
      live.start({ sessionId: sid(1), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: at(0) });
      live.update(sid(1), { block: 'ivr/10' });

      const d = await get<CallDetailView>(`/calls/${sid(1)}`);
      expect(d).toMatchObject({ session_id: sid(1), in_progress: true, current_block: 'ivr/10', end_reason: 'hangup', duration_s: 9 });
      expect(d.timeline.map((t) => [t.offset_ms, t.type, t.leg, t.summary])).toEqual([
        [0, 'answered', null, 'Answered'],
        [0, 'transition', null, 'Entered ivr/10'],
        [100, 'ivr_started', null, `IVR 10 started (ivr_response_id ${rid})`],
        [200, 'prompt', null, 'Played "Enter your account."'],
        [2000, 'keys', null, 'Pressed 42#'],
        [2000, 'answer', null, 'Answer to question 1: 42'],
        [2100, 'webhook', null, 'Webhook POST http://127.0.0.1/hook → 200 in 80 ms'],
        [3000, 'prompt', '3125550101', '3125550101: Played "Press 1."'],
        [8000, 'recording_saved', null, 'Recording saved (voicemail, 3.0 s)'],
        [8900, 'hangup', null, 'hookline hung up'],
        [9000, 'ended', null, 'Call ended: hangup'],
        [9500, 'webhook', null, 'post_call request GET http://127.0.0.1/pc?x=1 (no response recorded)'],
      ]);
      expect(d.timeline[6]!.data).toEqual({ webhook_id: hook, kind: 'ivr', method: 'POST', url: 'http://127.0.0.1/hook', ok: true, status: 200, latency_ms: 80, failure: null, attempt: 1 });
      expect(d.timeline[8]!.data).toMatchObject({ recording_id: rec, audio_url: `/api/v1/recordings/${rec}/audio` });
      expect(d.interactions).toEqual([{ response_id: rid, ivr_id: 10, started_at: at(100).toISOString(), ended_at: null, completed: false, opted_out: false,
        answers: [{ question_no: 1, question_type: 'keypad', value: '42', keys: '42#', duration_ms: null, at: at(2000).toISOString() }] }]);
      expect(d.webhooks.map((w) => [w.id, w.params, w.response_body])).toEqual([[hook, [{ name: 'a', value: '42' }], '<action/>'], [post, [{ name: 'x', value: '1' }], null]]);
      expect(d.recordings.map((r) => r.file)).toEqual(['recordings/voicemail/7/a.wav']);
    });
  });

  describe('transcriptions in the timeline', () => {
    it('shows each recorded answer\'s transcription: its text when done, else where it stands', async () => {
      const at = (ms: number): Date => new Date(T0 + ms);
      await kit.store.calls.create(call(2, { startedAt: at(0), endedAt: at(9000), endReason: 'caller_hangup' }));
      const rid = await kit.store.interactions.start({ sessionId: sid(2), ivrId: 20, startedAt: at(100) });
      const job = (q: number, mode: 'standard' | 'human'): Promise<number> =>
        kit.store.transcriptions.create({ sessionId: sid(2), ivrId: 20, responseId: rid, questionNo: q, recordingPath: `r/${q}.wav`, durationMs: 2000, mode, createdAt: at(1000 * q), timezone: 'UTC' });
      const done = await job(1, 'standard');
      await kit.store.transcriptions.complete(done, { text: 'call me back', engine: 'http', at: at(12_000) });
      await job(2, 'human');
      const failed = await job(3, 'standard');
      await kit.store.transcriptions.end(failed, 'failed', 'the http engine returned no text', at(13_000));
      const d = await get<CallDetailView>(`/calls/${sid(2)}`);
      expect(d.timeline.filter((t) => t.type === 'transcription').map((t) => [t.offset_ms, t.summary])).toEqual([
        [2000, 'Transcription of question 2 waiting (for a person)'],
        [12_000, 'Transcription of question 1 (http): "call me back"'],
        [13_000, 'Transcription of question 3 failed: the http engine returned no text'],
      ]);
      expect(d.timeline.find((t) => t.type === 'transcription' && t.data['transcription_id'] === done)?.data).toMatchObject({ text: 'call me back', state: 'done', engine: 'http' });
    });
  });

  describe('calls in progress', () => {
    const started = (n: number): void => live.start({ sessionId: sid(n), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(T0 + n) });

    it('lists them newest first', async () => {
      started(1);
      started(2);
      live.update(sid(1), { block: 'findme/4', bridgedTo: '3125550101' });
      expect(await get('/calls/active')).toEqual({ items: [
        { session_id: sid(2), direction: 'inbound', from: '3125550199', to: '8005550100', started_at: new Date(T0 + 2).toISOString(), current_block: null, bridged_to: null, test: false, node: null },
        { session_id: sid(1), direction: 'inbound', from: '3125550199', to: '8005550100', started_at: new Date(T0 + 1).toISOString(), current_block: 'findme/4', bridged_to: '3125550101', test: false, node: null },
      ] });
    });

    it('streams a snapshot, then each call starting, moving and ending, with a ping every 15 s, until the client leaves', async () => {
      started(1);
      const res = await kit.request('GET', '/calls/events');
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const until = async (needle: string): Promise<void> => {
        const deadline = Date.now() + 5000;
        while (!text.includes(needle)) {
          if (Date.now() > deadline) throw new Error(`no "${needle}" in:\n${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += new TextDecoder().decode(value);
        }
      };
      await until('event: snapshot');
      await until('\n\n');
      expect(text).toContain(`"session_id":"${sid(1)}"`);
      started(2);
      live.update(sid(2), { block: 'ivr/10' });
      live.end(sid(2), { endedAt: new Date(T0 + 5000), endReason: 'caller_hangup' });
      await until('event: call.ended');
      await until('caller_hangup');
      const events = text.split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
      expect(events).toEqual(['snapshot', 'call.started', 'call.updated', 'call.ended']);
      expect(text).toContain(`"current_block":"ivr/10","bridged_to":null,"test":false,"ended_at":"${new Date(T0 + 5000).toISOString()}","end_reason":"caller_hangup"`);
      kit.clock.advance(SSE_PING_MS);
      await until(': ping');
      expect(live.subscribers).toBe(1);
      await reader.cancel();
      for (let i = 0; i < 50 && live.subscribers > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(live.subscribers).toBe(0);
      expect(kit.clock.pendingTimers()).toBe(0);
    });
  });

  it('lets go of a client that closes its connection (over a real socket)', async () => {
    const { serve } = await import('@hono/node-server');
    const server = serve({ fetch: kit.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const { port } = server.address() as { port: number };
    try {
      const ac = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/calls/events`, { headers: { Authorization: `Bearer ${ENV_KEY}` }, signal: ac.signal });
      expect(res.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry: 3000');
      expect(live.subscribers).toBe(1);
      ac.abort();
      for (let i = 0; i < 100 && live.subscribers > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(live.subscribers).toBe(0);
    } finally {
      (server as import('node:http').Server).closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('counts calls and webhooks of the last 24 hours for the home page', async () => {
    await kit.store.calls.create(call(1, { endReason: 'caller_hangup' }));
    await kit.store.calls.create(call(2, { endReason: 'caller_hangup' }));
    await kit.store.calls.create(call(3, { startedAt: new Date(T0 - 25 * 3_600_000), endReason: 'hangup' }));
    await kit.store.calls.create(call(4, { startedAt: new Date(T0) }));
    const w = await kit.store.webhooks.logRequest({ kind: 'ivr', method: 'POST', url: 'http://127.0.0.1/h', params: [], sentAt: new Date(T0 - 1000), attempt: 1 });
    await kit.store.webhooks.logOutcome(w, { latencyMs: 5, failure: 'timeout' });
    live.start({ sessionId: sid(4), direction: 'inbound', from: '', to: '8005550100', startedAt: new Date(T0) });
    const s = await get<StatsView>('/stats');
    expect(s).toMatchObject({ calls_in_progress: 1, window: { since: '2026-12-05T13:00:00.000Z', until: '2026-12-06T12:00:00.000Z' } });
    expect(s.calls.total).toBe(3);
    expect(s.calls.by_end_reason).toEqual([{ end_reason: 'caller_hangup', calls: 2 }, { end_reason: null, calls: 1 }]);
    expect(s.calls.per_hour).toHaveLength(24);
    expect(s.calls.per_hour.slice(-2)).toEqual([{ hour: '2026-12-06T11:00:00.000Z', calls: 2 }, { hour: '2026-12-06T12:00:00.000Z', calls: 1 }]);
    expect(s.webhooks).toEqual({ requests: 1, failures: 1, by_kind: [{ kind: 'ivr', requests: 1, failures: 1 }] });
  });

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});

describe('a simulated call, as the console sees it', () => {
  const hook = new WebhookReceiver(() => ({ status: 200, body: '<action><app>transfer</app><parameters><destination>3125550101</destination></parameters></action>', contentType: 'text/xml' }));
  let dataDir: string;
  beforeAll(async () => {
    await hook.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'hookline-calls-api-'));
  });
  afterAll(async () => {
    await hook.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists it while it runs and shows what was said, pressed, sent and dialled', async () => {
    let tracker: CallTracker | undefined;
    const kit = await adminTestKit((ctx) => {
      tracker = new CallTracker({ store: ctx.store, clock: systemClock, logger: silentLogger, dataDir, flushMs: 10 });
      return [(r) => void registerCallRoutes(r, { store: ctx.store, live: tracker!.live, clock: ctx.clock })];
    });
    const flows = makeFlows({
      ivrs: [{ id: 10, name: 'main', questions: [{ type: 'keypad', prompt: [{ text: 'Enter your account.' }], minDigits: 1, maxDigits: 4, terminator: '#', timeoutS: 3 }],
        webhook: { action: 'next_action', method: 'POST', url: hook.url('/hook'), parameters: [{ name: 'account', source: { kind: 'question', n: 1 } }], includeSourcetrak: false, timeoutS: 10, onFailure: [{ text: DEFAULT_FAILURE_TEXT }] } }],
      numbers: new Map([['8005550100', { kind: 'ivr' as const, id: 10 }]]),
    });
    const app = createApp({ settings: { dataDir, webhookNetworks: 'all', dialAllow: [...DEFAULT_DIAL_ALLOW] }, flows, store: kit.store, clock: systemClock, logger: silentLogger, tracker: tracker! });
    const farEnds = new Map<string, FarEnd>([['3125550101', { outcome: 'answer', answerAfterMs: 0, keys: '', talkMs: 300 }]]);
    const sim = new SimulatedCall({ sessionId: sid(7), from: '3125550199', to: '8005550100', keys: '42#', clock: systemClock, farEnds, writeRecording: async () => undefined });
    let ended = false;
    const running = app.runCall(sim).finally(() => (ended = true));
    // Polled while the far end talks (300 ms): the list shows the call bridged.
    let active: unknown;
    for (let i = 0; i < 300 && !ended; i++) {
      active = await (await kit.request('GET', '/calls/active')).json();
      if (JSON.stringify(active).includes('"bridged_to":"3125550101"')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(active).toMatchObject({ items: [{ session_id: sid(7), current_block: 'transfer/3125550101', bridged_to: '3125550101' }] });
    await running;
    const d = (await (await kit.request('GET', `/calls/${sid(7)}`)).json()) as CallDetailView;
    expect(d).toMatchObject({ in_progress: false, current_block: null, end_reason: 'bridge_ended_by_callee', blocks: ['ivr/10', 'transfer/3125550101'] });
    expect(d.timeline.map((t) => t.summary)).toEqual([
      'Answered', 'Entered ivr/10', `IVR 10 started (ivr_response_id ${d.interactions[0]!.response_id})`, 'Played "Enter your account."', 'Pressed 42#',
      'Answer to question 1: 42', 'IVR 10 finished', expect.stringMatching(/^Webhook POST http:\/\/127\.0\.0\.1:\d+\/hook → 200 in \d+ ms$/),
      'Moved from ivr/10 to transfer/3125550101', 'Dialling 3125550101', '3125550101: answered', 'Connected to 3125550101',
      '3125550101 hung up', expect.stringMatching(/^Disconnected from 3125550101 after 0\.3 s \(callee hung up first\)$/), 'hookline hung up', 'Call ended: bridge_ended_by_callee',
    ]);
    await tracker!.close();
    await kit.close();
  });
});

describe('OpenAPI document of the history modules', () => {
  it('documents every operation, the event stream and the audio ranges', async () => {
    const { registerRecordingRoutes } = await import('./recordings-routes.js');
    const { registerWebhookRoutes } = await import('./webhooks-routes.js');
    const kit = await adminTestKit((ctx) => [
      (r) => void registerCallRoutes(r, { store: ctx.store, live: new LiveCalls(), clock: ctx.clock }),
      (r) => void registerRecordingRoutes(r, { store: ctx.store, dataDir: tmpdir(), flows: () => makeFlows({}), logger: ctx.logger }),
      (r) => void registerWebhookRoutes(r, { store: ctx.store, flows: () => makeFlows({}), networks: 'all', clock: ctx.clock, logger: ctx.logger, userAgentVersion: 'test' }),
    ]);
    const res = await kit.app.request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: Array<{ name: string }> }>> };
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops).toEqual(expect.arrayContaining([
      'GET /calls', 'GET /calls/active', 'GET /calls/events', 'GET /calls/{session_id}', 'GET /stats',
      'GET /recordings', 'GET /recordings/{id}', 'GET /recordings/{id}/audio', 'DELETE /recordings/{id}',
      'GET /voicemails/{id}/messages', 'DELETE /voicemails/{id}/messages/{message_id}',
      'GET /webhooks', 'GET /webhooks/{id}', 'POST /webhooks/{id}/replay',
    ]));
    expect(Object.keys(doc.paths['/calls/events']!['get']!.responses['200']!.content!)).toEqual(['text/event-stream']);
    expect(Object.keys(doc.paths['/recordings/{id}/audio']!['get']!.responses)).toEqual(expect.arrayContaining(['200', '206', '304', '404', '416']));
    expect(doc.paths['/calls']!['get']!.parameters!.map((p) => p.name)).toEqual(['since', 'until', 'number', 'caller', 'block', 'end_reason', 'direction', 'test', 'limit', 'cursor']);
    expect(doc.paths['/webhooks']!['get']!.parameters!.map((p) => p.name)).toContain('failed');
    await kit.close();
  });

  it('registers without touching its dependencies, as the reference docs do with stand-ins', async () => {
    const { registerRecordingRoutes } = await import('./recordings-routes.js');
    const { registerWebhookRoutes } = await import('./webhooks-routes.js');
    const inert = new Proxy({}, { get: (_t, prop) => { throw new Error(`deps.${String(prop)} used at registration`); } }) as never;
    const kit = await adminTestKit(() => [(r) => void registerCallRoutes(r, inert), (r) => void registerRecordingRoutes(r, inert), (r) => void registerWebhookRoutes(r, inert)]);
    expect(kit.router.operations.length).toBeGreaterThanOrEqual(14);
    await kit.close();
  });
});
