import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Pacer } from '../../media/pacer.js';
import { encodeUlaw } from '../../media/g711.js';
import { tone } from '../../media/tones.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { negotiate } from '../../sdp/index.js';
import { createSipEndpoint, Dialog, type InviteServerTransaction, type SipEndpoint, type SipRequest, type ServerTransaction } from '../../sip/index.js';
import { digestGuard } from '../../sip/auth-test-kit.js';
import type { PlayablePart } from '../types.js';
import type { PromptRenderer } from './renderer.js';
import { TelephonyServer } from './server.js';
import { parseTrunk, type TrunkConfig } from './trunk.js';
import type { DialRequest } from './outbound.js';
import { buildInvite, dialString, outcomeOf } from './outbound.js';
import { TelephonyCall, type OutboundServices } from './call.js';
import type { MediaChannel } from './media-channel.js';

const renderer = {
  render: async (p: PlayablePart) => encodeUlaw(tone([1000], 'text' in p ? Number(p.text) : 100)),
} as unknown as PromptRenderer;
const farPorts = new PortAllocator(19300, 19399);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  for (const end = Date.now() + ms; !cond(); await sleep(10)) if (Date.now() > end) throw new Error('timed out waiting');
};

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

type InviteHandler = (req: SipRequest, tx: InviteServerTransaction) => void;

/** A far end (our own SIP stack, on its own port) standing in for the trunk, and a server dialling it. */
async function setup(trunk: Partial<TrunkConfig> = {}) {
  const far = { onInvite: (() => undefined) as InviteHandler, requests: [] as SipRequest[], acks: [] as SipRequest[], cancels: 0 };
  const farEp: SipEndpoint = await createSipEndpoint({
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    onRequest: (req, tx: ServerTransaction) => {
      far.requests.push(req);
      if (req.method !== 'INVITE') return void tx.respond(200);
      const itx = tx as InviteServerTransaction;
      itx.onCancel(() => far.cancels++);
      far.onInvite(req, itx);
    },
    onAck: (ack) => far.acks.push(ack),
  });
  const pacer = new Pacer();
  const server = await TelephonyServer.start({
    host: '127.0.0.1',
    sipPort: 0,
    rtpPorts: { min: 19100, max: 19299 },
    clock: systemClock,
    logger: silentLogger,
    pacer,
    renderer,
    userAgent: 'hookline-test',
    onCall: () => undefined,
    trunk: { host: '127.0.0.1', port: farEp.transport(trunk.transport ?? 'UDP')!.port, transport: 'UDP', maxLegs: 10, ...trunk },
  });
  cleanup.push(async () => {
    await server.close();
    await farEp.close();
    pacer.close();
  });
  const dial = (o: Partial<DialRequest> = {}) =>
    server.trunk!.dial({ sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '3125550199', timeoutMs: 2000, logger: silentLogger, ...o });
  /** Answers with SDP from an RTP session of its own, which records what arrives. */
  const answer = async (req: SipRequest, tx: InviteServerTransaction) => {
    const rtp = await RtpSession.open({ allocator: farPorts, bindAddress: '127.0.0.1', payloadType: 0 });
    const n = negotiate(req.text, { address: '127.0.0.1', port: rtp.localPort });
    rtp.update({ payloadType: n.payloadType, remote: n.remote, ...(n.telephoneEventPt !== undefined ? { telephoneEventPt: n.telephoneEventPt } : {}) });
    const packets: Uint8Array[] = [];
    rtp.on('audio', (p) => packets.push(Uint8Array.from(p)));
    cleanup.push(() => rtp.close());
    const ok = tx.respond(200, 'OK', { headers: { 'Content-Type': 'application/sdp' }, body: n.answerSdp })!;
    return { dialog: Dialog.fromUas(req, ok), packets, codec: n.codec, rtp };
  };
  return { far, farEp, server, dial, answer, pacer };
}

