/**
 * The pacer's distributions (tick interval, lateness, duration) for its stats: fixed buckets, so that a
 * sample taken at every media tick allocates nothing.
 */

export interface Distribution {
  count: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** Fixed-bucket histogram (0.05 ms buckets up to 100 ms): no allocation per sample. */
export class TickHistogram {
  private static readonly BUCKET_NS = 50_000;
  private readonly buckets = new Uint32Array(2001);
  private n = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  add(ns: number): void {
    const ms = ns / 1e6;
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.floor(ns / TickHistogram.BUCKET_NS)))]!++;
  }

  private quantile(q: number): number {
    if (this.n === 0) return 0;
    const target = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return Math.min(this.max, ((i + 1) * TickHistogram.BUCKET_NS) / 1e6);
    }
    return this.max;
  }

  snapshot(): Distribution {
    return {
      count: this.n,
      meanMs: this.n ? this.sum / this.n : 0,
      minMs: this.n ? this.min : 0,
      maxMs: this.max,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
      p999Ms: this.quantile(0.999),
    };
  }
}
