/**
 * One call's RTP session (RFC 3550): a socket pair from the port range, the send side (send-side.ts:
 * sequence numbers, timestamps, marker bit, packetisation to the negotiated ptime, RFC 4733 digits, the
 * addon's thread), the receive side (symmetric RTP latching, audio and DTMF events, statistics) and
 * periodic RTCP.
 *
 * It has no timer of its own for media: the one pacer calls `sendFrame` once per 20 ms for every call.
 */
import { randomBase64, randomFraction } from '../lib/random.js';
import { EventEmitter } from 'node:events';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../lib/clock.js';
import { parseRtp } from './packet.js';
import { TelephoneEventReceiver } from './rfc4733.js';
import { RtcpSender } from './rtcp-sender.js';
import { ReceptionStats } from './stats.js';
import { bindPair, closeSocket } from './socket-pair.js';
import type { RtpMediaParams, RtpSessionEvents, RtpSessionOptions, RtpStats } from './session-types.js';
import { preemptionPoint } from '../lib/preempt.js';
import type { IdleOptions } from './idle-stream.js';
import { RtpSendSide } from './send-side.js';
export type * from './session-types.js';

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  readonly ssrc: number;
  private readonly clock: Clock;
  private readonly rtcp: RtcpSender;
  private readonly dtmf: TelephoneEventReceiver;
  private params: Required<Omit<RtpMediaParams, 'telephoneEventPt' | 'remote'>> & Pick<RtpMediaParams, 'telephoneEventPt' | 'remote'>;
  private readonly out: RtpSendSide;
  private latched: { address: string; port: number } | undefined;
  private latchedRtcp: { address: string; port: number } | undefined;
  /** The source the statistics and RTCP reports are about: the audio's (until audio comes, the events'). */
  private remoteSsrc: number | undefined;
  /** The source of the RFC 4733 events last heard: a new one starts the key events over. */
  private eventSsrc: number | undefined;
  private recv = new ReceptionStats();
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly counters = { octetsReceived: 0, dropped: 0 };
  private lastReceivedAt: number | undefined;
  /** packetsSent at the last RTCP report: whether to send an SR or an RR (§6.4). */
  private reportedPackets = 0;

  private constructor(
    readonly localPort: number,
    private readonly rtpSocket: Socket,
    private readonly rtcpSocket: Socket,
    private readonly opts: RtpSessionOptions,
  ) {
    super();
    this.clock = opts.clock ?? systemClock;
    const random = opts.random ?? randomFraction;
    const seq = Math.floor(random() * 0x10000);
    const ts = Math.floor(random() * 0x100000000) >>> 0;
    this.ssrc = Math.floor(random() * 0x100000000) >>> 0;
    this.out = new RtpSendSide(this.ssrc, rtpSocket, { seq, ts }, opts.sender);
    this.params = { payloadType: 0, ptime: 20, direction: 'sendrecv' };
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
        const out = this.out.sent();
        const sent = out.packets !== this.reportedPackets;
        this.reportedPackets = out.packets;
        return { packets: out.packets, octets: out.octets, rtpTimestamp: out.ts, sentSinceLast: sent ? this.clock.now() : undefined };
      },
      receiver: () => (this.remoteSsrc === undefined ? undefined : { ssrc: this.remoteSsrc, stats: this.recv }),
      onError: () => this.out.countError(),
    });
    rtpSocket.on('message', (msg, rinfo) => this.onRtp(msg, rinfo));
    rtcpSocket.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
    // A UDP socket error (e.g. ICMP unreachable surfaced by the OS) must not crash the process.
    rtpSocket.on('error', () => this.out.countError());
    rtcpSocket.on('error', () => this.out.countError());
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
    this.out.params = { payloadType: this.params.payloadType, telephoneEventPt: this.params.telephoneEventPt, ptime: this.params.ptime };
    this.refreshDestination();
  }

  private refreshDestination(): void {
    this.out.setDestination(this.params.direction === 'sendrecv' || this.params.direction === 'sendonly' ? this.reachable(this.remoteAddress) : undefined);
  }

  /**
   * The form of `d` this session's sockets can send to. A socket bound to an IPv6 address (`::` for both
   * families) reaches an IPv4 peer only by its IPv4-mapped address: sent to the dotted quad, every packet
   * fails with EINVAL, on dgram and on the native path alike. Its own peers' sources already come mapped.
   */
  private reachable(d: { address: string; port: number } | undefined): { address: string; port: number } | undefined {
    return d && isIPv6(this.opts.bindAddress) && isIPv4(d.address) ? { address: `::ffff:${d.address}`, port: d.port } : d;
  }

  /** Where RTP goes now: the latched source, else the SDP address (none for 0.0.0.0 / hold). */
  get remoteAddress(): { address: string; port: number } | undefined {
    if (this.latched) return this.latched;
    const r = this.params.remote;
    if (!r || r.port === 0 || r.address === '0.0.0.0' || r.address === '::') return undefined;
    return { address: r.address, port: r.port };
  }

  get stats(): RtpStats {
    const out = this.out.sent();
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
    this.out.sendFrame(payload, frameSamples);
  }

  /** Whether the peer negotiated RFC 4733 events (sendDigits works; otherwise keys must go as tones). */
  get hasTelephoneEvent(): boolean {
    return this.out.params.telephoneEventPt !== undefined;
  }

  /**
   * Queues RFC 4733 key presses, sent on the following `sendFrame` ticks; resolves once the last end packet
   * went out. Rejects with `no_telephone_event` when the peer did not negotiate RFC 4733 (play in-band tones
   * instead, see media/dtmf-tones.ts), `invalid_argument` for a character that is no key, `closed` on close().
   */
  sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    return this.out.sendDigits(digits, opts);
  }

  /** Sends RTCP BYE, closes both sockets, stops timers and gives the port back. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.out.close(); // the addon's thread lets go of the socket before it is closed
    this.closed = true;
    this.dtmf.dispose();
    this.closing = this.rtcp.stop(true).then(async () => {
      await Promise.all([closeSocket(this.rtpSocket), closeSocket(this.rtcpSocket)]);
      this.opts.allocator.release(this.localPort);
    });
    return this.closing;
  }

  /**
   * Whether startIdle can hand the frames to the addon's thread now: the native sender is at hand, the
   * destination is an IP literal, packets are 20 ms (one frame each), and no key and no partial packet
   * is waiting to go out.
   */
  get canIdle(): boolean {
    return this.out.canIdle;
  }

  /** True while the addon's thread sends this session's frames. */
  get idling(): boolean {
    return this.out.idling;
  }

  /**
   * Hands the following frames to the addon's thread (idle-stream.ts): the pieces of prompt queued with
   * queueOnIdle, else frames of `loop` or of the `silence` byte, until the next sendFrame, sendDigits,
   * update, change of destination, resumeSending or close takes them back. So that a call's packets cost no
   * JavaScript. False when it cannot (canIdle), and the caller goes on sending.
   */
  startIdle(o: IdleOptions): boolean {
    return this.out.startIdle(o);
  }

  /**
   * Queues a piece of prompt on the addon's thread while it has the frames (idling): it plays before the
   * loop or silence, and `onPlayed` is called once it did (see IdleStream.queue). Its token, or undefined when
   * the frames are not on the thread.
   */
  queueOnIdle(piece: Uint8Array, onPlayed: () => void): number | undefined {
    return this.out.queueOnIdle(piece, onPlayed);
  }

  /**
   * Drops the pieces queued with queueOnIdle, without taking the frames back: the thread goes on with the
   * loop or silence. False when the frames are not on the thread.
   */
  clearOnIdle(): boolean {
    return this.out.clearOnIdle();
  }

  /** See IdleStream.sentThisInterval: whether the pacer's first tick after a take-back should send nothing. */
  sentThisInterval(): boolean {
    return this.out.sentThisInterval();
  }

  /** Takes the frames back from the addon's thread, if it has them: from here on sendFrame sends them. */
  resumeSending(): void {
    this.out.resumeSending();
  }

  private rtcpDestination(): { address: string; port: number } | undefined {
    if (this.latchedRtcp) return this.latchedRtcp;
    if (this.latched) return this.reachable({ address: this.latched.address, port: this.latched.port + 1 });
    const r = this.params.remote;
    const rtp = this.remoteAddress;
    return rtp && r ? this.reachable({ address: rtp.address, port: r.rtcpPort ?? rtp.port + 1 }) : undefined;
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
        // A source we know from a new address: the NAT rebound the stream; anything else is not our peer.
        if (h.ssrc !== this.remoteSsrc && h.ssrc !== this.eventSsrc) {
          this.counters.dropped++;
          return;
        }
        this.latched = { address: rinfo.address, port: rinfo.port };
        this.refreshDestination();
        this.emit('latched', rinfo.address, rinfo.port);
      }
    }
    // §8.2: a new SSRC is a new source, with its own sequence space and events. The audio and the key
    // events usually share one; but a gateway that turns SIP INFO or in-band tones into RFC 4733 (and SIPp's
    // play_pcap_audio) sends the events under an SSRC of their own, interleaved with the audio's. Starting
    // over at every switch would report each of a key's repeated packets as a new press, and count the
    // other stream's sequence numbers as the audio's losses: so the statistics (and RTCP) follow the audio's
    // source, the key events theirs.
    if (isEvent) {
      if (h.ssrc !== this.eventSsrc) {
        this.eventSsrc = h.ssrc;
        this.dtmf.reset();
      }
      if (this.remoteSsrc === undefined) this.remoteSsrc = h.ssrc; // no audio yet: report on what is heard
    } else if (h.ssrc !== this.remoteSsrc) {
      this.remoteSsrc = h.ssrc;
      this.recv = new ReceptionStats();
    }
    const now = this.clock.now();
    this.lastReceivedAt = now;
    if (h.ssrc === this.remoteSsrc) this.recv.updateSeq(h.sequenceNumber);
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