describe('outbound legs through the trunk (a SIP far end on 127.0.0.1)', () => {
  it('INVITEs sip:<number>@trunk with PCMU, PCMA and telephone-event and the caller id in From; 180, 200, ACK: an answered leg', async () => {
    const s = await setup();
    let far: Awaited<ReturnType<typeof s.answer>> | undefined;
    s.far.onInvite = (req, tx) => {
      tx.respond(180);
      setTimeout(() => void s.answer(req, tx).then((a) => (far = a)), 50);
    };
    const r = await s.dial();
    expect(r.outcome).toBe('answered');
    const invite = s.far.requests[0]!;
    expect(invite.get('To')).toBe(`<sip:3125550101@127.0.0.1:${s.farEp.transport('UDP')!.port}>`);
    expect(invite.from.uri).toMatchObject({ user: '3125550199' });
    expect(invite.text).toMatch(/m=audio \d+ RTP\/AVP 0 8 101/);
    expect(invite.text).toContain('a=rtpmap:101 telephone-event/8000');
    await until(() => s.far.acks.length === 1);
    expect(s.server.trunk!.activeLegs).toBe(1);

    // The leg plays to the far end like any call, and the far end's BYE ends it.
    await r.leg!.play([{ text: '200' }]);
    await until(() => far!.packets.length >= 9);
    s.farEp.sendRequest(far!.dialog.createRequest('BYE'));
    expect(await r.leg!.ended).toBe('remote_hangup');
    expect(r.leg!.hungUp).toBe(true);
    await until(() => s.server.trunk!.activeLegs === 0);
  });

  it('screening works on the leg: it plays to the callee and collects their RFC 4733 key', async () => {
    const s = await setup();
    let far: Awaited<ReturnType<typeof s.answer>> | undefined;
    s.far.onInvite = (req, tx) => void s.answer(req, tx).then((a) => (far = a));
    const r = await s.dial();
    const leg = r.leg!;
    await leg.play([{ text: '100' }], { bargeIn: true });
    await until(() => far !== undefined && far.packets.length >= 4);
    // The far end's session sends its event packets on ticks of its own.
    const off = s.pacer.register({ tick: () => far!.rtp.sendFrame(null) });
    const collected = leg.collectDigits({ maxDigits: 1, terminators: '', firstDigitTimeoutMs: 3000, interDigitTimeoutMs: 3000 });
    await far!.rtp.sendDigits('1');
    off();
    expect(await collected).toEqual({ digits: '1', reason: 'max' });
    await leg.hangup();
  });

  it('places and ends a leg over TCP on the trunk connection', async () => {
    const s = await setup({ transport: 'TCP' });
    s.far.onInvite = (req, tx) => void s.answer(req, tx);
    const r = await s.dial();
    expect(r.outcome).toBe('answered');
    expect(s.far.requests[0]!.uri).toMatchObject({ params: new Map([['transport', 'tcp']]) });
    expect(s.far.requests[0]!.topVia).toMatchObject({ transport: 'TCP' });
    await until(() => s.far.acks.length === 1);
    await r.leg!.hangup();
    await until(() => s.far.requests.some((q) => q.method === 'BYE'));
  });

  it('leg.hangup() sends BYE in the dialog', async () => {
    const s = await setup();
    s.far.onInvite = (req, tx) => void s.answer(req, tx);
    const r = await s.dial();
    await r.leg!.hangup();
    await until(() => s.far.requests.some((q) => q.method === 'BYE'));
    const bye = s.far.requests.find((q) => q.method === 'BYE')!;
    expect(bye.callId).toBe(s.far.requests[0]!.callId);
    expect(await r.leg!.ended).toBe('local_hangup');
    expect(s.server.trunk!.activeLegs).toBe(0);
  });

  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [480, 'no_answer'],
    [408, 'no_answer'],
    [404, 'failed'],
    [503, 'failed'],
  ])('a %i final response is %s', async (status, outcome) => {
    const s = await setup();
    s.far.onInvite = (_req, tx) => {
      tx.respond(180);
      tx.respond(status);
    };
    expect(await s.dial()).toEqual({ outcome });
    expect(s.server.trunk!.activeLegs).toBe(0);
  });

  it('rings past timeoutMs: CANCEL, and no_answer', async () => {
    const s = await setup();
    s.far.onInvite = (_req, tx) => void tx.respond(180);
    const started = Date.now();
    expect(await s.dial({ timeoutMs: 300 })).toEqual({ outcome: 'no_answer' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await until(() => s.far.cancels === 1);
    await until(() => s.server.trunk!.activeLegs === 0);
  });

  it('an aborted signal CANCELs the ringing leg: canceled', async () => {
    const s = await setup();
    s.far.onInvite = (_req, tx) => void tx.respond(180);
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 150);
    expect(await s.dial({ signal: ctrl.signal, timeoutMs: 5000 })).toEqual({ outcome: 'canceled' });
    await until(() => s.far.cancels === 1);
  });

  it('closing the trunk (server shutdown) CANCELs legs still ringing', async () => {
    const s = await setup();
    s.far.onInvite = (_req, tx) => void tx.respond(180);
    const dialled = s.dial({ timeoutMs: 5000 });
    await sleep(100);
    s.server.trunk!.close();
    expect(await dialled).toEqual({ outcome: 'canceled' });
    await until(() => s.far.cancels === 1);
  });

  it('an answer that crosses our CANCEL is ACKed and then hung up (RFC 3261 §15)', async () => {
    const s = await setup();
    s.far.onInvite = (req, tx) => void sleep(80).then(() => s.answer(req, tx));
    const ctrl = new AbortController();
    const dialled = s.dial({ signal: ctrl.signal });
    await until(() => s.far.requests.length === 1);
    ctrl.abort(); // no provisional yet: the CANCEL waits for one, and the 200 comes first
    expect(await dialled).toEqual({ outcome: 'canceled' });
    await until(() => s.far.acks.length === 1 && s.far.requests.some((q) => q.method === 'BYE'));
    await until(() => s.server.trunk!.activeLegs === 0);
  });

  it('a trunk that never answers at all is failed, not no_answer', async () => {
    const sink = createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => sink.close(() => r())));
    const s = await setup({ port: sink.address().port });
    expect(await s.dial({ timeoutMs: 300 })).toEqual({ outcome: 'failed' });
  });

  it('refuses a leg beyond the trunk limit at once', async () => {
    const s = await setup({ maxLegs: 1 });
    s.far.onInvite = (_req, tx) => void tx.respond(180);
    const ctrl = new AbortController();
    const first = s.dial({ signal: ctrl.signal, timeoutMs: 5000 });
    expect(await s.dial()).toEqual({ outcome: 'failed' });
    await until(() => s.far.requests.length === 1);
    await sleep(50);
    expect(s.far.requests).toHaveLength(1);
    ctrl.abort();
    await first;
  });

  it('answers the trunk Digest challenge with the credentials of HOOKLINE_TRUNK', async () => {
    const s = await setup({ credentials: { username: 'acct', password: 'pw' } });
    const guard = digestGuard({ realm: 'trunk.test', users: { acct: 'pw' } });
    s.far.onInvite = (req, tx) => {
      if (guard.check(req, tx)) void s.answer(req, tx);
    };
    const r = await s.dial();
    expect(r.outcome).toBe('answered');
    expect(s.far.requests.map((q) => q.has('Authorization'))).toEqual([false, true]);
    await r.leg!.hangup();
  });
});

