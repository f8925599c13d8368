import type { Clock } from '../lib/clock.js';
import type { CollectOptions, CollectResult } from './types.js';

/**
 * The caller's key presses for one call, whichever way they arrive (RFC 4733, in-band tones or SIP
 * INFO): keys typed ahead are queued until a question collects them, and a waiting collector gets
 * each key as it comes. First-digit and inter-digit timeouts run on the injected clock.
 */
export class DigitBuffer {
  private queue: string[] = [];
  private waiter: ((key: string | undefined) => void) | undefined;
  private listeners = new Set<(key: string) => void>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** A key arrived from the line. */
  push(key: string): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(key);
    } else this.queue.push(key);
    // Listeners run after the key is queued, so one that flushes (a recording's finish key) drops it too.
    for (const l of [...this.listeners]) l(key);
  }

  /** Watches every key as it arrives (barge-in, recording finish keys); returns the unsubscribe. */
  onKey(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get pending(): number {
    return this.queue.length;
  }

  flush(): void {
    this.queue = [];
  }

  /** The call ended: a waiting collector gets `hangup`. */
  close(): void {
    this.closed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  /** Next key, or undefined after `ms` (or when the call ends). */
  private next(ms: number): Promise<string | undefined | 'timeout'> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(key);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const cancel = this.clock.setTimer(ms, () => {
        this.waiter = undefined;
        resolve('timeout');
      });
      this.waiter = (k) => {
        cancel();
        resolve(k);
      };
    });
  }

  async collect(o: CollectOptions): Promise<CollectResult> {
    let digits = '';
    for (;;) {
      const key = await this.next(digits ? o.interDigitTimeoutMs : o.firstDigitTimeoutMs);
      if (key === undefined) return { digits, reason: 'hangup' };
      if (key === 'timeout') return { digits, reason: 'timeout' };
      if (o.terminators.includes(key)) return { digits, terminator: key, reason: 'terminator' };
      digits += key;
      if (digits.length >= o.maxDigits) return { digits, reason: 'max' };
    }
  }
}
