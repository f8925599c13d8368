/**
 * The RTCP half of a session: a compound SR or RR + SDES CNAME every ~5 s (RFC 3550 §6.2, §6.4), BYE on
 * close (§6.6), and what the peer's reports tell us (round-trip time from LSR/DLSR, §6.4.1).
 */
import type { Socket } from 'node:dgram';
import type { Clock } from '../lib/clock.js';
import { buildRtcp, ntpMiddle, ntpTime, parseRtcp, type RtcpPacket } from './rtcp.js';
import type { ReceptionStats } from './stats.js';

export interface RtcpSenderOptions {
  ssrc: number;
  cname: string;
  clock: Clock;
  random: () => number;
  intervalMs: number;
  socket: Socket;
  destination: () => { address: string; port: number } | undefined;
  /** Our sending counters, and clock.now() of the last RTP packet sent (undefined if none yet). */
  sender: () => { packets: number; octets: number; rtpTimestamp: number; sentSinceLast: number | undefined };
  /** The source we receive, when there is one. */
  receiver: () => { ssrc: number; stats: ReceptionStats } | undefined;
  onError: () => void;
}

export class RtcpSender {
  rttMs: number | undefined;
  remoteFractionLost: number | undefined;
  private cancel: (() => void) | undefined;
  private lastReportAt = -Infinity;
  private stopped = false;

  constructor(private readonly o: RtcpSenderOptions) {}

  start(): void {
    this.schedule();
  }

  /** Stops the timer; with `bye`, sends a last report with BYE and resolves once it left. */
  stop(bye: boolean): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    if (!bye) return Promise.resolve();
    return this.sendCompound(true);
  }

  /** Handles an incoming compound packet. `ok` false when it was not valid RTCP. */
  receive(msg: Uint8Array, remoteSsrc: number | undefined, stats: ReceptionStats): { ok: boolean; bye: boolean } {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(msg);
    } catch {
      return { ok: false, bye: false };
    }
    const now = this.o.clock.now();
    let bye = false;
    for (const p of packets) {
      if (p.type === 'sr' && p.ssrc === remoteSsrc) stats.onSenderReport(p.ntpSec, p.ntpFrac, now);
      if (p.type === 'sr' || p.type === 'rr') {
        const mine = p.reports.find((b) => b.ssrc === this.o.ssrc);
        if (mine) {
          this.remoteFractionLost = mine.fractionLost / 256;
          if (mine.lsr !== 0) {
            // §6.4.1: RTT = A - LSR - DLSR, all in 1/65536 s.
            const t = ntpTime(now);
            const rtt = ((ntpMiddle(t.sec, t.frac) - mine.lsr - mine.dlsr) >>> 0) / 65.536;
            if (rtt < 60_000) this.rttMs = rtt;
          }
        }
      }
      if (p.type === 'bye' && remoteSsrc !== undefined && p.ssrcs.includes(remoteSsrc)) bye = true;
    }
    return { ok: true, bye };
  }

  private schedule(): void {
    if (this.stopped) return;
    // §6.3.1: randomise to [0.5, 1.5] × the interval so that reports of many sessions do not synchronise.
    const delay = this.o.intervalMs * (0.5 + this.o.random());
    this.cancel = this.o.clock.setTimer(delay, () => {
      this.cancel = undefined;
      // From a timer: a failure of any kind is the sender's onError, never a throw out of setTimeout.
      Promise.resolve()
        .then(() => this.sendCompound(false))
        .catch(() => this.o.onError())
        .finally(() => this.schedule());
    });
  }

  private sendCompound(bye: boolean): Promise<void> {
    const dest = this.o.destination();
    if (!dest) return Promise.resolve();
    const now = this.o.clock.now();
    const s = this.o.sender();
    const r = this.o.receiver();
    const reports = r ? [r.stats.reportBlock(r.ssrc, now)] : [];
    const packets: RtcpPacket[] = [];
    // §6.4: an SR when we sent RTP since the last report, else an RR.
    if (s.sentSinceLast !== undefined && s.sentSinceLast >= this.lastReportAt) {
      const t = ntpTime(now);
      packets.push({ type: 'sr', ssrc: this.o.ssrc, ntpSec: t.sec, ntpFrac: t.frac, rtpTimestamp: s.rtpTimestamp, packetCount: s.packets, octetCount: s.octets, reports });
    } else {
      packets.push({ type: 'rr', ssrc: this.o.ssrc, reports });
    }
    packets.push({ type: 'sdes', chunks: [{ ssrc: this.o.ssrc, cname: this.o.cname }] });
    if (bye) packets.push({ type: 'bye', ssrcs: [this.o.ssrc] });
    this.lastReportAt = now;
    const buf = buildRtcp(packets);
    return new Promise((resolve) => {
      try {
        this.o.socket.send(buf, dest.port, dest.address, (err) => {
          if (err) this.o.onError();
          resolve();
        });
      } catch {
        this.o.onError();
        resolve();
      }
    });
  }
}
