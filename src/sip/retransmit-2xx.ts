import type { Clock } from '../lib/clock.js';
import { TimerSet, type SipTimerConfig } from './timers.js';

export interface Retransmit2xxOptions {
  clock: Clock;
  timers: SipTimerConfig;
  /** Passes the 2xx to the transport once more. */
  send(): void;
  /** 64*T1 went by without an ACK: the UAS should end the session with BYE (§13.3.1.4). */
  onGiveUp(): void;
}

/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): the INVITE server transaction does not
 * retransmit a 2xx, the core does, "with an interval that starts at T1 seconds and doubles for each
 * retransmission until it reaches T2 seconds", until the ACK arrives or 64*T1 have passed. The RFC
 * asks this whatever the transport, since the ACK is end to end and a hop beyond may be UDP.
 */
export class Retransmitter2xx {
  private readonly timers: TimerSet;
  private interval: number;
  private active = false;
  private sent = 0;

  constructor(private readonly opts: Retransmit2xxOptions) {
    this.timers = new TimerSet(opts.clock);
    this.interval = opts.timers.T1;
  }

  /** Starts after the first transmission, which the transaction has already made. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.timers.start('retransmit', this.interval, () => this.fire());
    this.timers.start('giveUp', 64 * this.opts.timers.T1, () => {
      this.stop();
      this.opts.onGiveUp();
    });
  }

  /** The ACK came (or the dialog ended): stop. */
  stop(): void {
    this.active = false;
    this.timers.stopAll();
  }

  get running(): boolean {
    return this.active;
  }

  /** How many retransmissions went out (the first transmission not counted). */
  get retransmissions(): number {
    return this.sent;
  }

  private fire(): void {
    if (!this.active) return;
    this.sent++;
    this.opts.send();
    this.interval = Math.min(2 * this.interval, this.opts.timers.T2);
    this.timers.start('retransmit', this.interval, () => this.fire());
  }
}
