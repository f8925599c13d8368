/**
 * `kill -9` during a call, over real SIP (SIPp) and RTP, then a restart on the same data dir:
 * - the call cut off mid-IVR, while its recorded answer was being recorded, is listed by GET /api/v1/calls
 *   with end reason `interrupted`; its keypad answer is there, and so is the recording: a WAV that parses,
 *   as long as what was recorded, with the recording's row and the question's answer;
 * - a post-call action queued before the kill (an earlier call's, to a receiver that was down then) is
 *   delivered once after the restart, and the interrupted call's own post-call action is sent too.
 *
 * Needs `npm run build` first; skipped without SIPp except under CI.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dtmfTones } from '../../src/media/dtmf-tones.js';
import { encodeUlaw } from '../../src/media/g711.js';
import { tone } from '../../src/media/tones.js';
import { decodeWav } from '../../src/media/wav.js';
import { paramsOf, WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { RUN_INTEROP, errorLogs, freePort, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';

const KEY = 'interop-crash-key-0123';
const CALLER = '3125550199';
const SURVEY = '8005550140';
const HELLO = '8005550141';

function flows(postCallPort: number): string {
  return `
timezone: America/New_York
numbers:
  "${SURVEY}": ivr/40
  "${HELLO}": ivr/41
ivrs:
  - id: 40
    name: Survey
    questions:
      - type: keypad
        prompt: "Your member number, then pound."
        min_digits: 4
        max_digits: 10
        terminator: "#"
        timeout_s: 10
      - type: recorded
        prompt: "Say your name."
        max_seconds: 60
  - id: 41
    name: Hello
    questions:
      - type: say
        prompt: "Hello."
post_call_actions:
  - url: http://127.0.0.1:${postCallPort}/postcall
    parameters:
      - { name: session, value: call.session_id }
      - { name: reason, value: call.end_reason }
      - { name: member, value: ivr.40.question.1 }
`;
}

/** The caller's side of the survey: the keys as tones, then a steady 440 Hz "voice" for 30 s. */
async function writeCallerAudio(file: string): Promise<void> {
  const keys = dtmfTones('1234#', { leadMs: 500, toneMs: 100, pauseMs: 100, levelDbm0: -10, twistDb: 2 });
  const voice = tone([440], 30_000, { level: -15 });
  const pcm = new Int16Array(keys.length + voice.length);
  pcm.set(keys);
  pcm.set(voice, keys.length);
  await writeFile(file, encodeUlaw(pcm));
}

interface CallView {
  session_id: string;
  to: string;
  ended_at: string | null;
  end_reason: string | null;
  in_progress: boolean;
}

