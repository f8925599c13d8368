import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { Metrics } from '../lib/metrics.js';
import { pino } from 'pino';
import { encodeWav } from '../media/wav.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { NewTranscriptionJob, Store } from '../store/types.js';
import { SttError, type SpeechToText } from '../speech/transcribe/index.js';
import { OutboxWorker } from './outbox-worker.js';
import { WebhookReceiver } from '../testkit/webhook-receiver.js';
import { TranscriptionWorker, type TranscriptionWorkerOptions } from './transcription-worker.js';

const SID = '0123456789abcdef0123456789abcdef';
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

let dir: string;
let store: Store;
let clock: FakeClock;
let outbox: OutboxWorker;
let workers: TranscriptionWorker[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookline-stt-worker-'));
  mkdirSync(join(dir, 'recordings', SID), { recursive: true });
  clock = new FakeClock(T0);
  store = await createSqliteStore(':memory:', { clock });
  await store.calls.create({ sessionId: SID, direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(T0), passThrough: '', monitoredSeconds: 0 });
  // Not started: the post-backs stay in the outbox, where the tests read them.
  outbox = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: 'all', userAgentVersion: 'test', clock });
  workers = [];
});
afterEach(async () => {
  for (const w of workers) await w.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const speech = encodeWav(Int16Array.from({ length: 8000 * 3 }, (_, i) => Math.round(3000 * Math.sin(i / 5))));

function recording(name: string, bytes: Uint8Array = speech): string {
  const rel = join('recordings', SID, name);
  writeFileSync(join(dir, rel), bytes);
  return rel;
}

async function job(over: Partial<NewTranscriptionJob> = {}): Promise<number> {
  return store.transcriptions.create({
    sessionId: SID,
    ivrId: 20,
    responseId: 4711,
    questionNo: 3,
    recordingPath: over.recordingPath ?? recording('4711-q3.wav'),
    durationMs: 2_600,
    mode: 'standard',
    createdAt: new Date(clock.now()),
    timezone: 'UTC',
    postback: { url: 'http://127.0.0.1:9/transcripts?k=1', secret: 's' },
    ...over,
  });
}

/** An engine answering from a script, one entry per call; records what it was given. */
function engine(script: Array<string | Error | 'hang'>): SpeechToText & { calls: Uint8Array[] } {
  const calls: Uint8Array[] = [];
  return {
    name: 'test',
    calls,
    transcribe(wav) {
      calls.push(wav);
      const next = script[Math.min(calls.length - 1, script.length - 1)]!;
      if (next === 'hang') return new Promise(() => undefined);
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}

function worker(over: Partial<TranscriptionWorkerOptions>): TranscriptionWorker {
  const w = new TranscriptionWorker({ jobs: store.transcriptions, engine: undefined, outbox, dataDir: dir, clock, random: () => 0, ...over });
  workers.push(w);
  return w;
}

async function run(w: TranscriptionWorker): Promise<void> {
  w.start();
  await w.settled();
}

/** Fake time forward, then a poll at the new time (the poll timer's own firing time is not what is tested). */
async function later(w: TranscriptionWorker, ms: number): Promise<void> {
  clock.advance(ms);
  await w.settled();
  w.wake();
  await w.settled();
}

async function postbacks(): Promise<Array<Array<[string, string]>>> {
  const items = await Promise.all([1, 2, 3, 4, 5].map((id) => store.outbox.get(id)));
  return items.filter((i) => i !== undefined).map((i) => (JSON.parse(i.payload) as { params: Array<[string, string]> }).params);
}

describe('TranscriptionWorker', () => {
  it('transcribes the recording and queues one post-back with the ids, question, duration, date and text', async () => {
    const id = await job();
    const e = engine(['Shorter hold times please']);
    await run(worker({ engine: e }));
    expect(e.calls.map((c) => Buffer.from(c).equals(speech))).toEqual([true]);
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'done', text: 'Shorter hold times please', engine: 'test', outboxId: 1 });
    expect(await postbacks()).toEqual([
      [
        ['survo_id', '20'],
        ['unique_id', '4711'],
        ['question', '3'],
        ['duration', '3'],
        ['date', '2026-12-06T12:00:00+00:00'],
        ['text', 'Shorter hold times please'],
      ],
    ]);
    const item = await store.outbox.get(1);
    expect(item).toMatchObject({ kind: 'transcription', state: 'pending' });
    expect(JSON.parse(item!.payload)).toMatchObject({ url: 'http://127.0.0.1:9/transcripts?k=1', secret: 's', sessionId: SID, method: 'GET' });
  });

  it('keeps the text without a post-back when the IVR has no transcription_url', async () => {
    const id = await job({ postback: undefined });
    await run(worker({ engine: engine(['kept for the console']) }));
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'done', text: 'kept for the console' });
    expect(await store.outbox.pendingCount()).toBe(0);
  });

  it('fails standard jobs with a reason naming the setting when no engine is configured', async () => {
    const id = await job();
    await run(worker({ engine: undefined }));
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('HOOKLINE_TRANSCRIBE_ENGINE=none') });
    expect(await store.outbox.pendingCount()).toBe(0);
  });

  it('leaves human jobs to people', async () => {
    const id = await job({ mode: 'human' });
    const e = engine(['no']);
    await run(worker({ engine: e }));
    expect(e.calls).toHaveLength(0);
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'pending' });
  });

  it('retries a retryable failure with backoff, then posts once', async () => {
    const id = await job();
    const e = engine([new SttError('STT_UNAVAILABLE', 'answered 503', true), new SttError('STT_BAD_ANSWER', 'not JSON', true), 'third time lucky']);
    const w = worker({ engine: e, pollMs: 1_000 });
    await run(w);
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'answered 503', nextAttemptAt: new Date(T0 + 30_000) });
    await later(w, 29_000);
    expect(e.calls).toHaveLength(1); // not yet due
    await later(w, 1_000);
    expect(await store.transcriptions.get(id)).toMatchObject({ attempts: 2, lastError: 'not JSON', nextAttemptAt: new Date(T0 + 30_000 + 60_000) });
    await later(w, 60_000);
    expect(e.calls).toHaveLength(3);
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'done', text: 'third time lucky', attempts: 2 });
    expect(await postbacks()).toHaveLength(1);
  });

  it('fails at once on an error waiting cannot fix, and after maxAttempts on one it could', async () => {
    const a = await job();
    await run(worker({ engine: engine([new SttError('STT_REFUSED', 'answered 401: bad key', false)]) }));
    expect(await store.transcriptions.get(a)).toMatchObject({ state: 'failed', lastError: 'answered 401: bad key' });

    const b = await job({ questionNo: 4 });
    const w = worker({ engine: engine([new SttError('STT_UNAVAILABLE', 'refused', true)]), maxAttempts: 2, pollMs: 1_000 });
    await run(w);
    await later(w, 30_000);
    expect(await store.transcriptions.get(b)).toMatchObject({ state: 'failed', lastError: 'refused (gave up after 2 attempts)' });
    expect(await store.outbox.pendingCount()).toBe(0);
  });

  it('never posts an empty text: a job whose engine heard nothing is failed with that reason', async () => {
    const id = await job();
    await run(worker({ engine: engine(['']) }));
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'failed', lastError: 'the test engine returned no text' });
    expect(await store.outbox.pendingCount()).toBe(0);
  });

  it('gives up on an engine that hangs and tries again later', async () => {
    const id = await job();
    await run(worker({ engine: engine(['hang']), attemptTimeoutMs: 50 }));
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'no answer from the engine within 50 ms' });
  });

  it.each([
    ['missing', undefined, 'the recording is gone'],
    ['zero-length', new Uint8Array(0), 'the recording is empty (0 bytes)'],
    ['not a WAV', new TextEncoder().encode('garbage, not audio'), 'the recording is not a readable WAV'],
    ['a WAV without samples', encodeWav(new Int16Array(0)), 'the recording holds no audio'],
  ])('skips a %s recording with a reason, without calling the engine', async (_name, bytes, reason) => {
    const rel = bytes === undefined ? join('recordings', SID, 'nope.wav') : recording('bad.wav', bytes);
    const id = await job({ recordingPath: rel });
    const e = engine(['x']);
    await run(worker({ engine: e }));
    expect(e.calls).toHaveLength(0);
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'skipped', lastError: expect.stringContaining(reason) });
  });

  it('runs a bounded number at once', async () => {
    for (let q = 1; q <= 5; q++) await job({ questionNo: q });
    let active = 0;
    let most = 0;
    const slow: SpeechToText = {
      name: 'slow',
      async transcribe() {
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return 'ok';
      },
    };
    await run(worker({ engine: slow, concurrency: 2 }));
    expect(most).toBe(2);
    expect(await store.transcriptions.pendingCount('standard')).toBe(0);
    expect(await postbacks()).toHaveLength(5);
  });

  it('logs every attempt with its job, engine, attempt number and outcome', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const id = await job();
    const w = worker({ engine: engine([new SttError('STT_TIMEOUT', 'took too long', true), 'fine']), logger });
    await run(w);
    await later(w, 30_000);
    expect(lines.map((l) => [l['transcriptionId'], l['engine'], l['attempt'], l['msg']])).toEqual([
      [id, 'test', 1, 'transcription attempt failed: took too long; will retry'],
      [id, 'test', 2, 'transcription done'],
    ]);
    expect(lines[0]).toMatchObject({ code: 'STT_TIMEOUT', sessionId: SID, responseId: 4711, question: 3 });
  });

  it('counts pending jobs and attempt outcomes in /metrics', async () => {
    await job();
    await job({ questionNo: 4 });
    await job({ mode: 'human' });
    const metrics = new Metrics();
    const w = worker({ engine: engine([new SttError('STT_UNAVAILABLE', 'refused', true), 'ok']), metrics, concurrency: 1 });
    const before = await metrics.registry.metrics();
    expect(before).toContain('hookline_transcriptions_pending{mode="standard"} 2');
    expect(before).toContain('hookline_transcriptions_pending{mode="human"} 1');
    await run(w);
    const after = await metrics.registry.metrics();
    expect(after).toContain('hookline_transcription_attempts_total{engine="test",outcome="retry"} 1');
    expect(after).toContain('hookline_transcription_attempts_total{engine="test",outcome="done"} 1');
    expect(after).toContain('hookline_transcriptions_pending{mode="standard"} 1');
  });

  it('leaves a job cut off by shutdown pending, and the next worker finishes it', async () => {
    const id = await job();
    const first = worker({ engine: engine(['hang']) });
    first.start();
    await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
    await run(worker({ engine: engine(['after the restart']) }));
    expect(await store.transcriptions.get(id)).toMatchObject({ state: 'done', text: 'after the restart' });
    expect(await postbacks()).toHaveLength(1);
  });
});

