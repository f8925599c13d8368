/**
 * Stopping `hookline serve` with calls in progress, over real SIP (SIPp) and RTP:
 * - SIGTERM drains: a new call is refused with 503 and Retry-After, /healthz says draining, and the call in
 *   progress goes on (its audio keeps coming, its IVR ends, its webhook arrives); then the process exits 0;
 * - HOOKLINE_DRAIN_S=2: a call still up after 2 s hears the goodbye and gets a BYE; its end is written as
 *   `shutdown` and its post-call action is queued.
 * The audio SIPp receives is read from the loopback interface with tshark (capture.ts).
 *
 * Needs `npm run build` first; skipped without SIPp except under CI.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paramsOf, WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import { captureRtpTo, HAS_TSHARK, loud, type Capture } from './capture.js';
import {
  RUN_INTEROP, errorLogs, freeMediaPort, invite, metric, preparePcaps, removeUnlessFailed, runSipp, startHookline, until,
  type HooklineProcess,
} from './harness.js';

const CALLER = '3125550199';
const LONG = '8005550130';
const TEST_TIMEOUT = 120_000;

/** The server's JSON log lines. */
function logLines(out: string): Array<Record<string, unknown>> {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(!RUN_INTEROP)('hookline serve stopped during calls (SIGTERM drain)', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess | undefined;
  let capture: Capture | undefined;
  let dir: string;

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    receiver.requests.length = 0;
    dir = await tempDir('hookline-drain-');
  });
  afterEach(async (ctx) => {
    await capture?.stop();
    capture = undefined;
    const dirs = [dir, ...(server ? [server.dir] : [])];
    await server?.stop(1000);
    server = undefined;
    await removeUnlessFailed(ctx.task.result?.state, dirs);
  });

  it('refuses new calls with 503 while the call in progress finishes its IVR and sends its webhook, then exits 0', async () => {
    await preparePcaps(dir);
    const s = (server = await startHookline(interopFlows(hook), { logLevel: 'info' }));
    const mediaPort = await freeMediaPort();
    if (HAS_TSHARK) capture = await captureRtpTo(mediaPort);
    const call = runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: s.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45, mediaPort });
    await until('the call is up', async () => metric(await s.metrics(), 'hookline_calls_active') === 1);
    process.kill(s.pid, 'SIGTERM');
    const termAt = Date.now();

    // Out of rotation, and no new call: a proxy or trunk tries elsewhere, or here again later.
    await until('/healthz says draining', async () => (await fetch(`${s.httpBase}/healthz`)).status === 503);
    expect(await (await fetch(`${s.httpBase}/healthz`)).text()).toBe('draining');
    const refused = await invite(s.sipPort, NUMBER, CALLER);
    expect(refused.split('\r\n')[0]).toBe('SIP/2.0 503 Service Unavailable');
    expect(refused).toMatch(/\r\nRetry-After: 30\r\n/i);

    // The call in progress goes on to its end: its keys, its webhook, hookline's BYE after it.
    const run = await call;
    expect(run.code, `${run.report}\n--- hookline:\n${s.output()}`).toBe(0);
    expect(run.successful, run.report).toBe(1);
    const [req] = await receiver.waitFor(1);
    expectIvrWebhook(req!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
    if (capture) {
      // Its prompts kept coming after the SIGTERM: seconds of audio, not the odd packet.
      const after = capture.packets.filter((p) => p.at > termAt + 200);
      expect(after.filter(loud).length, `${after.length} packets after SIGTERM`).toBeGreaterThan(40);
    }

    expect(await s.exited).toBe(0);
    server = undefined;
    const lines = logLines(s.output());
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('draining: 1 call(s)'))).toBeDefined();
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('drained in'))).toMatchObject({ calls: 1, cutOff: 0, unfinished: 0 });
    expect(errorLogs(s.output())).toEqual([]);
    // The 503 went to one INVITE only: the call counted is SIPp's.
    expect(lines.filter((l) => l.msg === 'incoming call')).toHaveLength(1);
  }, TEST_TIMEOUT);

  it('HOOKLINE_DRAIN_S=2: a call still up hears the goodbye and gets a BYE, ends as shutdown, and its post-call action is queued', async () => {
    const flows = interopFlows(hook) +
      `  - id: 30\n    name: Waits\n    questions:\n      - type: keypad\n        prompt: "Code?"\n        timeout_s: 60\n` +
      `post_call_actions:\n  - url: ${hook}/postcall\n    parameters: [{ name: session, value: call.session_id }, { name: reason, value: call.end_reason }]\n`;
    const s = (server = await startHookline(flows.replace(`"${NUMBER}": ivr/10`, `"${NUMBER}": ivr/10\n  "${LONG}": ivr/30`), { logLevel: 'info', env: { HOOKLINE_DRAIN_S: '2' } }));
    const mediaPort = await freeMediaPort();
    if (HAS_TSHARK) capture = await captureRtpTo(mediaPort);
    const call = runSipp({ scenario: 'wait-for-bye.xml', dir, target: { host: '127.0.0.1', port: s.sipPort }, transport: 'u1', service: LONG, callers: [CALLER], timeoutS: 60, mediaPort });
    await until('the call is up', async () => metric(await s.metrics(), 'hookline_calls_active') === 1);
    await new Promise((r) => setTimeout(r, 3000)); // "Code?" has been said: the line is silent, waiting for keys
    process.kill(s.pid, 'SIGTERM');
    const termAt = Date.now();

    const run = await call;
    const byeAt = Date.now();
    expect(run.code, `${run.report}\n--- hookline:\n${s.output()}`).toBe(0);
    expect(run.successful, run.report).toBe(1);
    // The BYE came after the drain time and the goodbye, not after the question's 3 × 60 s.
    expect(byeAt - termAt).toBeGreaterThanOrEqual(2000);
    expect(byeAt - termAt).toBeLessThan(2000 + 8000);
    if (capture) {
      const loudIn = (from: number, to: number): number => capture!.packets.filter((p) => p.at >= from && p.at < to && loud(p)).length;
      expect(loudIn(termAt + 200, termAt + 1900), 'the line was silent during the drain').toBe(0);
      // The goodbye: over a second of speech between the end of the drain time and the BYE.
      expect(loudIn(termAt + 1900, byeAt)).toBeGreaterThan(50);
    }

    expect(await s.exited).toBe(0);
    server = undefined;
    const out = s.output();
    const lines = logLines(out);
    expect(lines.find((l) => l.msg === 'drain time over: ending 1 call(s) with a goodbye')).toBeDefined();
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('drained in'))).toMatchObject({ calls: 1, cutOff: 1, unfinished: 0 });
    expect(errorLogs(out)).toEqual([]);

    // Written before the process exited: the call's end, and its post-call action (sent, or waiting in
    // the outbox for the next start).
    const db = new BetterSqlite3(path.join(s.dir, 'data', 'hookline.db'), { readonly: true });
    try {
      const calls = db.prepare('select session_id, end_reason, ended_at from calls').all() as Array<{ session_id: string; end_reason: string; ended_at: number }>;
      expect(calls).toEqual([expect.objectContaining({ end_reason: 'shutdown' })]);
      const outbox = db.prepare('select kind, state, payload from outbox').all() as Array<{ kind: string; state: string; payload: string }>;
      expect(outbox.map((o) => o.kind)).toEqual(['post_call']);
      expect(outbox[0]!.payload).toContain('"reason","shutdown"');
      if (outbox[0]!.state === 'delivered') {
        const sent = receiver.requests.filter((r) => r.url.startsWith('/postcall'));
        expect(sent.map((r) => paramsOf(r).get('reason'))).toEqual(['shutdown']);
        expect(paramsOf(sent[0]!).get('session')).toBe(calls[0]!.session_id);
      } else expect(outbox[0]!.state).toBe('pending');
    } finally {
      db.close();
    }
  }, TEST_TIMEOUT);
});
