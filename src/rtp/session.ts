/**
 * One call's RTP session (RFC 3550): a socket pair from the port range, the send side (sequence numbers,
 * timestamps, SSRC, marker bit, packetisation to the negotiated ptime, RFC 4733 digits), the receive side
 * (symmetric RTP latching, audio and DTMF events, statistics) and periodic RTCP.
 *
 * It has no timer of its own for media: the one pacer calls `sendFrame` once per 20 ms for every call.
 */
import { randomBase64, randomFraction } from '../lib/random.js';
import { EventEmitter } from 'node:events';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { systemClock, type Clock } from '../lib/clock.js';
import { RtpError } from './errors.js';
import { parseRtp } from './packet.js';
import { digitPackets, TelephoneEventReceiver, type EventPacket } from './rfc4733.js';
import { RtcpSender } from './rtcp-sender.js';
import { ReceptionStats } from './stats.js';
import { bindPair, closeSocket } from './socket-pair.js';
import type { RtpMediaParams, RtpSessionEvents, RtpSessionOptions, RtpStats } from './session-types.js';
import { preemptionPoint } from '../lib/preempt.js';
import { socketFd, type PacketSender } from './native-send.js';
import { IdleStream, type IdleOptions } from './idle-stream.js';
export type * from './session-types.js';

const RING = 16;
const MAX_PACKET = 12 + 480; // header + 60 ms of G.711
/** One send in this many is checked for errors (see send()). */
const CHECK_EVERY = 50;
/** 12-byte header + 20 ms of G.711: nearly every packet the server sends. */
const USUAL_PACKET = 12 + 160;

/** Where packets go, worked out once per change of destination rather than once a packet. */
interface Destination {
  address: string;
  port: number;
  /** An IP literal: dgram sends at once (see socket-pair.ts) and a ring buffer may be reused. */
  literal: boolean;
  /** The literal as sendto(2) takes it, when the session sends with the native sender (native-send.ts). */
  to?: Buffer;
}

