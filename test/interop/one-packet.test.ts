/**
 * One datagram must never end `hookline serve`. Each case below once did (found by mutating INVITEs and by
 * reading the code): the server must refuse it, say so in its log, stay up, and answer the next good call
 * (SIPp to the IVR, with its webhook arriving). Each case starts its own server so that a crash in one cannot
 * hide behind another.
 *
 * Skipped where SIPp is not installed, except under CI (CI=1), where a missing SIPp fails.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import { RUN_INTEROP, errorLogs, preparePcaps, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';

const CALLER = '3125550199';
/** Where the bad calls go: an IVR that waits a minute for keys and has no webhook, so that the only webhook is the good call's. */
const WAITING = '8005550111';

function flows(hook: string): string {
  return interopFlows(hook)
    .replace('numbers:\n', `numbers:\n  "${WAITING}": ivr/11\n`)
    .replace('ivrs:\n', 'ivrs:\n  - id: 11\n    name: Waits\n    questions:\n      - { type: keypad, prompt: "Hold on.", min_digits: 1, max_digits: 4, terminator: "#", timeout_s: 60 }\n');
}
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

interface Peer {
  sock: Socket;
  port: number;
  replies: string[];
  send(text: string): Promise<void>;
  close(): void;
}

async function peer(serverPort: number): Promise<Peer> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const replies: string[] = [];
  sock.on('message', (m) => replies.push(m.toString('latin1')));
  return {
    sock,
    port: sock.address().port,
    replies,
    send: (text) => new Promise((r) => sock.send(Buffer.from(text, 'latin1'), serverPort, '127.0.0.1', () => r())),
    close: () => sock.close(),
  };
}

interface InviteParts {
  me: number;
  server: number;
  tag: string;
  display?: string;
  contact?: string;
  contentType?: string;
  body?: string;
}

