/**
 * SIPVicious (Debian's `sipvicious`: svmap finds SIP servers, svwar walks their extensions) against
 * `hookline serve` on loopback, as it would run against a server left on the internet. The server takes
 * calls from 127.0.0.1 (the SIPp caller) and 127.0.0.3 (an allowed phone gone bad); 127.0.0.2 is a
 * stranger. What must hold:
 *
 * - SIPVicious as shipped (User-Agent: friendly-scanner) gets nothing back, from anywhere;
 * - disguised as a softphone, a stranger gets 403 (no Server header, so no software or version) three
 *   times, then nothing;
 * - an allowed source walking a range of numbers that holds the routed ones learns nothing that tells
 *   them apart: svwar's verdict is the same for every number, and our own probe sees the same answer
 *   (codes, headers, SDP shape) in the same time for routed and unrouted numbers;
 * - its scan is held to the per-source call budget (503 past it), and a real call placed from another
 *   address during the scans completes with its keys and its webhook.
 *
 * Skipped where SIPVicious or SIPp is missing, except under CI (CI=1), where that fails.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { reportHostile } from '../hostile-report.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import { HAS_SIPP, RUN_INTEROP, metric, preparePcaps, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';
import { HAS_SIPVICIOUS, RUN_SIPVICIOUS, rawCall, sipvicious, tableRows, udpPeer } from './hostile.js';

const CALLER = '3125550199';
/** A second routed number inside the scanned range, beside NUMBER (8005550100). */
const ROUTED_TOO = '8005550107';
const RANGE = { from: 8005550095, to: 8005550110 };
const ROUTED = [NUMBER, ROUTED_TOO];
const STRANGER = '127.0.0.2';
const BAD_PHONE = '127.0.0.3';
const SOFTPHONE = 'Zoiper rv2.10.8.4';

function flows(hook: string): string {
  return interopFlows(hook).replace('numbers:\n', `numbers:\n  "${ROUTED_TOO}": ivr/10\n`);
}

/** Requests svwar sent (with -vv it logs each extension it tries, after its probe of a random one). */
const sentBy = (output: string): number => (output.match(/sending request for/g) ?? []).length + 1;
const inRange = (): string[] => Array.from({ length: RANGE.to - RANGE.from + 1 }, (_, i) => String(RANGE.from + i));
const refused = (text: string, reason: string, action: string): number => metric(text, 'hookline_sip_refused_total', `reason="${reason}",action="${action}"`) ?? 0;

