/**
 * hookline against SIPp on 127.0.0.1: real SIP (UDP and TCP), real RTP, keys as RFC 4733 events and as
 * in-band tones, a caller hanging up part-way, and malformed datagrams beside a good call. Each test starts
 * its own `hookline serve` (built: `npm run build` first) with a flows file whose webhook points at a local
 * WebhookReceiver, and checks that the webhook carries what the simulator's does (test/simulate.test.ts).
 *
 * Skipped where SIPp is not installed, except under CI (CI=1), where a missing SIPp fails.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import {
  HAS_SIPP, RUN_INTEROP, errorLogs, metric, preparePcaps, runSipp, removeUnlessFailed, startHookline, until, udpPortsOf, writeInbandDtmf,
  type HooklineProcess,
} from './harness.js';

const CALLER = '3125550199';
const TEST_TIMEOUT = 90_000;

describe.skipIf(!RUN_INTEROP)('hookline serve against SIPp', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess | undefined;
  let dir: string;
  /** Data dirs of servers already stopped by the test, removed after it unless it failed. */
  const serverDirs: string[] = [];

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.setHandler(() => ({ body: HANGUP }));
    dir = await tempDir('hookline-sipp-');
  });
  afterEach(async (ctx) => {
    const dirs = [dir, ...serverDirs.splice(0), ...(server ? [server.dir] : [])];
    await server?.stop();
    server = undefined;
    await removeUnlessFailed(ctx.task.result?.state, dirs);
  });

  /** Stops the server the way an operator does and checks that it exits cleanly with no call or RTP socket left. */
  async function stopCleanly(s: HooklineProcess): Promise<void> {
    serverDirs.push(s.dir);
    await until('hookline_calls_active 0', async () => metric(await s.metrics(), 'hookline_calls_active') === 0);
    await until('every RTP socket closed', async () => (await udpPortsOf(s.pid)).every((p) => p < s.rtp.min || p > s.rtp.max));
    const code = await s.stop();
    server = undefined;
    expect(code, s.output()).toBe(0);
    expect(errorLogs(s.output())).toEqual([]);
  }

  it('sipp is installed (required under CI)', () => {
    expect(HAS_SIPP, 'sipp is not on PATH: install SIPp 3.6 (Debian/Ubuntu: apt-get install sip-tester)').toBe(true);
  }, 60_000);

  it.each([
    ['UDP', 'u1', {}],
    ['TCP', 't1', {}],
    // Due audio sent at the control plane's preemption points (SIP, RTP, store, webhook): the same call.
    ['UDP with HOOKLINE_MEDIA_PRIORITY=audio', 'u1', { HOOKLINE_MEDIA_PRIORITY: 'audio' }],
  ] as const)('takes RFC 4733 keys over %s: account 12345#, menu 2, each key once; hangs up on <app>hangup</app>', async (_name, transport, env) => {
    await preparePcaps(dir);
    server = await startHookline(interopFlows(hook), { env });
    const run = await runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport, service: NUMBER, callers: [CALLER], timeoutS: 45 });
    expect(run.code, `${run.report}\n--- hookline:\n${server.output()}`).toBe(0);
    expect(run.successful, run.report).toBe(1);
    expect(run.failed, run.report).toBe(0);
    const [req] = await receiver.waitFor(1);
    expect(receiver.requests).toHaveLength(1);
    expectIvrWebhook(req!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
    expect(metric(await server.metrics(), 'hookline_calls_total', 'direction="inbound"')).toBe(1);
    await stopCleanly(server);
  }, TEST_TIMEOUT);

  it('sends webhooks written as paths to its own HTTP server on the port it bound, and logs and counts every kind', async () => {
    await preparePcaps(dir);
    // --http-port 0: whatever port the server gets, /demo/hook?... reaches its own demo webhook (--demo).
    const flows = interopFlows('').replace('url: /hook?source=ivr10', 'url: /demo/hook?step=done') +
      'post_call_actions:\n  - url: /demo/hook?step=postcall\n    parameters: [{ name: session, value: call.session_id }]\n';
    server = await startHookline(flows, { args: ['--demo'], logLevel: 'info' });
    const run = await runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45 });
    expect(run.code, `${run.report}\n--- hookline:\n${server.output()}`).toBe(0);
    const s = server;
    await until('the post-call action delivered', async () => metric(await s.metrics(), 'hookline_webhook_requests_total', 'kind="post_call",outcome="ok"') === 1);
    const text = await s.metrics();
    expect(metric(text, 'hookline_webhook_requests_total', 'kind="ivr",outcome="ok"')).toBe(1);
    expect(metric(text, 'hookline_webhook_latency_seconds_count', 'kind="post_call"')).toBe(1);
    expect(metric(text, 'hookline_outbox_pending')).toBe(0);
    expect(text).toContain('# TYPE hookline_webhook_deliveries_given_up_total counter');

    // The log tells the webhook exchange of the call at info: request, then response, with the session.
    const lines = s.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const sessionId = lines.find((l) => l.msg === 'incoming call')?.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    const exchange = lines.filter((l) => l.msg === 'webhook request' || l.msg === 'webhook response');
    expect(exchange.map((l) => [l.msg, l.kind, l.url, l.sessionId, l.status])).toEqual([
      ['webhook request', 'ivr', '/demo/hook?step=done', sessionId, undefined],
      ['webhook response', 'ivr', '/demo/hook?step=done', sessionId, 200],
      ['webhook request', 'post_call', '/demo/hook?step=postcall', sessionId, undefined],
      ['webhook response', 'post_call', '/demo/hook?step=postcall', sessionId, 200],
    ]);
    expect(exchange[1]!.bytes).toBe('<action><app>hangup</app></action>'.length);
    await stopCleanly(server);
  }, TEST_TIMEOUT);

  it.each([
    ['', {}],
    [' with HOOKLINE_MEDIA_PRIORITY=audio', { HOOKLINE_MEDIA_PRIORITY: 'audio' }],
  ] as const)('takes in-band DTMF (PCMU without telephone-event)%s: the same webhook, each key once', async (_name, env) => {
    await writeInbandDtmf(path.join(dir, 'inband-dtmf.ulaw'), [
      { keys: '12345#', leadMs: 500 },
      { keys: '2', leadMs: 1000 },
    ]);
    server = await startHookline(interopFlows(hook), { env });
    const run = await runSipp({ scenario: 'inband-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45 });
    expect(run.code, `${run.report}\n--- hookline:\n${server.output()}`).toBe(0);
    expect(run.successful, run.report).toBe(1);
    const [req] = await receiver.waitFor(1);
    expect(receiver.requests).toHaveLength(1);
    expectIvrWebhook(req!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
    await stopCleanly(server);
  }, TEST_TIMEOUT);

  it('sends the webhook with ivr_completed=0 and the answers so far when the caller hangs up part-way', async () => {
    await preparePcaps(dir);
    server = await startHookline(interopFlows(hook, { menuTimeoutS: 10 }));
    const run = await runSipp({ scenario: 'hangup-partway.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 30 });
    const byeDone = Date.now();
    expect(run.code, `${run.report}\n--- hookline:\n${server.output()}`).toBe(0);
    const [req] = await receiver.waitFor(1, 15_000);
    expectIvrWebhook(req!, { caller: CALLER, completed: '0', account: '12345', dept: '' });
    // Sent on the hang-up, not after the menu's own timeouts (3 x 10 s), and only once.
    expect(req!.at - byeDone).toBeLessThan(3_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(1);
    await stopCleanly(server);
  }, TEST_TIMEOUT);

  it('answers malformed datagrams with 400 or drops them, and a concurrent call still succeeds', async () => {
    await preparePcaps(dir);
    server = await startHookline(interopFlows(hook));
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const me = sock.address().port;
    const replies: string[] = [];
    sock.on('message', (m) => replies.push(m.toString('latin1')));
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const headers = (method: string, branch: string): string =>
      `${method} sip:${NUMBER}@127.0.0.1:${server!.sipPort} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-${branch}\r\n` +
      `From: <sip:3125550100@127.0.0.1:${me}>;tag=bad-${branch}\r\n` +
      `To: <sip:${NUMBER}@127.0.0.1>\r\n` +
      `CSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContact: <sip:3125550100@127.0.0.1:${me}>\r\n`;
    const bad: Array<[string, Buffer]> = [
      ['random bytes', randomBytes(300)],
      ['text that is not SIP', Buffer.from('hello there, this is not SIP\r\n\r\n')],
      ['a request line only', Buffer.from(`INVITE sip:${NUMBER}@127.0.0.1 SIP/2.0\r\n\r\n`)],
      ['INVITE without Call-ID', Buffer.from(`${headers('INVITE', 'nocallid1')}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`)],
      ['OPTIONS without Call-ID', Buffer.from(`${headers('OPTIONS', 'nocallid2')}Content-Length: 0\r\n\r\n`)],
      ['a Via with no branch or host', Buffer.from(`OPTIONS sip:${NUMBER}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`)],
      ['a huge Content-Length', Buffer.from(`${headers('OPTIONS', 'cl')}Call-ID: cl@x\r\nContent-Length: 99999999\r\n\r\n`)],
    ];
    const send = (b: Buffer): Promise<void> => new Promise((r) => sock.send(b, server!.sipPort, '127.0.0.1', () => r()));

    // The good call runs while the garbage arrives: its keys go out over the next ~3 s.
    const call = runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45 });
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 400));
      for (const [, b] of bad) await send(b);
    }
    const run = await call;
    sock.close();
    expect(run.code, `${run.report}\n--- hookline:\n${server.output()}`).toBe(0);
    const [req] = await receiver.waitFor(1);
    expectIvrWebhook(req!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });

    // Whatever was answered was answered 400 (never 2xx, never a call), at most once per datagram.
    expect(replies.length).toBeLessThanOrEqual(bad.length * 3);
    for (const r of replies) expect(r.split('\r\n')[0], replies.join('\n----\n')).toMatch(/^SIP\/2\.0 400 /);
    // Nothing malformed reached the IVR: the one call counted is SIPp's.
    const m = await server.metrics();
    expect(metric(m, 'hookline_calls_total', 'direction="inbound"'), m).toBe(1);
    expect((await fetch(server.httpBase + '/healthz')).status).toBe(200);
    await stopCleanly(server);
  }, TEST_TIMEOUT);
});
