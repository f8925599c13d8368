/**
 * The send half of an RTP session (RFC 3550): sequence numbers, timestamps, the marker bit, packetisation
 * to the negotiated ptime, RFC 4733 digits, and the hand-over of the frames to the RTP addon's thread.
 * RtpSession (session.ts) owns the sockets, the receive side and RTCP, and tells this where to send.
 */
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { RtpError } from './errors.js';
import { digitPackets, type EventPacket } from './rfc4733.js';
import { socketFd, type PacketSender } from './native-send.js';
import { IdleStream, type IdleOptions } from './idle-stream.js';

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

/** What the send side needs of the negotiation. */
export interface SendParams {
  payloadType: number;
  telephoneEventPt?: number | undefined;
  ptime: number;
}

/** What was sent so far, and the RTP timestamp for "now" (the SR's NTP/RTP correspondence, §6.4.1). */
export interface SentCounts {
  packets: number;
  octets: number;
  errors: number;
  ts: number;
}

export class RtpSendSide {
  private p: SendParams = { payloadType: 0, ptime: 20 };
  private seq: number;
  private ts: number;
  private marker = true; // the first packet starts a talkspurt (RFC 3551 §4.1)
  private readonly ring = Array.from({ length: RING }, () => Buffer.alloc(MAX_PACKET));
  /** ring[i] cut to USUAL_PACKET once, so that the usual packet needs no new Buffer view. */
  private readonly ringUsual = this.ring.map((b) => b.subarray(0, USUAL_PACKET));
  private ringIdx = 0;
  /** Where sendFrame sends now (undefined: nowhere). */
  private dest: Destination | undefined;
  /** The destination whose first send was checked. */
  private checkedDest: Destination | undefined;
  private readonly counters = { packetsSent: 0, octetsSent: 0, sendErrors: 0 };
  private readonly onSent = (err: Error | null): void => {
    if (err) this.counters.sendErrors++;
  };
  private readonly pending = Buffer.alloc(MAX_PACKET * 2);
  private pendingLen = 0;
  private pendingTs = 0;
  private digits: Pending[] = [];
  private eventTs = 0;
  private closed = false;
  /** The native sender and the RTP socket's descriptor, when both are at hand: see send(). */
  private readonly native: { sender: PacketSender; fd: number } | undefined;
  /** Where the addon's thread sends this session's frames (startIdle); with the native sender only. */
  private readonly idle: IdleStream | undefined;

  constructor(
    readonly ssrc: number,
    private readonly socket: Socket,
    /** The first packet's sequence number and timestamp (random, §5.1). */
    start: { seq: number; ts: number },
    sender: PacketSender | undefined,
  ) {
    this.seq = start.seq;
    this.ts = start.ts;
    const fd = sender ? socketFd(socket) : undefined;
    this.native = sender && fd !== undefined ? { sender, fd } : undefined;
    this.idle = this.native && new IdleStream(this.native.sender, this.native.fd);
  }

  get params(): SendParams {
    return this.p;
  }

  /** A new negotiation: the thread's packets carry the payload type and are 20 ms, so a change of either takes them back. */
  set params(p: SendParams) {
    if (p.payloadType !== this.p.payloadType || p.ptime !== this.p.ptime) this.resumeSending();
    this.p = p;
  }

  /** Sends to `r` from now on (undefined: nowhere, as for hold or recvonly). */
  setDestination(r: { address: string; port: number } | undefined): void {
    const old = this.dest;
    // Symmetric RTP latching on the source the SDP named already (the usual case) changes nothing.
    if (r && old && r.address === old.address && r.port === old.port) return;
    const dest: Destination | undefined = r && { address: r.address, port: r.port, literal: isIP(r.address) !== 0 };
    if (dest?.literal && this.native) {
      try {
        dest.to = this.native.sender.sockaddr(dest.address, dest.port);
      } catch {
        // Cannot happen for an address isIP accepted; should it, dgram sends to this destination.
      }
    }
    // The addon's thread has the old destination: it sends to the new one from its next packet, or, where it
    // cannot (nowhere to send, a host name), gives the frames back.
    if (this.idle?.active && !(dest?.to && this.idle.retarget(dest.to))) this.resumeSending();
    this.dest = dest;
  }

  /** A send failure seen elsewhere (the socket's 'error', RTCP). */
  countError(): void {
    this.counters.sendErrors++;
  }

  /** See RtpSession.sendFrame. */
  sendFrame(payload: Uint8Array | null, frameSamples: number): void {
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
      if (dest && this.p.telephoneEventPt !== undefined) this.send(dest, this.p.telephoneEventPt, p.marker, this.eventTs, p.payload);
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
    const bytes = Math.min(MAX_PACKET - 12, this.p.ptime * 8);
    if (this.pendingLen === 0 && payload.length === bytes) {
      // The usual case, a frame that is one packet: straight into the packet, no staging copy.
      this.send(dest, this.p.payloadType, this.marker, this.ts, payload);
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
      this.send(dest, this.p.payloadType, this.marker, this.pendingTs, this.pending.subarray(off, off + bytes));
      this.marker = false;
      this.pendingTs = (this.pendingTs + bytes) >>> 0;
      off += bytes;
    }
    if (off > 0) {
      this.pending.copyWithin(0, off, this.pendingLen);
      this.pendingLen -= off;
    }
  }

  /** See RtpSession.sendDigits. */
  sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number }): Promise<void> {
    if (this.closed) return Promise.reject(new RtpError('closed', 'RTP session closed'));
    if (this.p.telephoneEventPt === undefined) return Promise.reject(new RtpError('no_telephone_event', 'telephone-event was not negotiated'));
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

  /** Takes the frames back from the thread (before the socket closes) and ends the keys still to send. */
  close(): void {
    this.resumeSending();
    this.closed = true;
    for (const d of this.digits) d.reject(new RtpError('closed', 'RTP session closed'));
    this.digits = [];
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
      this.socket.send(packet, dest.port, dest.address, this.onSent);
    } else this.socket.send(packet, dest.port, dest.address);
  }

  private flushPending(dest: Destination | undefined): void {
    if (this.pendingLen > 0 && dest) this.send(dest, this.p.payloadType, this.marker, this.pendingTs, this.pending.subarray(0, this.pendingLen));
    this.pendingLen = 0;
  }

  /** What was sent so far (by the thread too), and the RTP timestamp for "now". */
  sent(): SentCounts {
    const c = this.counters;
    const t = this.idle?.peek();
    return { packets: c.packetsSent + (t?.packets ?? 0), octets: c.octetsSent + (t?.octets ?? 0), errors: c.sendErrors + (t?.errors ?? 0), ts: t?.ts ?? this.ts };
  }

  /** See RtpSession.canIdle. */
  get canIdle(): boolean {
    return this.idle !== undefined && !this.idle.active && !this.closed && this.dest?.to !== undefined && this.p.ptime === 20 && this.pendingLen === 0 && this.digits.length === 0;
  }

  get idling(): boolean {
    return this.idle?.active === true;
  }

  startIdle(o: IdleOptions): boolean {
    const to = this.dest?.to;
    if (!this.canIdle || !to) return false;
    return this.idle!.start(to, this.p.payloadType, this.ssrc, { seq: this.seq, ts: this.ts, marker: this.marker }, o);
  }

  queueOnIdle(piece: Uint8Array, onPlayed: () => void): number | undefined {
    return this.idle?.queue(piece, onPlayed);
  }

  clearOnIdle(): boolean {
    return this.idle?.clear() ?? false;
  }

  sentThisInterval(): boolean {
    return this.idle?.sentThisInterval() ?? false;
  }

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
}