function invite(p: InviteParts): string {
  const body = p.body ?? '';
  return (
    `INVITE sip:${WAITING}@127.0.0.1:${p.server} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${p.me};branch=z9hG4bK-${p.tag}\r\n` +
    `From: ${p.display ?? ''}<sip:3125550100@127.0.0.1:${p.me}>;tag=f-${p.tag}\r\n` +
    `To: <sip:${WAITING}@127.0.0.1>\r\n` +
    `Call-ID: ${p.tag}@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n` +
    `Contact: ${p.contact ?? `<sip:3125550100@127.0.0.1:${p.me}>`}\r\n` +
    (p.contentType ? `Content-Type: ${p.contentType}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
  );
}

/** The ACK for a 2xx (its own transaction): To with the server's tag, a new branch, an optional body. */
function ackFor(ok: string, p: InviteParts, body: string): string {
  const to = /^To: (.*)$/m.exec(ok)?.[1]?.trim() ?? '';
  return (
    `ACK sip:${WAITING}@127.0.0.1:${p.server} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${p.me};branch=z9hG4bK-ack-${p.tag}\r\n` +
    `From: <sip:3125550100@127.0.0.1:${p.me}>;tag=f-${p.tag}\r\n` +
    `To: ${to}\r\n` +
    `Call-ID: ${p.tag}@127.0.0.1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n` +
    `Content-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
}

interface Case {
  name: string;
  /** Sends the fatal packet(s); resolves once the server has had its chance to fall over. */
  run(p: Peer, server: HooklineProcess): Promise<void>;
  /** What the server's log must say it refused. */
  logged: RegExp;
  timeoutMs?: number;
}

const cases: Case[] = [
  {
    name: 'a From with a lone CR in its display name and a body that is not SDP (the 488 copied the From)',
    async run(p, s) {
      await p.send(invite({ me: p.port, server: s.sipPort, tag: 'cr488', display: '"a\rb" ', contentType: 'application/sdp', body: 'this is not SDP' }));
    },
    logged: /"problem":"line break in From header value","msg":"sip: dropped malformed message"/,
  },
  {
    name: 'a From with a lone CR in its display name and a valid SDP offer (the 200 threw; so did the 100 Trying timer)',
    async run(p, s) {
      await p.send(invite({ me: p.port, server: s.sipPort, tag: 'cr200', display: '"a\rb" ', contentType: 'application/sdp', body: SDP }));
      await new Promise((r) => setTimeout(r, 1000));
    },
    logged: /"problem":"line break in From header value","msg":"sip: dropped malformed message"/,
  },
  {
    name: 'an INVITE without SDP whose Contact cannot be routed to (tel:, then transport=sctp), then an ACK whose body is not SDP (the BYE could not be routed)',
    async run(p, s) {
      // A tel: Contact can never be a remote target: refused before any call exists (RFC 3261 §8.1.1.8).
      await p.send(invite({ me: p.port, server: s.sipPort, tag: 'tel', contact: '<tel:+13125550100>' }));
      await until('the 400', () => p.replies.some((r) => /^SIP\/2\.0 400 Bad Request \(an INVITE needs exactly one SIP or SIPS Contact\)/.test(r)), 10_000);
      // A SIP Contact naming a transport we lack passes that check, and the call is answered.
      const parts: InviteParts = { me: p.port, server: s.sipPort, tag: 'sctpack', contact: `<sip:3125550100@127.0.0.1:${p.port};transport=sctp>` };
      await p.send(invite(parts));
      await until('the 200 OK', () => p.replies.some((r) => r.startsWith('SIP/2.0 200')), 10_000);
      await p.send(ackFor(p.replies.find((r) => r.startsWith('SIP/2.0 200'))!, parts, 'not an SDP answer'));
      await new Promise((r) => setTimeout(r, 1000));
    },
    logged: /late-offer answer unusable; hanging up[\s\S]*BYE cannot be routed/,
  },
  {
    name: 'a Contact with transport=sctp and no ACK (the BYE after the 2xx retransmissions gave up could not be routed)',
    async run(p, s) {
      await p.send(invite({ me: p.port, server: s.sipPort, tag: 'sctp', contact: `<sip:3125550100@127.0.0.1:${p.port};transport=sctp>`, contentType: 'application/sdp', body: SDP }));
      await until('the 200 OK', () => p.replies.some((r) => r.startsWith('SIP/2.0 200')), 10_000);
      // 64*T1 = 32 s of 2xx retransmissions, then the BYE.
      await until('the server to give up on the ACK', () => /BYE cannot be routed/.test(s.output()), 45_000);
    },
    logged: /no ACK for our answer; hanging up[\s\S]*BYE cannot be routed/,
    timeoutMs: 120_000,
  },
];

describe.skipIf(!RUN_INTEROP)('one datagram never ends hookline serve', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    receiver.requests.length = 0;
    dir = await tempDir('hookline-onepacket-');
  });
  afterEach(async (ctx) => {
    const dirs = [dir, ...(server ? [server.dir] : [])];
    await server?.stop();
    server = undefined;
    await removeUnlessFailed(ctx.task.result?.state, dirs);
  });

  it.each(cases)('$name', async (c) => {
    await preparePcaps(dir);
    const s = (server = await startHookline(flows(hook), { logLevel: 'info' }));
    let exitCode: number | null | undefined;
    void s.exited.then((code) => (exitCode = code));
    const p = await peer(s.sipPort);
    try {
      await c.run(p, s);
    } finally {
      p.close();
    }
    await until(`the log to say ${c.logged}`, () => c.logged.test(s.output()), 5_000).catch(() => undefined);
    expect(exitCode, s.output()).toBeUndefined();
    expect(s.output()).toMatch(c.logged);

    // The next good call still gets through, webhook and all.
    const run = await runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: s.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45 });
    expect(run.code, `${run.report}\n--- hookline:\n${s.output()}`).toBe(0);
    const [req] = await receiver.waitFor(1);
    expectIvrWebhook(req!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
    expect(exitCode, s.output()).toBeUndefined();
    // Refusing a peer's packet is a warning, never an error: nothing of ours failed.
    expect(errorLogs(s.output())).toEqual([]);
  }, 150_000);
});
