/**
 * Receiver statistics for one incoming RTP source, as RFC 3550 computes them for report blocks:
 * §A.1 sequence number tracking, §A.3 expected and lost packets, §A.8 interarrival jitter.
 */
import { ntpMiddle, type ReportBlock } from './rtcp.js';

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

/** Statistics about one incoming source, kept the way §A.1, §A.3 and §A.8 describe. */
export class ReceptionStats {
  private started = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private cycles = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitterUnits = 0;
  private lastArrivalMs = 0;
  private lastTs = 0;
  private haveTransit = false;
  private lastSr: { middle: number; atMs: number } | undefined;

  constructor(private readonly clockRate = 8000) {}

  /**
   * §A.1 update_seq, without the probation of new sources (symmetric RTP has already picked the one source we
   * listen to). Returns false for a packet judged to belong to a restarted or bogus stream.
   */
  updateSeq(seq: number): boolean {
    if (!this.started) {
      this.initSeq(seq);
      this.started = true;
      this.received = 1;
      return true;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A big jump: believe it only when the next packet follows it (the sender restarted).
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      this.initSeq(seq);
    }
    // else: duplicate or reordered packet, counted as received as §A.1 does.
    this.received++;
    return true;
  }

  /** §A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si) in timestamp units; J += (|D| - J) / 16. */
  updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    if (this.haveTransit) {
      const arrival = ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000;
      const sent = (rtpTimestamp - this.lastTs) | 0; // signed 32-bit difference survives the timestamp wrapping
      const d = Math.abs(arrival - sent);
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.haveTransit = true;
    this.lastArrivalMs = arrivalMs;
    this.lastTs = rtpTimestamp >>> 0;
  }

  /** Remembers an SR from the source, for LSR/DLSR in our next report (§6.4.1). */
  onSenderReport(ntpSec: number, ntpFrac: number, nowMs: number): void {
    this.lastSr = { middle: ntpMiddle(ntpSec, ntpFrac), atMs: nowMs };
  }

  get packetsReceived(): number {
    return this.received;
  }
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }
  get expected(): number {
    return this.started ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }
  /** Cumulative loss (§A.3); negative when duplicates outnumber losses. */
  get lost(): number {
    return this.expected - this.received;
  }
  get jitter(): number {
    return this.jitterUnits;
  }
  get jitterMs(): number {
    return (this.jitterUnits * 1000) / this.clockRate;
  }

  /** The report block for the next RR/SR; starts a new interval for the fraction lost (§A.3). */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    return {
      ssrc,
      fractionLost,
      cumulativeLost: this.lost,
      highestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitterUnits),
      lsr: this.lastSr?.middle ?? 0,
      dlsr: this.lastSr ? Math.max(0, Math.round(((nowMs - this.lastSr.atMs) * 65536) / 1000)) : 0,
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }
}
