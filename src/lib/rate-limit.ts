/**
 * A token bucket per key (a client's address): `burst` requests at once, refilled at `perMinute`.
 * Keys whose bucket is full again are forgotten, so a flood of one-off addresses cannot grow the map
 * without bound (it is also capped: past `maxKeys` the fullest buckets make room).
 */
import type { Clock } from './clock.js';

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly o: { perMinute: number; burst: number; clock: Clock; maxKeys?: number },
  ) {}

  /** Takes one token for `key`; false when there is none (the request should be refused). */
  take(key: string): boolean {
    const now = this.o.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.o.burst, at: now };
    b.tokens = Math.min(this.o.burst, b.tokens + ((now - b.at) * this.o.perMinute) / 60_000);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > (this.o.maxKeys ?? 10_000)) this.sweep(now);
    return true;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.o.perMinute) / 60_000 >= this.o.burst) this.buckets.delete(k);
    }
    // Still too many (all busy): drop the oldest entries, which a Map keeps first.
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= (this.o.maxKeys ?? 10_000)) break;
      this.buckets.delete(k);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