describe.skipIf(!(RUN_SIPVICIOUS && RUN_INTEROP))('SIPVicious against hookline serve', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess;
  let dir: string;

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    dir = await tempDir('hookline-sipvicious-');
    receiver.requests.length = 0;
    server = await startHookline(flows(hook), { rtpSize: 220, env: { HOOKLINE_SIP_ALLOW: `127.0.0.1/32,${BAD_PHONE}/32` } });
  });
  afterEach(async (ctx) => {
    await server.stop();
    await removeUnlessFailed(ctx.task.result?.state, [dir, server.dir]);
  });

  it('svmap and svwar are installed (required under CI)', () => {
    expect(HAS_SIPVICIOUS, 'svmap/svwar not on PATH: apt-get install sipvicious').toBe(true);
    expect(HAS_SIPP, 'sipp not on PATH: apt-get install sip-tester').toBe(true);
  });

  it('svmap finds nothing as shipped; disguised, a stranger reads 403 and no software name', async () => {
    const port = String(server.sipPort);
    for (const from of [STRANGER, '127.0.0.1']) {
      const run = await sipvicious('svmap', ['-p', port, '127.0.0.1'], { cwd: dir, from });
      expect(run.output, run.output).toMatch(/found nothing/);
      expect(tableRows(run.output)).toEqual([]);
      reportHostile({ section: 'scanner', case: `svmap as shipped (friendly-scanner) from ${from === STRANGER ? 'a stranger' : 'an allowed address'}`, tried: 1, answered: 0, dropped: 1, heard: 'nothing' });
    }
    expect(refused(await server.metrics(), 'scanner', 'dropped')).toBe(2);

    const disguised = await sipvicious('svmap', ['-p', port, '127.0.0.1'], { cwd: dir, from: STRANGER, disguise: SOFTPHONE });
    expect(tableRows(disguised.output), disguised.output).toEqual([[`127.0.0.1:${port}`, 'unknown']]);
    expect(disguised.output).not.toMatch(/hookline/i);
    expect(refused(await server.metrics(), 'not_allowed', 'answered')).toBe(1);
    reportHostile({ section: 'sip_allow', case: 'svmap disguised as a softphone, from a stranger', tried: 1, answered: 1, dropped: 0, heard: '403 Forbidden, no Server header (svmap: user agent "unknown")' });
  }, 90_000);

  it('svwar cannot tell routed numbers from unrouted ones, whatever method, from an allowed address or not', async () => {
    const range = `${RANGE.from}-${RANGE.to}`;
    const target = `udp://127.0.0.1:${server.sipPort}`;
    // As shipped: dropped, so svwar decides nobody is there.
    const shipped = await sipvicious('svwar', ['-m', 'INVITE', '-e', range, target], { cwd: dir, from: '127.0.0.1' });
    expect(shipped.output).toMatch(/No server response|found nothing/);
    expect(tableRows(shipped.output)).toEqual([]);
    reportHostile({ section: 'scanner', case: 'svwar -m INVITE as shipped, from an allowed address', tried: 1, answered: 0, dropped: 1, heard: 'nothing (svwar: "no server response")' });

    // Disguised, from an allowed address: every method, every number in the range the same.
    for (const method of ['INVITE', 'REGISTER', 'OPTIONS']) {
      const run = await sipvicious('svwar', ['-vv', '-m', method, '-e', range, target], { cwd: dir, from: '127.0.0.1', disguise: SOFTPHONE });
      const found = new Map(tableRows(run.output));
      const verdicts = new Set(inRange().map((n) => found.get(n) ?? 'not listed'));
      expect([...verdicts], `svwar -m ${method} told numbers apart:\n${run.output}`).toHaveLength(1);
      for (const n of ROUTED) expect(found.get(n) ?? 'not listed').toBe(found.get(String(RANGE.from)) ?? 'not listed');
      reportHostile({ section: 'enumeration', case: `svwar -m ${method} disguised, from an allowed address, ${inRange().length} numbers (2 routed)`, tried: sentBy(run.output), answered: sentBy(run.output), dropped: 0, heard: `every number alike (svwar: ${[...verdicts][0]})` });
    }

    // Disguised, from a stranger: 403 for its probe of a random number and for the first of the range, the
    // same twice, which svwar takes for a server it cannot read, and gives up.
    const stranger = await sipvicious('svwar', ['-vv', '-m', 'INVITE', '--force', '-e', range, target], { cwd: dir, from: STRANGER, disguise: SOFTPHONE });
    const found = new Map(tableRows(stranger.output));
    expect(new Set(inRange().map((n) => found.get(n) ?? 'not listed')).size, stranger.output).toBe(1);
    const text = await server.metrics();
    expect(refused(text, 'not_allowed', 'answered')).toBeGreaterThanOrEqual(1);
    expect(refused(text, 'not_allowed', 'answered')).toBeLessThanOrEqual(3);
    expect(stranger.output).toMatch(/found nothing/);
    reportHostile({ section: 'sip_allow', case: 'svwar -m INVITE disguised, from a stranger', tried: sentBy(stranger.output), answered: refused(text, 'not_allowed', 'answered'), dropped: refused(text, 'not_allowed', 'dropped'), heard: '403 Forbidden (at most 3 a source), then nothing; svwar gives up' });
  }, 180_000);

  it('answers an INVITE to a routed and to an unrouted number alike: same codes, headers and SDP shape, same time', async () => {
    const probe = await udpPeer('127.0.0.1', server.sipPort);
    const timings = { routed: [] as number[], unrouted: [] as number[] };
    const shapes = { routed: new Set<string>(), unrouted: new Set<string>() };
    const place = async (to: string, id: string, port: number): Promise<{ ms: number; shape: string }> => {
      const call = await rawCall(probe, { to, server: server.sipPort, id, rtpPort: port });
      call.hangup();
      await new Promise((r) => setTimeout(r, 100));
      return { ms: call.ms, shape: shape(call.answer, { id, to }) };
    };
    try {
      await place('8005550199', 'warmup', 3998); // the first call of a process pays for warming up
      for (let i = 0; i < 16; i++) {
        // Pairs in both orders, so that neither kind always follows the other.
        const pair = [
          { routed: true, to: ROUTED[i % 2]! },
          { routed: false, to: String(8005550120 + i) },
        ];
        for (const c of i % 2 ? pair.reverse() : pair) {
          const r = await place(c.to, `probe${i}${c.routed ? 'r' : 'u'}`, 4000 + 4 * i + (c.routed ? 0 : 2));
          (c.routed ? timings.routed : timings.unrouted).push(r.ms);
          (c.routed ? shapes.routed : shapes.unrouted).add(r.shape);
        }
      }
    } finally {
      await probe.close();
    }
    expect([...shapes.routed]).toHaveLength(1);
    expect([...shapes.unrouted]).toEqual([...shapes.routed]);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const diff = Math.abs(median(timings.routed) - median(timings.unrouted));
    // Both are "store a call record, answer": the same work; a few ms of noise on a shared machine.
    expect(diff, JSON.stringify(timings)).toBeLessThan(15);
    reportHostile({ section: 'enumeration', case: 'own probe: INVITE to 16 routed and 16 unrouted numbers', tried: 32, answered: 32, dropped: 0, heard: `one answer shape for all; median time to answer ${median(timings.routed).toFixed(1)} ms vs ${median(timings.unrouted).toFixed(1)} ms` });
  }, 60_000);

  it('holds a scan to the call budget, and a real call during the scans completes with its keys and webhook', async () => {
    await preparePcaps(dir);
    const target = `udp://127.0.0.1:${server.sipPort}`;
    const wide = '8005550000-8005550299';
    const before = await server.metrics();
    const [sipp, fromBadPhone, fromStranger] = await Promise.all([
      (async () => {
        await new Promise((r) => setTimeout(r, 500)); // the scans are under way
        return runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 60 });
      })(),
      sipvicious('svwar', ['-m', 'INVITE', '-e', wide, target], { cwd: dir, from: BAD_PHONE, disguise: SOFTPHONE }),
      sipvicious('svwar', ['-m', 'INVITE', '--force', '-e', wide, target], { cwd: dir, from: STRANGER }),
    ]);
    expect(sipp.code, `${sipp.report}\n--- hookline:\n${server.output()}`).toBe(0);
    expect(sipp.successful, sipp.report).toBe(1);
    await until('the real call\'s webhook', () => receiver.requests.some((r) => paramsOf(r).get('ivr_caller_id') === CALLER), 15_000);
    const mine = receiver.requests.filter((r) => paramsOf(r).get('ivr_caller_id') === CALLER);
    expect(mine).toHaveLength(1);
    expectIvrWebhook(mine[0]!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });

    const after = await server.metrics();
    const delta = (reason: string, action: string): number => refused(after, reason, action) - refused(before, reason, action);
    const calls = (metric(after, 'hookline_calls_total', 'direction="inbound"') ?? 0) - (metric(before, 'hookline_calls_total', 'direction="inbound"') ?? 0);
    // The bad phone's scan: 300 numbers and svwar's own probe; the first 50 at once and 10 a second after
    // that become calls, the rest are answered 503 (svwar takes that for "no such number, next").
    expect(delta('call_rate', 'answered'), fromBadPhone.output.slice(-2000)).toBeGreaterThan(100);
    expect(calls - 1).toBeLessThanOrEqual(301 - delta('call_rate', 'answered'));
    expect(delta('scanner', 'dropped')).toBeGreaterThanOrEqual(1);
    expect(tableRows(fromStranger.output)).toEqual([]);
    reportHostile({ section: 'rate_limit', case: 'svwar -m INVITE disguised, from an allowed phone, 300 numbers, during a real call', tried: 301, answered: calls - 1 + delta('call_rate', 'answered'), dropped: 0, heard: `${calls - 1} answered as calls, ${delta('call_rate', 'answered')} answered 503 with Retry-After (the budget: 50 at once, 10 a second)` });
    reportHostile({ section: 'scanner', case: 'svwar -m INVITE as shipped, from a stranger, during a real call', tried: 1, answered: 0, dropped: 1, heard: 'nothing' });
    reportHostile({ section: 'flood', case: 'a SIPp call (RFC 4733 keys) from another address during both scans', tried: 1, answered: 1, dropped: 0, heard: 'the IVR\'s prompts; keys 12345# and 2 reached the webhook' });
  }, 180_000);
});

/** What stays of a response when what differs by construction (our ids, the number dialed, tags, ports, SDP ids) is blanked. */
function shape(res: string, p: { id: string; to: string }): string {
  return res
    .split(p.id).join('ID')
    .split(p.to).join('NUMBER')
    .replace(/tag=[^;\r\n>]+/g, 'tag=T')
    .replace(/rport=\d+/g, 'rport=P')
    .replace(/^o=.*$/m, 'o=...')
    .replace(/^m=audio \d+/m, 'm=audio PORT')
    .replace(/^a=ssrc.*$/gm, '')
    .replace(/Content-Length: \d+/i, 'Content-Length: L');
}
