/**
 * Transcription post-backs end to end: SIPp calls the built `hookline serve` and answers a recorded
 * question by speaking (text-to-speech through G.711, "#" as an in-band tone); the server transcribes
 * the recording with the `http` engine pointed at a local stand-in service (src/testkit/stt-service.ts:
 * the OpenAI shape, a fixed text, and a check that a WAV arrived) and posts the text back to a local
 * receiver: one GET with the IVR id, the ivr_response_id, the question number, the duration and the text.
 * Then: the receiver fails and hookline is killed between attempts; the post-back still arrives once.
 *
 * Skipped where SIPp is not installed, except under CI (CI=1), where a missing SIPp fails.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { SttService } from '../../src/testkit/stt-service.js';
import { throughG711 } from '../../src/testkit/asr-corpus.js';
import { createTtsEngine } from '../../src/speech/engines.js';
import { dtmfTones } from '../../src/media/dtmf-tones.js';
import { encodeUlaw } from '../../src/media/g711.js';
import { decodeWav } from '../../src/media/wav.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER } from './flows.js';
import { RUN_INTEROP, errorLogs, metric, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';

const CALLER = '3125550199';
const API_KEY = 'transcription-test-key-0123456789';
const SPOKEN = 'Please call me back tomorrow morning about my order.';
const TRANSCRIPT = 'please call me back tomorrow morning about my order';
const TEST_TIMEOUT = 120_000;

function flows(hook: string): string {
  return `
timezone: UTC
numbers:
  "${NUMBER}": ivr/20
ivrs:
  - id: 20
    name: Feedback
    questions:
      - type: recorded
        prompt: "Speak after the beep."
        max_seconds: 20
        transcribe: standard
    webhook:
      action: next_action
      method: POST
      url: ${hook}/hook
      secret: shared-secret
      transcription_url: ${hook}/transcripts?k=1
`;
}

/** The caller's side of the call: silence while the prompt and beep play, the sentence, then "#" in-band. */
async function writeSpeech(file: string): Promise<{ speechMs: number }> {
  const tts = await createTtsEngine('espeak-wasm');
  const speech = await tts.synthesize(SPOKEN);
  await tts.close?.();
  const lead = new Int16Array(8000 * 4);
  const pound = dtmfTones('#', { leadMs: 700, toneMs: 120, pauseMs: 100, levelDbm0: -10, twistDb: 2 });
  const tail = new Int16Array(8000);
  const pcm = new Int16Array(lead.length + speech.length + pound.length + tail.length);
  pcm.set(speech, lead.length);
  pcm.set(pound, lead.length + speech.length);
  await writeFile(file, encodeUlaw(throughG711(pcm)));
  return { speechMs: (speech.length / 8000) * 1000 };
}