describe('transcription post-back delivery', () => {
  it('is retried with backoff through the outbox: 500, 500, 200 is three attempts, each in the webhook log, and one delivery', async () => {
    let n = 0;
    const receiver = new WebhookReceiver(() => (++n <= 2 ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    const base = await receiver.start();
    const delivering = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: 'all', userAgentVersion: 'test', clock, random: () => 0, pollMs: 1_000 });
    try {
      const id = await job({ postback: { url: `${base}/transcripts?k=1` } });
      delivering.start();
      await run(worker({ engine: engine(['call me back']), outbox: delivering }));
      await receiver.waitFor(1);
      await delivering.settled();
      const step = async (ms: number): Promise<void> => {
        // One poll per fake second, so each retry goes when it is due and not before.
        for (let t = 0; t < ms; t += 1_000) {
          clock.advance(1_000);
          await delivering.settled();
        }
      };
      await step(29_000);
      expect(receiver.requests).toHaveLength(1);
      await step(1_000);
      await receiver.waitFor(2);
      await step(60_000);
      await receiver.waitFor(3);
      await step(3_600_000 / 60); // a while longer: nothing more goes out
      expect(receiver.requests).toHaveLength(3);
      expect(receiver.requests.every((r) => r.path === '/transcripts' && new URLSearchParams(r.url.split('?')[1]).get('text') === 'call me back')).toBe(true);
      const log = await store.webhooks.list({ kind: 'transcription' }, undefined, 10);
      expect(log.map((e) => [e.status, e.failure !== undefined]).reverse()).toEqual([[500, true], [500, true], [200, false]]);
      const outboxId = (await store.transcriptions.get(id))!.outboxId!;
      expect(await store.outbox.get(outboxId)).toMatchObject({ state: 'delivered', attempts: 3 });
    } finally {
      await delivering.stop();
      await receiver.stop();
    }
  });
});
