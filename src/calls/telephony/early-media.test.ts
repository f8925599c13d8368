import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Pacer, type PacedSource } from '../../media/pacer.js';
import { encodeUlaw } from '../../media/g711.js';
import { tone } from '../../media/tones.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { negotiate } from '../../sdp/index.js';
import { createSipEndpoint, type InviteServerTransaction, type SipEndpoint, type SipRequest, type ServerTransaction } from '../../sip/index.js';
import type { PromptRenderer } from './renderer.js';
import type { MediaChannel } from './media-channel.js';
import { relayEarlyMedia } from './early-media.js';
import { TelephonyServer } from './server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  for (const end = Date.now() + ms; !cond(); await sleep(10)) if (Date.now() > end) throw new Error('timed out waiting');
};

/** A pacer the test ticks by hand. */
class HandPacer {
  readonly sources = new Set<PacedSource>();
  register(s: PacedSource): () => void {
    this.sources.add(s);
    return () => this.unregister(s);
  }
  unregister(s: PacedSource): void {
    this.sources.delete(s);
  }
  tick(): void {
    for (const s of [...this.sources]) s.tick();
  }
}

/** A channel standing in for a MediaChannel: what the relay touches (law, session.sendFrame, inboundTap, tick). */
function fakeChannel(name: string, own: number) {
  const sent: number[] = [];
  const ch = {
    name,
    law: 'ulaw' as const,
    inboundTap: undefined as ((pcm: Int16Array, codes: Uint8Array) => void) | undefined,
    session: { sendFrame: (f: Uint8Array) => void sent.push(f[0] as number) },
    /** Its own output: a frame of `own` (the caller's ringback, the leg's silence). */
    tick: () => void sent.push(own),
  };
  return { ch, sent, media: ch as unknown as MediaChannel };
}

const frame = (v: number) => new Uint8Array(160).fill(v);

/** The caller's channel (sending 0x11: its ringback) and the leg's, both on a hand pacer, with early media relayed. */
function relaying(o: { legTicking?: boolean } = {}) {
  const pacer = new HandPacer();
  const caller = fakeChannel('caller', 0x11);
  const leg = fakeChannel('leg', 0xff);
  pacer.register(caller.ch);
  if (o.legTicking ?? true) pacer.register(leg.ch);
  const party = { media: caller.media, hungUp: false };
  const stop = relayEarlyMedia(party, leg.media, { pacer: pacer as unknown as Pacer, logger: silentLogger });
  return { pacer, caller, leg, party, stop };
}

describe('relayEarlyMedia', () => {
  it('keeps ringback until the far end\'s first packet, then relays both ways in its place, and gives the slots back', () => {
    const { pacer, caller, leg, stop } = relaying();

    pacer.tick(); // a 183 with SDP, but no audio yet: the caller still hears its ringback
    expect(caller.sent).toEqual([0x11]);

    leg.ch.inboundTap!(new Int16Array(160), frame(0x42)); // the far end's first early frame
    caller.ch.inboundTap!(new Int16Array(160), frame(0x24)); // the caller's voice
    pacer.tick();
    expect(caller.sent).toEqual([0x11, 0x42]);
    expect(leg.sent).toEqual([0xff, 0x24]);
    expect(pacer.sources.has(caller.ch)).toBe(false);
    pacer.tick(); // nothing new arrived: silence (0xff in μ-law), not ringback
    expect(caller.sent.at(-1)).toBe(0xff);

    stop();
    stop();
    expect(pacer.sources).toEqual(new Set([caller.ch, leg.ch]));
    expect(caller.ch.inboundTap).toBeUndefined();
    expect(leg.ch.inboundTap).toBeUndefined();
  });

  it('does not give a caller who hung up its pacer slot back', () => {
    const { pacer, leg, party, stop } = relaying();
    leg.ch.inboundTap!(new Int16Array(160), frame(0x42));
    party.hungUp = true;
    stop();
    expect(pacer.sources).toEqual(new Set([leg.ch]));
  });

  it('stopped before any early audio, it changes nothing', () => {
    const { pacer, caller, leg, stop } = relaying({ legTicking: false });
    stop();
    expect(pacer.sources).toEqual(new Set([caller.ch]));
    expect(leg.ch.inboundTap).toBeUndefined();
  });
});

