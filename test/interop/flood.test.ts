/**
 * A flood must not take audio or answers from the calls in progress. `hookline serve` takes calls from
 * 127.0.0.1 (SIPp, and a call whose audio a separate process times) and 127.0.0.3; while a SIPp caller
 * goes through the IVR, a stranger (127.0.0.2) floods INVITEs and OPTIONS and the allowed 127.0.0.3
 * floods OPTIONS, each a few thousand a second. What must hold: the SIPp call completes with its keys
 * and its webhook; the timed call's audio keeps coming every 20 ms (bench/rtp-sink.ts measures the
 * intervals, beside a baseline taken before the flood); the stranger gets at most three 403s and
 * nothing else; the allowed flooder gets no more answers than its message budget (400 at once, then
 * 200 a second), and what was dropped shows in /metrics.
 *
 * Skipped where SIPp is not installed, except under CI (CI=1), where a missing SIPp fails.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { reportHostile } from '../hostile-report.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import { RUN_INTEROP, errorLogs, freePort, metric, preparePcaps, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';
import { flood, rawCall, rtpSink, udpPeer, type SinkStats } from './hostile.js';

const CALLER = '3125550199';
/** Where the timed calls go: an IVR that says one thing and then waits, sending silence every 20 ms. */
const WAITING = '8005550111';
const FLOOD_S = 12;
const FLOOD_RATE = 5000;

function flows(hook: string): string {
  return interopFlows(hook)
    .replace('numbers:\n', `numbers:\n  "${WAITING}": ivr/11\n`)
    .replace('ivrs:\n', 'ivrs:\n  - id: 11\n    name: Waits\n    questions:\n      - { type: keypad, prompt: "Hold on.", min_digits: 1, max_digits: 4, terminator: "#", timeout_s: 60 }\n');
}

/** Audio of one call to WAITING, received by a process of its own for `seconds`. */
async function timedCall(server: HooklineProcess, id: string, seconds: number): Promise<SinkStats> {
  const port = await freePort();
  const sink = await rtpSink(port);
  const peer = await udpPeer('127.0.0.1', server.sipPort);
  try {
    const call = await rawCall(peer, { to: WAITING, server: server.sipPort, id, rtpPort: port });
    expect(call.answer).toMatch(/^SIP\/2\.0 200 /);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const stats = await sink.stop();
    call.hangup();
    return stats;
  } finally {
    await peer.close();
  }
}

describe.skipIf(!RUN_INTEROP)('a flood beside calls in progress', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess;
  let dir: string;

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    dir = await tempDir('hookline-flood-');
    server = await startHookline(flows(hook), { env: { HOOKLINE_SIP_ALLOW: '127.0.0.1/32,127.0.0.3/32' } });
  });
  afterEach(async (ctx) => {
    await server.stop();
    await removeUnlessFailed(ctx.task.result?.state, [dir, server.dir]);
  });

  it('keeps the calls in progress whole: their keys, their webhook, their audio every 20 ms', async () => {
    await preparePcaps(dir);
    const baseline = await timedCall(server, 'quiet', 4);

    const floods = Promise.all([
      flood({ cwd: dir, from: '127.0.0.2', server: server.sipPort, seconds: FLOOD_S, perSecond: FLOOD_RATE, kinds: ['INVITE', 'OPTIONS'], to: NUMBER }),
      flood({ cwd: dir, from: '127.0.0.3', server: server.sipPort, seconds: FLOOD_S, perSecond: FLOOD_RATE, kinds: ['OPTIONS'], to: NUMBER }),
    ]);
    await new Promise((r) => setTimeout(r, 1000)); // the floods are under way
    const [sipp, during] = await Promise.all([
      runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 60 }),
      timedCall(server, 'flooded', 4),
    ]);
    const [stranger, allowed] = await floods;

    // The call in progress: its keys reached the webhook, and it ended as it should.
    expect(sipp.code, `${sipp.report}\n--- hookline:\n${server.output()}`).toBe(0);
    expect(sipp.successful, sipp.report).toBe(1);
    await until('the webhook', () => receiver.requests.some((r) => paramsOf(r).get('ivr_caller_id') === CALLER), 15_000);
    expectIvrWebhook(receiver.requests.find((r) => paramsOf(r).get('ivr_caller_id') === CALLER)!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
    // Its audio: every 20 ms packet of the 4 s arrived, most of them within a few ms of their time. The
    // tail is bounded loosely: on a 2-core machine the flooders, SIPp and the sink share the cores with
    // the server, and the quiet baseline itself shows stalls of tens of ms; the numbers are reported.
    const both = JSON.stringify({ baseline, during });
    expect(during.packets, both).toBeGreaterThanOrEqual(190);
    expect(during.interval_deviation_ms.p50, both).toBeLessThan(5);
    expect(during.interval_deviation_ms.p99, both).toBeLessThan(Math.max(150, 3 * baseline.interval_deviation_ms.p99));

    // The stranger: three 403s at most, and nothing else (no call, no 100 Trying, no 503).
    expect(stranger.sent).toBeGreaterThan(FLOOD_RATE * (FLOOD_S - 2));
    expect(Object.keys(stranger.answers).filter((s) => s !== '403'), JSON.stringify(stranger)).toEqual([]);
    expect(stranger.answers['403'] ?? 0).toBeLessThanOrEqual(3);
    // The allowed flooder: no more answers than its budget allows (400 at once, 200 a second after).
    const answered = Object.values(allowed.answers).reduce((a, b) => a + b, 0);
    expect(answered, JSON.stringify(allowed)).toBeLessThanOrEqual(400 + 200 * (allowed.ms / 1000 + 1));
    expect(answered).toBeGreaterThan(200 * (FLOOD_S - 2));
    const text = await server.metrics();
    const dropped = metric(text, 'hookline_sip_refused_total', 'reason="message_rate",action="dropped"') ?? 0;
    expect(dropped).toBeGreaterThan(allowed.sent - answered - 100);
    expect(errorLogs(server.output())).toEqual([]);

    const fmt = (s: SinkStats): string => `p50 ${s.interval_deviation_ms.p50} ms, p99 ${s.interval_deviation_ms.p99} ms, max ${s.interval_deviation_ms.max} ms`;
    reportHostile({ section: 'sip_allow', case: `a flood of INVITE+OPTIONS from a stranger, ${FLOOD_RATE}/s for ${FLOOD_S} s`, tried: stranger.sent, answered: stranger.answers['403'] ?? 0, dropped: stranger.sent - (stranger.answers['403'] ?? 0), heard: `403 x${stranger.answers['403'] ?? 0}, then nothing` });
    reportHostile({ section: 'rate_limit', case: `a flood of OPTIONS from an allowed address, ${FLOOD_RATE}/s for ${FLOOD_S} s`, tried: allowed.sent, answered, dropped: allowed.sent - answered, heard: `200 OK to ${answered} within the budget, the rest dropped unparsed` });
    reportHostile({ section: 'flood', case: 'a SIPp call (RFC 4733 keys) and a timed call during both floods', tried: 2, answered: 2, dropped: 0, heard: `the prompts and the webhook; audio ${during.packets} packets in 4 s, interval deviation ${fmt(during)} (quiet: ${fmt(baseline)})` });
  }, 120_000);
});
