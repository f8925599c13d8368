import type { Clock } from '../lib/clock.js';

/**
 * RFC 3261 §17.1.1.1 timer values. T1 is the RTT estimate, T2 the cap on non-INVITE request and
 * INVITE response retransmit intervals, T4 how long the network may hold a message.
 */
export interface SipTimerConfig {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: SipTimerConfig = { T1: 500, T2: 4000, T4: 5000 };

/** Timer D (§17.1.1.2): "at least 32 seconds" for unreliable transports, zero for reliable ones. */
export const TIMER_D_MS = 32_000;

/** How long the UAS core waits for the TU before it sends 100 Trying itself (§17.2.1). */
export const TRYING_DELAY_MS = 200;

/**
 * Named one-shot timers on the injected clock, so a state machine can say "start Timer G" and
 * "stop Timer G" as the RFC does, and stop everything when it terminates.
 */
export class TimerSet {
  private readonly cancels = new Map<string, () => void>();

  constructor(private readonly clock: Clock) {}

  start(name: string, ms: number, fire: () => void): void {
    this.stop(name);
    const cancel = this.clock.setTimer(ms, () => {
      this.cancels.delete(name);
      fire();
    });
    this.cancels.set(name, cancel);
  }

  stop(name: string): void {
    this.cancels.get(name)?.();
    this.cancels.delete(name);
  }

  stopAll(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  has(name: string): boolean {
    return this.cancels.has(name);
  }
}