describe('TelephonyCall.dial', () => {
  const media = { close: async () => undefined } as unknown as MediaChannel;
  const signalling = { answer: async () => undefined, hangup: async () => undefined };

  it('fails without a trunk', async () => {
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, silentLogger);
    expect(await call.dial('3125550101', { timeoutMs: 1000 })).toEqual({ outcome: 'failed' });
  });

  it('passes the caller id and cancels the attempt when the caller hangs up while it rings', async () => {
    let seen: DialRequest | undefined;
    const outbound = {
      pacer: new Pacer(),
      clock: systemClock,
      logger: silentLogger,
      dial: (req: DialRequest) => {
        seen = req;
        return new Promise((resolve) => req.signal!.addEventListener('abort', () => resolve({ outcome: 'canceled' })));
      },
    } satisfies OutboundServices;
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, silentLogger, outbound);
    const dialled = call.dial('3125550101', { timeoutMs: 1000 });
    await call.remoteHangup();
    expect(await dialled).toEqual({ outcome: 'canceled' });
    expect(seen).toMatchObject({ destination: '3125550101', callerId: '3125550199', timeoutMs: 1000, sessionId: 'a'.repeat(32) });
  });
});

describe('trunk and INVITE helpers', () => {
  it('parses HOOKLINE_TRUNK with credentials, port and transport', () => {
    expect(parseTrunk('sip:user:p%40ss@127.0.0.1:5080;transport=tcp', 3)).toEqual({
      host: '127.0.0.1', port: 5080, transport: 'TCP', credentials: { username: 'user', password: 'p@ss' }, maxLegs: 3, register: false,
    });
    expect(parseTrunk('sip:u:p@127.0.0.1;register=yes').register).toBe(true);
    expect(parseTrunk('sip:trunk.example.com')).toMatchObject({ host: 'trunk.example.com', port: 5060, transport: 'UDP' });
    expect(parseTrunk('sip:trunk.example.com').credentials).toBeUndefined();
    expect(() => parseTrunk('http://x')).toThrow(/HOOKLINE_TRUNK/);
    expect(() => parseTrunk('sip:u:secret@x;transport=tls')).toThrow(/^HOOKLINE_TRUNK: TLS \(sips:\) is not supported/);
    expect(() => parseTrunk('sip:u:secret@x;transport=tls')).not.toThrow(/secret/);
  });

  it('maps statuses and dial strings', () => {
    expect([486, 600, 408, 480, 487, 403, 302].map(outcomeOf)).toEqual(['busy', 'busy', 'no_answer', 'no_answer', 'failed', 'failed', 'failed']);
    expect(dialString('(312) 555-0101')).toBe('3125550101');
    expect(dialString('+44 20 7946 0000')).toBe('+442079460000');
    expect(dialString('sip:evil@x')).toBeUndefined();
  });

  it('sends a withheld caller id as Anonymous with Privacy: id (RFC 3323)', () => {
    const t: TrunkConfig = { host: '::1', port: 5060, transport: 'TCP', maxLegs: 1 };
    const inv = buildInvite(t, '3125550101', '', 'v=0\r\n');
    expect(inv.get('From')).toMatch(/^"Anonymous" <sip:anonymous@anonymous.invalid>;tag=/);
    expect(inv.get('Privacy')).toBe('id');
    expect(inv.get('To')).toBe('<sip:3125550101@[::1]:5060>');
    expect(inv.get('Content-Type')).toBe('application/sdp');
  });
});