describe.skipIf(!RUN_INTEROP)('transcription post-back over SIP', () => {
  const receiver = new WebhookReceiver();
  const stt = new SttService();
  let hook: string;
  let sttBase: string;
  let dir: string;
  let servers: HooklineProcess[] = [];

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
    sttBase = await stt.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stt.stop();
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    stt.requests.length = 0;
    receiver.setHandler(() => ({ body: HANGUP }));
    stt.setHandler((req) => (req.isWav ? { text: TRANSCRIPT } : { status: 400, body: '{"error":"not a WAV"}' }));
    dir = await tempDir('hookline-stt-e2e-');
  });
  afterEach(async (ctx) => {
    for (const s of servers) await s.stop();
    await removeUnlessFailed(ctx.task.result?.state, [dir, ...servers.map((s) => s.dir)]);
    servers = [];
  });

  const start = async (args: string[] = []): Promise<HooklineProcess> => {
    const s = await startHookline(flows(hook), {
      logLevel: 'info',
      args,
      env: { HOOKLINE_TRANSCRIBE_ENGINE: 'http', HOOKLINE_TRANSCRIBE_URL: sttBase, HOOKLINE_TRANSCRIBE_MODEL: 'test-model', HOOKLINE_TRANSCRIBE_KEY: 'stt-key', HOOKLINE_API_KEY: API_KEY },
    });
    servers.push(s);
    return s;
  };

  const call = async (s: HooklineProcess): Promise<void> => {
    const run = await runSipp({ scenario: 'speak-recorded.xml', dir, target: { host: '127.0.0.1', port: s.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 60 });
    expect(run.code, `${run.report}\n--- hookline:\n${s.output()}`).toBe(0);
  };

  const postbacks = (): typeof receiver.requests => receiver.requests.filter((r) => r.path === '/transcripts');

  it('transcribes the spoken answer and posts the text back once, with the ids, question number and duration', async () => {
    const { speechMs } = await writeSpeech(path.join(dir, 'speech.ulaw'));
    const s = await start();
    await call(s);
    await until('the transcription post-back', () => postbacks().length >= 1, 30_000);

    // The engine got the recording as a WAV, with the model and key configured.
    expect(stt.requests).toHaveLength(1);
    const sent = stt.requests[0]!;
    expect(sent).toMatchObject({ path: '/v1/audio/transcriptions', isWav: true, model: 'test-model', authorization: 'Bearer stt-key' });
    const wav = decodeWav(sent.file!.bytes);
    expect(wav.sampleRate).toBe(8000);
    const recordedMs = (wav.channels[0]!.length / 8000) * 1000;
    expect(recordedMs).toBeGreaterThan(speechMs);

    const ivrHook = receiver.requests.find((r) => r.path === '/hook')!;
    const responseId = new Map(ivrHook.form).get('ivr_response_id');
    const [pb] = postbacks();
    expect(pb!.method).toBe('GET');
    expect(pb!.query.map(([k]) => k)).toEqual(['k', 'survo_id', 'unique_id', 'question', 'duration', 'date', 'text']);
    const p = paramsOf(pb!);
    expect(p.get('survo_id')).toBe('20');
    expect(p.get('unique_id')).toBe(responseId);
    expect(p.get('question')).toBe('1');
    expect(p.get('duration')).toBe(String(Math.round(recordedMs / 1000)));
    expect(p.get('date')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(p.get('text')).toBe(TRANSCRIPT);
    expect(pb!.headers['hookline-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    // Kept for the operator too, and sent only once.
    const list = (await (await fetch(`${s.httpBase}/api/v1/transcriptions`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items).toEqual([expect.objectContaining({ state: 'done', text: TRANSCRIPT, engine: 'http', response_id: Number(responseId), question_no: 1, postback_queued: true })]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(postbacks()).toHaveLength(1);
    const metrics = await s.metrics();
    expect(metric(metrics, 'hookline_transcription_attempts_total', 'engine="http",outcome="done"')).toBe(1);
    expect(metric(metrics, 'hookline_webhook_requests_total', 'kind="transcription",outcome="ok"')).toBe(1);
    expect(metric(metrics, 'hookline_transcriptions_pending', 'mode="standard"')).toBe(0);
    expect(errorLogs(s.output())).toEqual([]);
  }, TEST_TIMEOUT);

  it('retries a failing receiver across a kill and restart, and the post-back arrives once', async () => {
    await writeSpeech(path.join(dir, 'speech.ulaw'));
    let failures = 0;
    receiver.setHandler((req) => (req.path === '/transcripts' && failures++ < 1 ? { status: 500, body: 'down' } : { body: HANGUP }));
    const first = await start();
    await call(first);
    await until('the first (failed) post-back attempt', () => postbacks().length === 1, 30_000);
    await until('the retry to be scheduled', () => /will retry/.test(first.output()), 5_000);
    // Killed, not stopped: nothing gets to tidy up.
    process.kill(first.pid, 'SIGKILL');
    await first.exited;

    const second = await start(['--data-dir', path.join(first.dir, 'data')]);
    // The outbox's first retry is 24-30 s after the failure (30 s less up to 20 % jitter).
    await until('the post-back after the restart', () => postbacks().length === 2, 45_000);
    const [failed, delivered] = postbacks();
    expect(paramsOf(delivered!).get('text')).toBe(TRANSCRIPT);
    expect(paramsOf(delivered!).get('unique_id')).toBe(paramsOf(failed!).get('unique_id'));
    // Transcribed once: the text was stored with its post-back before the kill.
    expect(stt.requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(postbacks()).toHaveLength(2);
    expect(errorLogs(second.output())).toEqual([]);
  }, TEST_TIMEOUT);
});
