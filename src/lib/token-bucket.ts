/**
 * A token bucket: it holds up to `burst` tokens, gains `perSecond` of them a second, and every event it
 * admits takes one. Callers pass the time (the injected clock's `now()`), so tests step it exactly.
 * Written here rather than taken from a package: it is a dozen lines, and the rate-limit packages read
 * the system time themselves, which the injected clock exists to avoid.
 */
export interface Rate {
  /** Tokens gained a second (the sustained rate). */
  perSecond: number;
  /** Tokens held at most (how many events may come at once after a quiet spell). */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly rate: Rate, now: number) {
    this.tokens = rate.burst;
    this.at = now;
  }

  /** Takes a token if there is one: true when the event is admitted. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until the next token, rounded up (0 when one is there): a Retry-After. */
  waitSeconds(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate.perSecond);
  }

  /** Full again: the source has been quiet long enough that forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.rate.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.at = Math.max(this.at, now);
    this.tokens = Math.min(this.rate.burst, this.tokens + elapsed * this.rate.perSecond);
  }
}
