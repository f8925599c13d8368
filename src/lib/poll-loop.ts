import type { Clock } from './clock.js';

/**
 * A polling loop on the injected clock, for workers that take durable work from the store (outbox
 * deliveries, transcriptions): `wake()` polls now, or right after the poll in progress when one runs
 * (so work written meanwhile is not left for the next tick); between polls it waits `pollMs`. One poll
 * at a time, never two.
 */
export class PollLoop {
  private running = false;
  private cancelTimer: (() => void) | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;

  constructor(
    private readonly clock: Clock,
    private readonly pollMs: number,
    private readonly poll: () => Promise<void>,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** The poll in progress, if any (to wait for it). */
  get current(): Promise<void> | undefined {
    return this.polling;
  }

  /** Starts the loop with a poll at once; false when it was running already. */
  start(): boolean {
    if (this.running) return false;
    this.running = true;
    this.wake();
    return true;
  }

  /** No more polls; the one in progress, if any, finishes (await `current`). */
  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  wake(): void {
    if (!this.running) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const run = this.poll().finally(() => {
      if (this.polling === run) this.polling = undefined;
      if (!this.running) return;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.wake();
      } else {
        this.cancelTimer = this.clock.setTimer(this.pollMs, () => this.wake());
      }
    });
    this.polling = run;
  }
}
