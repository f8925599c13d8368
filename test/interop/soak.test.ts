/**
 * A bounded soak: 50 concurrent SIPp calls through the whole IVR with RFC 4733 keys, against one
 * `hookline serve`. No call may fail, no key may be lost or doubled, and once the calls end the server
 * must hold no call and no RTP socket, and still stop cleanly. Prints wall time, CPU per call and peak RSS.
 *
 * Skipped where SIPp is not installed, except under CI (CI=1), where a missing SIPp fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import {
  HAS_SIPP, RUN_INTEROP, cpuMsOf, errorLogs, memoryOf, metric, preparePcaps, removeUnlessFailed, runSipp, startHookline, udpPortsOf, until,
  waitIdle,
  type HooklineProcess,
} from './harness.js';

const CALLS = 50;
const callers = Array.from({ length: CALLS }, (_, i) => String(3125550100 + i));

describe.skipIf(!RUN_INTEROP)('soak: 50 concurrent SIPp calls', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess | undefined;

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.stop();
    await receiver.stop();
  });

  it('sipp is installed (required under CI)', () => {
    expect(HAS_SIPP, 'sipp is not on PATH: install SIPp 3.6 (Debian/Ubuntu: apt-get install sip-tester)').toBe(true);
  }, 60_000);

  it(`runs ${CALLS} concurrent calls with no failed call, no lost or doubled key, and releases every call and RTP socket`, async () => {
    const dir = await tempDir('hookline-soak-');
    await preparePcaps(dir);
    const s = (server = await startHookline(interopFlows(hook), { rtpSize: 200 }));
    const inRtpRange = (p: number): boolean => p >= s.rtp.min && p <= s.rtp.max;
    const baselineUdp = await udpPortsOf(s.pid);
    expect(baselineUdp.filter(inRtpRange)).toEqual([]);
    // Startup work (text-to-speech warm-up of the flows' prompts) runs in the background after "SIP on":
    // let it finish so that the figures below are the calls' own.
    const startupCpuMs = await waitIdle(s.pid);
    const cpuBefore = await cpuMsOf(s.pid);
    const memBefore = await memoryOf(s.pid);

    // Sample the server while the calls run: the socket listing must see the RTP sockets come (else the
    // "all released" check below would prove nothing), and the gauge must see the calls overlap.
    let sampling = true;
    let peakRtpSockets = 0;
    let peakActive = 0;
    const sampler = (async () => {
      while (sampling) {
        peakRtpSockets = Math.max(peakRtpSockets, (await udpPortsOf(s.pid).catch(() => [])).filter(inRtpRange).length);
        const active = metric(await s.metrics().catch(() => ''), 'hookline_calls_active') ?? 0;
        peakActive = Math.max(peakActive, active);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const wallStart = Date.now();
    const run = await runSipp({
      scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: s.sipPort }, transport: 'u1', service: NUMBER,
      callers, calls: CALLS, limit: CALLS, rate: CALLS, timeoutS: 60,
    });
    const wallMs = Date.now() - wallStart;
    await until('every webhook', () => receiver.requests.length >= CALLS, 10_000).catch(() => undefined);
    await until('hookline_calls_active 0', async () => metric(await s.metrics(), 'hookline_calls_active') === 0, 10_000);
    await until('every RTP socket closed', async () => (await udpPortsOf(s.pid)).filter(inRtpRange).length === 0, 10_000).catch(() => undefined);
    sampling = false;
    await sampler;
    const cpuAfter = await cpuMsOf(s.pid);
    const mem = await memoryOf(s.pid);
    const m = await s.metrics();
    const afterUdp = await udpPortsOf(s.pid);

    const figures = {
      calls: CALLS,
      sippWallMs: wallMs,
      startupCpuMs: Math.round(startupCpuMs),
      serverCpuMs: Math.round(cpuAfter - cpuBefore),
      cpuMsPerCall: Math.round((cpuAfter - cpuBefore) / CALLS),
      rssBeforeMiB: Math.round(memBefore.rssMiB),
      peakRssMiB: Math.round(mem.peakRssMiB),
      rssAfterMiB: Math.round(mem.rssMiB),
      peakActiveCalls: peakActive,
      peakRtpSockets,
    };
    console.log(`[soak] ${JSON.stringify(figures)}`);

    // SIPp: every call completed its scenario (INVITE, keys, our BYE, 200).
    expect(run.code, `${run.report}\n--- hookline:\n${s.output()}`).toBe(0);
    expect(run.successful, run.report).toBe(CALLS);
    expect(run.failed, run.report).toBe(0);

    // One webhook a call, with every key exactly once.
    expect(receiver.requests).toHaveLength(CALLS);
    for (const req of receiver.requests) {
      const caller = paramsOf(req).get('ivr_caller_id') ?? '';
      expect(callers).toContain(caller);
      expectIvrWebhook(req, { caller, completed: '1', account: '12345', dept: 'support' });
    }
    expect(new Set(receiver.requests.map((r) => paramsOf(r).get('ivr_caller_id'))).size).toBe(CALLS);
    expect(new Set(receiver.requests.map((r) => paramsOf(r).get('ivr_session_id'))).size).toBe(CALLS);
    expect(new Set(receiver.requests.map((r) => paramsOf(r).get('ivr_response_id'))).size).toBe(CALLS);

    // The calls overlapped, and the server counted and then released every one of them.
    expect(peakActive, JSON.stringify(figures)).toBeGreaterThan(CALLS / 2);
    expect(peakRtpSockets, JSON.stringify(figures)).toBeGreaterThanOrEqual(CALLS); // RTP + RTCP a call
    expect(metric(m, 'hookline_calls_active'), m).toBe(0);
    expect(metric(m, 'hookline_calls_total', 'direction="inbound"'), m).toBe(CALLS);
    expect(metric(m, 'hookline_webhook_requests_total', 'outcome="ok"'), m).toBe(CALLS);
    expect(afterUdp.filter(inRtpRange), `UDP sockets still open: ${afterUdp.join(', ')}`).toEqual([]);
    expect(afterUdp).toEqual(baselineUdp);

    expect(wallMs).toBeLessThan(60_000);
    const code = await s.stop();
    server = undefined;
    expect(code, s.output()).toBe(0);
    expect(errorLogs(s.output())).toEqual([]);
    await removeUnlessFailed('pass', [dir, s.dir]);
  }, 120_000);
});