// Ports of this file: hookline's RTP 17600-17699, the far end's 17700-17799.
const farPorts = new PortAllocator(17700, 17799);
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A far end on our own SIP stack standing in for the trunk, and a server dialling through it. */
async function setup() {
  const far = { onInvite: (_req: SipRequest, _tx: InviteServerTransaction): void => undefined, invites: [] as SipRequest[] };
  const farEp: SipEndpoint = await createSipEndpoint({
    host: '127.0.0.1',
    udpPort: 0,
    onRequest: (req, tx: ServerTransaction) => {
      if (req.method !== 'INVITE') return void tx.respond(200);
      far.invites.push(req);
      far.onInvite(req, tx as InviteServerTransaction);
    },
    onAck: () => undefined,
  });
  const pacer = new Pacer();
  const server = await TelephonyServer.start({
    host: '127.0.0.1', sipPort: 0, rtpPorts: { min: 17600, max: 17699 }, clock: systemClock, logger: silentLogger, pacer,
    renderer: {} as PromptRenderer, userAgent: 'hookline-test', onCall: () => undefined,
    trunk: { host: '127.0.0.1', port: farEp.transport('UDP')!.port, transport: 'UDP', maxLegs: 10 },
  });
  cleanup.push(async () => {
    await server.close();
    await farEp.close();
    pacer.close();
  });
  return { far, server, pacer };
}

describe('early media through the trunk (a SIP far end on 127.0.0.1)', () => {
  it('a 183 with SDP sets up the leg\'s channel at once; its audio arrives before the 200, and the answered leg keeps that channel', async () => {
    const s = await setup();
    let farRtp: RtpSession | undefined;
    let answer: (() => void) | undefined;
    s.far.onInvite = (req, tx) => {
      void (async () => {
        const rtp = await RtpSession.open({ allocator: farPorts, bindAddress: '127.0.0.1', payloadType: 0 });
        cleanup.push(() => rtp.close());
        const n = negotiate(req.text, { address: '127.0.0.1', port: rtp.localPort });
        rtp.update({ payloadType: n.payloadType, remote: n.remote });
        farRtp = rtp;
        tx.respond(183, 'Session Progress', { headers: { 'Content-Type': 'application/sdp' }, body: n.answerSdp });
        answer = () => void tx.respond(200, 'OK', { headers: { 'Content-Type': 'application/sdp' }, body: n.answerSdp });
      })();
    };
    const heard: number[] = [];
    let early: MediaChannel | undefined;
    let stopped = 0;
    const dialled = s.server.trunk!.dial({
      sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '3125550199', timeoutMs: 5000, logger: silentLogger,
      onEarlyMedia: (media) => {
        early = media;
        media.inboundTap = (_pcm, codes) => heard.push(codes[0] as number);
        return () => stopped++;
      },
    });
    await until(() => early !== undefined && farRtp !== undefined);
    const ring = encodeUlaw(tone([440, 480], 200));
    const off = s.pacer.register({ tick: () => farRtp!.sendFrame(ring.subarray(0, 160)) });
    await until(() => heard.length >= 5);
    expect(stopped).toBe(0);
    answer!();
    const r = await dialled;
    off();
    expect(r.outcome).toBe('answered');
    expect(stopped).toBe(1);
    expect((r.leg as unknown as { media: MediaChannel }).media).toBe(early);
    await r.leg!.hangup();
  });

  it('a 183 with SDP and then a failure: the early channel is stopped and closed', async () => {
    const s = await setup();
    s.far.onInvite = (req, tx) => {
      const n = negotiate(req.text, { address: '127.0.0.1', port: 17798 });
      tx.respond(183, 'Session Progress', { headers: { 'Content-Type': 'application/sdp' }, body: n.answerSdp });
      setTimeout(() => tx.respond(486), 100);
    };
    let stopped = 0;
    let early: MediaChannel | undefined;
    const r = await s.server.trunk!.dial({
      sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '3125550199', timeoutMs: 5000, logger: silentLogger,
      onEarlyMedia: (media) => ((early = media), () => stopped++),
    });
    expect(r).toEqual({ outcome: 'busy' });
    expect(stopped).toBe(1);
    expect(early).toBeDefined();
    await until(() => s.server.trunk!.activeLegs === 0);
  });

  it('without onEarlyMedia a 183 sets nothing up (Find Me keeps its hold audio)', async () => {
    const s = await setup();
    s.far.onInvite = (req, tx) => {
      const n = negotiate(req.text, { address: '127.0.0.1', port: 17796 });
      tx.respond(183, 'Session Progress', { headers: { 'Content-Type': 'application/sdp' }, body: n.answerSdp });
      setTimeout(() => tx.respond(480), 50);
    };
    const before = s.pacer.size;
    expect(await s.server.trunk!.dial({ sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '', timeoutMs: 5000, logger: silentLogger })).toEqual({ outcome: 'no_answer' });
    expect(s.pacer.size).toBe(before);
  });
});