describe.skipIf(!RUN_INTEROP)('hookline serve killed (SIGKILL) during a call, then started again', () => {
  const servers: HooklineProcess[] = [];
  const dirs: string[] = [];
  const receivers: WebhookReceiver[] = [];
  const sipps: Array<Promise<unknown>> = [];
  afterEach(async (ctx) => {
    for (const s of servers.splice(0)) await s.stop(1000);
    for (const r of receivers.splice(0)) await r.stop();
    await Promise.all(sipps.splice(0));
    await removeUnlessFailed(ctx.task.result?.state, dirs.splice(0));
  });

  it('closes the cut-off call as interrupted with its answers and a playable partial recording, and delivers the post-backs once', async () => {
    const dir = await tempDir('hookline-crash-sipp-');
    dirs.push(dir);
    await writeCallerAudio(path.join(dir, 'caller.ulaw'));
    const postCallPort = await freePort({ tcp: true }); // nobody listens there until the restart
    const first = await startHookline(flows(postCallPort), { logLevel: 'info', env: { HOOKLINE_API_KEY: KEY } });
    servers.push(first);
    dirs.push(first.dir);

    // An earlier call ends normally; its post-call action fails (receiver down) and waits for its retry.
    const hello = await runSipp({ scenario: 'wait-for-bye.xml', dir, target: { host: '127.0.0.1', port: first.sipPort }, transport: 'u1', service: HELLO, callers: [CALLER], timeoutS: 30 });
    expect(hello.successful, `${hello.report}\n--- hookline:\n${first.output()}`).toBe(1);
    await until('the post-call action failed once and waits for its retry', () => first.output().includes('"msg":"outbox: will retry"'));

    // The survey: keys, then the recorded question; kill -9 once two seconds of it are on disk.
    const survey = runSipp({ scenario: 'record-crash.xml', dir, target: { host: '127.0.0.1', port: first.sipPort }, transport: 'u1', service: SURVEY, callers: [CALLER], timeoutS: 25 });
    sipps.push(survey);
    const recordings = path.join(first.dir, 'data', 'recordings');
    let wav = '';
    await until('two seconds of the answer recorded', async () => {
      for (const d of await readdir(recordings).catch(() => [] as string[])) {
        for (const f of await readdir(path.join(recordings, d)).catch(() => [] as string[])) {
          if (!/^\d+-q2\.wav$/.test(f)) continue;
          wav = path.join(recordings, d, f);
          if ((await stat(wav)).size >= 44 + 2 * 16_000) return true;
        }
      }
      return false;
    }, 30_000);
    const recordingStarted = Date.now() - 2000;
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBeNull();
    const killedAt = Date.now();
    servers.splice(servers.indexOf(first), 1);
    const sessionId = path.basename(path.dirname(wav));

    // The receiver is back; the server starts again on the same data dir.
    const receiver = new WebhookReceiver(() => ({ status: 200, body: 'ok' }));
    receivers.push(receiver);
    await receiver.start(postCallPort);
    const second = await startHookline(flows(postCallPort), { logLevel: 'info', env: { HOOKLINE_API_KEY: KEY }, dir: first.dir });
    servers.push(second);
    expect(second.output()).toContain('closed 1 call(s) interrupted when the server last stopped without ending them');

    const api = async <T>(p: string): Promise<T> => {
      const res = await fetch(`${second.httpBase}/api/v1${p}`, { headers: { Authorization: `Bearer ${KEY}` } });
      expect(res.status, p).toBe(200);
      return (await res.json()) as T;
    };
    const { items } = await api<{ items: CallView[] }>('/calls');
    expect(items.map((c) => [c.to, c.end_reason, c.in_progress])).toEqual([
      [SURVEY, 'interrupted', false],
      [HELLO, 'ivr_end', false],
    ]);
    expect(items[0]!.session_id).toBe(sessionId);
    const endedAt = Date.parse(items[0]!.ended_at!);
    expect(endedAt).toBeGreaterThan(recordingStarted);
    expect(endedAt).toBeLessThanOrEqual(killedAt);

    const detail = await api<{ interactions: Array<{ completed: boolean; ended_at: string | null; answers: Array<{ question_no: number; question_type: string; value: string; duration_ms: number | null }> }>; recordings: Array<{ kind: string; file: string; duration_ms: number; question_no: number | null }> }>(`/calls/${sessionId}`);
    const rel = path.relative(path.join(first.dir, 'data'), wav);
    expect(detail.interactions).toHaveLength(1);
    expect(detail.interactions[0]).toMatchObject({ completed: false });
    expect(detail.interactions[0]!.ended_at).not.toBeNull();
    const [keypad, recorded] = detail.interactions[0]!.answers;
    expect(keypad).toMatchObject({ question_no: 1, question_type: 'keypad', value: '1234' });
    expect(recorded).toMatchObject({ question_no: 2, question_type: 'recorded', value: rel });
    expect(detail.recordings).toEqual([expect.objectContaining({ kind: 'question', file: rel, question_no: 2 })]);

    // The partial recording: a WAV that parses, as long as its row says, holding the caller's "voice".
    const decoded = decodeWav(await readFile(wav));
    const samples = decoded.channels[0]!;
    const durationMs = detail.recordings[0]!.duration_ms;
    expect(decoded.sampleRate).toBe(8000);
    expect(samples.length).toBe(durationMs * 8);
    expect(durationMs).toBeGreaterThanOrEqual(2000);
    expect(durationMs).toBeLessThanOrEqual(killedAt - recordingStarted + 2000);
    expect(recorded!.duration_ms).toBe(durationMs);
    const rms = Math.sqrt(samples.subarray(8000, 16_000).reduce((n, v) => n + v * v, 0) / 8000);
    expect(rms).toBeGreaterThan(0.05);

    // Both post-call actions arrive, each once: the interrupted call's at once, the earlier call's at its
    // retry (30 s after its failed try, less up to 20 % jitter).
    const byReason = async (): Promise<Map<string, number>> => {
      const n = new Map<string, number>();
      for (const r of receiver.requests) n.set(paramsOf(r).get('reason') ?? '', (n.get(paramsOf(r).get('reason') ?? '') ?? 0) + 1);
      return n;
    };
    await until('both post-call actions delivered', async () => (await byReason()).size === 2, 45_000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await byReason()).toEqual(new Map([['interrupted', 1], ['ivr_end', 1]]));
    const interrupted = receiver.requests.map(paramsOf).find((p) => p.get('reason') === 'interrupted')!;
    expect([interrupted.get('session'), interrupted.get('member')]).toEqual([sessionId, '1234']);

    expect(await second.stop()).toBe(0);
    servers.splice(0);
    expect(errorLogs(second.output())).toEqual([]);
  }, 150_000);
});