interface Pending {
  packets: EventPacket[];
  resolve: () => void;
  reject: (e: unknown) => void;
  gapTicks: number;
  started: boolean;
}

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  readonly ssrc: number;
  private readonly clock: Clock;
  private readonly rtcp: RtcpSender;
  private readonly dtmf: TelephoneEventReceiver;
  private params: Required<Omit<RtpMediaParams, 'telephoneEventPt' | 'remote'>> & Pick<RtpMediaParams, 'telephoneEventPt' | 'remote'>;
  private seq: number;
  private ts: number;
  private marker = true; // the first packet starts a talkspurt (RFC 3551 §4.1)
  private readonly ring = Array.from({ length: RING }, () => Buffer.alloc(MAX_PACKET));
  /** ring[i] cut to USUAL_PACKET once, so that the usual packet needs no new Buffer view. */
  private readonly ringUsual = this.ring.map((b) => b.subarray(0, USUAL_PACKET));
  private ringIdx = 0;
  /** Where sendFrame sends now (undefined: nowhere); recomputed by update(), latching and direction. */
  private dest: Destination | undefined;
  /** The destination whose first send was checked. */
  private checkedDest: Destination | undefined;
  /** packetsSent at the last RTCP report: whether to send an SR or an RR (§6.4). */
  private reportedPackets = 0;
  private readonly onSent = (err: Error | null): void => {
    if (err) this.counters.sendErrors++;
  };
  private readonly pending = Buffer.alloc(MAX_PACKET * 2);
  private pendingLen = 0;
  private pendingTs = 0;
  private digits: Pending[] = [];
  private eventTs = 0;
  private latched: { address: string; port: number } | undefined;
  private latchedRtcp: { address: string; port: number } | undefined;
  private remoteSsrc: number | undefined;
  private recv = new ReceptionStats();
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly counters = { packetsSent: 0, octetsSent: 0, octetsReceived: 0, dropped: 0, sendErrors: 0 };
  private lastReceivedAt: number | undefined;
  /** The native sender and the RTP socket's descriptor, when both are at hand: see send(). */
  private readonly native: { sender: PacketSender; fd: number } | undefined;
  /** Where the addon's thread sends this session's frames while it plays nothing (startIdle); with the native sender only. */
  private readonly idle: IdleStream | undefined;

  private constructor(
    readonly localPort: number,
    private readonly rtpSocket: Socket,
    private readonly rtcpSocket: Socket,
    private readonly opts: RtpSessionOptions,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    const random = opts.random ?? randomFraction;
    this.seq = Math.floor(random() * 0x10000);
    this.ts = Math.floor(random() * 0x100000000) >>> 0;
    this.ssrc = Math.floor(random() * 0x100000000) >>> 0;
    this.params = { payloadType: 0, ptime: 20, direction: 'sendrecv' };
    const fd = opts.sender ? socketFd(rtpSocket) : undefined;
    this.native = opts.sender && fd !== undefined ? { sender: opts.sender, fd } : undefined;
    this.idle = this.native && new IdleStream(this.native.sender, this.native.fd);
    this.update(opts);
    this.dtmf = new TelephoneEventReceiver((d, info) => this.emit('dtmf', d, info), { ...opts.dtmf, clock: this.clock });
    this.rtcp = new RtcpSender({
      ssrc: this.ssrc,
      cname: opts.cname ?? randomBase64(12),
      clock: this.clock,
      random,
      intervalMs: opts.rtcpIntervalMs ?? 5000,
      socket: rtcpSocket,
      destination: () => this.rtcpDestination(),
      sender: () => {
        // A clock reading per report rather than per packet: "sent since the last report" is all §6.4 asks.
        const out = this.sent();
        const sent = out.packets !== this.reportedPackets;
        this.reportedPackets = out.packets;
        return { packets: out.packets, octets: out.octets, rtpTimestamp: out.ts, sentSinceLast: sent ? this.clock.now() : undefined };
      },
      receiver: () => (this.remoteSsrc === undefined ? undefined : { ssrc: this.remoteSsrc, stats: this.recv }),
      onError: () => this.counters.sendErrors++,
    });
    rtpSocket.on('message', (msg, rinfo) => this.onRtp(msg, rinfo));
    rtcpSocket.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
    // A UDP socket error (e.g. ICMP unreachable surfaced by the OS) must not crash the process.
    rtpSocket.on('error', () => this.counters.sendErrors++);
    rtcpSocket.on('error', () => this.counters.sendErrors++);
    this.rtcp.start();
  }

  /** Binds a socket pair on the next free even port of the range. */
  static async open(opts: RtpSessionOptions): Promise<RtpSession> {
    const { port, rtp, rtcp } = await bindPair(opts.allocator, opts.bindAddress);
    return new RtpSession(port, rtp, rtcp, opts);
  }

  /** Applies a new negotiation (re-INVITE). A new remote address forgets the latched one. */
  update(p: RtpMediaParams): void {
    const remoteChanged = p.remote !== undefined && (p.remote.address !== this.params.remote?.address || p.remote.port !== this.params.remote?.port);
    this.params = {
      payloadType: p.payloadType,
      telephoneEventPt: p.telephoneEventPt,
      ptime: p.ptime ?? 20,
      direction: p.direction ?? 'sendrecv',
      remote: p.remote ?? this.params.remote,
    };
    if (remoteChanged) {
      this.latched = undefined;
      this.latchedRtcp = undefined;
    }
    this.refreshDestination();
  }

  private refreshDestination(): void {
    this.resumeSending(); // the addon's thread has the old destination
    const r = this.params.direction === 'sendrecv' || this.params.direction === 'sendonly' ? this.remoteAddress : undefined;
    this.dest = r && { address: r.address, port: r.port, literal: isIP(r.address) !== 0 };
    if (this.dest?.literal && this.native) {
      try {
        this.dest.to = this.native.sender.sockaddr(r!.address, r!.port);
      } catch {
        // Cannot happen for an address isIP accepted; should it, dgram sends to this destination.
      }
    }
  }

  /** Where RTP goes now: the latched source, else the SDP address (none for 0.0.0.0 / hold). */
  get remoteAddress(): { address: string; port: number } | undefined {
    if (this.latched) return this.latched;
    const r = this.params.remote;
    if (!r || r.port === 0 || r.address === '0.0.0.0' || r.address === '::') return undefined;
    return { address: r.address, port: r.port };
  }

  get stats(): RtpStats {
    const out = this.sent();
    const s: RtpStats = {
      ...this.counters,
      packetsSent: out.packets,
      octetsSent: out.octets,
      sendErrors: out.errors,
      packetsReceived: this.recv.packetsReceived,
      packetsLost: Math.max(0, this.recv.lost),
      jitterMs: this.recv.jitterMs,
    };
    if (this.rtcp.rttMs !== undefined) s.rttMs = this.rtcp.rttMs;
    if (this.rtcp.remoteFractionLost !== undefined) s.remoteFractionLost = this.rtcp.remoteFractionLost;
    if (this.lastReceivedAt !== undefined) s.lastReceivedAt = this.lastReceivedAt;
    return s;
  }

  /**
   * One 20 ms tick of outgoing media: `payload` is the encoded frame (160 bytes of G.711), or null for
   * silence (nothing is sent, the timestamp still advances, and the next packet carries the marker bit).
   * While a digit is being sent its event packets replace the audio. `frameSamples` must match the pacer's
   * interval (160 = 20 ms at 8 kHz).
   */
  sendFrame(payload: Uint8Array | null, frameSamples = 160): void {
    if (this.closed) return;
    this.resumeSending();
    if (payload && payload.length > MAX_PACKET - 12) throw new RtpError('invalid_argument', `frame of ${payload.length} bytes`);
    const dest = this.dest;
    const digit = this.digits[0];
    if (digit && digit.packets.length > 0) {
      this.flushPending(dest);
      if (!digit.started) {
        digit.started = true;
        this.eventTs = this.ts; // every packet of the press carries its start time (RFC 4733 §2.3.1)
      }
      const p = digit.packets.shift()!;
      if (dest && this.params.telephoneEventPt !== undefined) this.send(dest, this.params.telephoneEventPt, p.marker, this.eventTs, p.payload);
      this.ts = (this.ts + frameSamples) >>> 0;
      this.marker = true;
      return;
    }
    if (digit) {
      if (digit.gapTicks-- <= 0 || !this.digits[1]) {
        this.digits.shift();
        digit.resolve();
      }
    }
    if (!payload || !dest) {
      this.flushPending(dest);
      this.ts = (this.ts + frameSamples) >>> 0;
      this.marker = true;
      return;
    }
    // Re-packetise 20 ms frames to the negotiated ptime (10, 20, 30 … ms of G.711 = 8 bytes per ms).
    const bytes = Math.min(MAX_PACKET - 12, this.params.ptime * 8);
    if (this.pendingLen === 0 && payload.length === bytes) {
      // The usual case, a frame that is one packet: straight into the packet, no staging copy.
      this.send(dest, this.params.payloadType, this.marker, this.ts, payload);
      this.marker = false;
      this.ts = (this.ts + frameSamples) >>> 0;
      return;
    }
    if (this.pendingLen === 0) this.pendingTs = this.ts;
    this.pending.set(payload, this.pendingLen);
    this.pendingLen += payload.length;
    this.ts = (this.ts + frameSamples) >>> 0;
    let off = 0;
    while (this.pendingLen - off >= bytes) {
      this.send(dest, this.params.payloadType, this.marker, this.pendingTs, this.pending.subarray(off, off + bytes));
      this.marker = false;
      this.pendingTs = (this.pendingTs + bytes) >>> 0;
      off += bytes;
    }
    if (off > 0) {
      this.pending.copyWithin(0, off, this.pendingLen);
      this.pendingLen -= off;
    }
  }

  /** Whether the peer negotiated RFC 4733 events (sendDigits works; otherwise keys must go as tones). */
  get hasTelephoneEvent(): boolean {
    return this.params.telephoneEventPt !== undefined;
  }

  /**
   * Queues RFC 4733 key presses, sent on the following `sendFrame` ticks; resolves once the last end packet
   * went out. Rejects with `no_telephone_event` when the peer did not negotiate RFC 4733 (play in-band tones
   * instead, see media/dtmf-tones.ts), `invalid_argument` for a character that is no key, `closed` on close().
   */
  sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new RtpError('closed', 'RTP session closed'));
    if (this.params.telephoneEventPt === undefined) return Promise.reject(new RtpError('no_telephone_event', 'telephone-event was not negotiated'));
    this.resumeSending(); // the digits go out from the next sendFrame calls
    let plans: EventPacket[][];
    try {
      plans = [...digits].map((d) => digitPackets(d, { durationMs: opts.durationMs ?? 100, ptimeMs: 20 }));
    } catch (err) {
      return Promise.reject(err);
    }
    const all: Promise<void>[] = [];
    for (const packets of plans) {
      all.push(new Promise<void>((resolve, reject) => this.digits.push({ packets, resolve, reject, gapTicks: Math.round((opts.gapMs ?? 60) / 20), started: false })));
    }
    return Promise.all(all).then(() => undefined);
  }

  /** Sends RTCP BYE, closes both sockets, stops timers and gives the port back. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.resumeSending(); // the addon's thread lets go of the socket before it is closed
    this.closed = true;
    for (const d of this.digits) d.reject(new RtpError('closed', 'RTP session closed'));
    this.digits = [];
    this.dtmf.dispose();
    this.closing = this.rtcp.stop(true).then(async () => {
      await Promise.all([closeSocket(this.rtpSocket), closeSocket(this.rtcpSocket)]);
      this.opts.allocator.release(this.localPort);
    });
    return this.closing;
  }

  private send(dest: Destination, pt: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    // The native sender hands the packet to the kernel before it returns, so one buffer serves every packet,
    // and each send's result is known at once. With an IP literal dgram hands the packet to the kernel within
    // this call too (socket-pair.ts answers the lookup at once), but should the kernel's buffer be full, libuv
    // sends it later from the buffer, so a ring of buffers is reused only every RING packets. A host name's
    // lookup may take longer: a fresh buffer.
    const native = dest.to && this.native;
    let buf: Buffer;
    if (native) buf = this.ring[0]!;
    else if (dest.literal) {
      this.ringIdx = (this.ringIdx + 1) % RING;
      buf = this.ring[this.ringIdx]!;
    } else buf = Buffer.alloc(MAX_PACKET);
    buf[0] = 0x80; // V=2, no padding, extension or CSRC
    buf[1] = (marker ? 0x80 : 0) | pt;
    buf.writeUInt16BE(this.seq, 2);
    buf.writeUInt32BE(timestamp >>> 0, 4);
    buf.writeUInt32BE(this.ssrc, 8);
    buf.set(payload, 12);
    const n = 12 + payload.length;
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.packetsSent++;
    this.counters.octetsSent += payload.length;
    if (native) {
      if (native.sender.send(native.fd, buf, n, dest.to!) !== 0) this.counters.sendErrors++; // EAGAIN: dropped, as a late packet would be
      return;
    }
    // A view already cut for the usual size: dgram would otherwise make one for the offset and length.
    const packet = n === USUAL_PACKET && dest.literal ? this.ringUsual[this.ringIdx]! : buf.subarray(0, n);
    // A completion callback costs a deferred call per packet (a third of what is left of this path, measured with
    // bench/instructions.ts), so only some sends are checked: the first to each destination and then one a second.
    if (this.counters.packetsSent % CHECK_EVERY === 1 || dest !== this.checkedDest) {
      this.checkedDest = dest;
      this.rtpSocket.send(packet, dest.port, dest.address, this.onSent);
    } else this.rtpSocket.send(packet, dest.port, dest.address);
  }

  private flushPending(dest: Destination | undefined): void {
    if (this.pendingLen > 0 && dest) this.send(dest, this.params.payloadType, this.marker, this.pendingTs, this.pending.subarray(0, this.pendingLen));
    this.pendingLen = 0;
  }

  /** What was sent so far, and the RTP timestamp for "now" (the SR's NTP/RTP correspondence, §6.4.1). */
  private sent(): { packets: number; octets: number; errors: number; ts: number } {
    const c = this.counters;
    const t = this.idle?.peek();
    return { packets: c.packetsSent + (t?.packets ?? 0), octets: c.octetsSent + (t?.octets ?? 0), errors: c.sendErrors + (t?.errors ?? 0), ts: t?.ts ?? this.ts };
  }

  /**
   * Whether startIdle can hand the frames to the addon's thread now: the native sender is at hand, the
   * destination is an IP literal, packets are 20 ms (one frame each), and no key and no partial packet
   * is waiting to go out.
   */
  get canIdle(): boolean {
    return this.idle !== undefined && !this.idle.active && !this.closed && this.dest?.to !== undefined && this.params.ptime === 20 && this.pendingLen === 0 && this.digits.length === 0;
  }

  /** True while the addon's thread sends this session's frames. */
  get idling(): boolean {
    return this.idle?.active === true;
  }

  /**
   * Hands the following frames to the addon's thread (idle-stream.ts), of `loop` or of the `silence` byte,
   * until the next sendFrame, sendDigits, update, change of destination, resumeSending or close takes them
   * back. For a call that plays nothing, so that its packets cost no JavaScript. False when it cannot
   * (canIdle), and the caller goes on sending.
   */
  startIdle(o: IdleOptions): boolean {
    const to = this.dest?.to;
    if (!this.canIdle || !to) return false;
    return this.idle!.start(to, this.params.payloadType, this.ssrc, { seq: this.seq, ts: this.ts, marker: this.marker }, o);
  }

  /** See IdleStream.sentThisInterval: whether the pacer's first tick after a take-back should send nothing. */
  sentThisInterval(): boolean {
    return this.idle?.sentThisInterval() ?? false;
  }

  /** Takes the frames back from the addon's thread, if it has them: from here on sendFrame sends them. */
  resumeSending(): void {
    const r = this.idle?.stop();
    if (!r) return;
    this.seq = r.seq;
    this.ts = r.ts;
    this.marker = r.marker;
    this.counters.packetsSent += r.packets;
    this.counters.octetsSent += r.octets;
    this.counters.sendErrors += r.errors;
  }

  private rtcpDestination(): { address: string; port: number } | undefined {
    if (this.latchedRtcp) return this.latchedRtcp;
    if (this.latched) return { address: this.latched.address, port: this.latched.port + 1 };
    const r = this.params.remote;
    const rtp = this.remoteAddress;
    return rtp && r ? { address: rtp.address, port: r.rtcpPort ?? rtp.port + 1 } : undefined;
  }

  private onRtp(msg: Buffer, rinfo: RemoteInfo): void {
    preemptionPoint(); // a key in this packet may end an IVR: due audio goes out before that work
    if (this.closed) return;
    let pkt;
    try {
      pkt = parseRtp(msg);
    } catch {
      this.counters.dropped++;
      return;
    }
    const h = pkt.header;
    const isEvent = h.payloadType === this.params.telephoneEventPt;
    if (h.payloadType !== this.params.payloadType && !isEvent) {
      this.counters.dropped++; // comfort noise, a codec we did not agree on, or junk
      return;
    }
    if (this.opts.symmetric !== false) {
      const l = this.latched;
      if (!l) {
        this.latched = { address: rinfo.address, port: rinfo.port };
        this.refreshDestination();
        this.emit('latched', rinfo.address, rinfo.port);
      } else if (l.address !== rinfo.address || l.port !== rinfo.port) {
        // Same SSRC from a new address: the NAT rebound the stream; anything else is not our peer.
        if (h.ssrc !== this.remoteSsrc) {
          this.counters.dropped++;
          return;
        }
        this.latched = { address: rinfo.address, port: rinfo.port };
        this.refreshDestination();
        this.emit('latched', rinfo.address, rinfo.port);
      }
    }
    if (h.ssrc !== this.remoteSsrc) {
      // §8.2: a new SSRC is a new source; its sequence space and events start over.
      this.remoteSsrc = h.ssrc;
      this.recv = new ReceptionStats();
      this.dtmf.reset();
    }
    const now = this.clock.now();
    this.lastReceivedAt = now;
    this.recv.updateSeq(h.sequenceNumber);
    this.counters.octetsReceived += pkt.payload.length;
    const receiving = this.params.direction === 'sendrecv' || this.params.direction === 'recvonly';
    if (isEvent) {
      if (receiving) this.dtmf.push(h.timestamp, pkt.payload);
      return;
    }
    this.recv.updateJitter(h.timestamp, now); // audio only: event packets repeat one timestamp
    if (receiving) this.emit('audio', pkt.payload, h);
  }

  private onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const r = this.rtcp.receive(msg, this.remoteSsrc, this.recv);
    if (!r.ok) {
      this.counters.dropped++;
      return;
    }
    if (this.opts.symmetric !== false && this.latched?.address === rinfo.address) this.latchedRtcp = { address: rinfo.address, port: rinfo.port };
    if (r.bye) this.emit('bye');
  }
}
