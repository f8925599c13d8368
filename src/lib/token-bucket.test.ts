import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('admits a burst, then the sustained rate', () => {
    const b = new TokenBucket({ perSecond: 2, burst: 3 }, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(499)).toBe(false);
    expect(b.take(500)).toBe(true); // one token a half second
    expect(b.take(500)).toBe(false);
  });

  it('never holds more than the burst, however long the quiet', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 2 }, 0);
    b.take(0);
    b.take(0);
    expect(b.isFull(0)).toBe(false);
    expect(b.isFull(3_600_000)).toBe(true);
    expect([b.take(3_600_000), b.take(3_600_000), b.take(3_600_000)]).toEqual([true, true, false]);
  });

  it('says how long until the next token', () => {
    const b = new TokenBucket({ perSecond: 1 / 60, burst: 1 }, 0);
    expect(b.waitSeconds(0)).toBe(0);
    b.take(0);
    expect(b.waitSeconds(0)).toBe(60);
    expect(b.waitSeconds(30_000)).toBe(30);
  });

  it('ignores a clock that steps back', () => {
    const b = new TokenBucket({ perSecond: 1, burst: 1 }, 10_000);
    b.take(10_000);
    expect(b.take(5_000)).toBe(false);
    expect(b.take(10_999)).toBe(false);
    expect(b.take(11_000)).toBe(true);
  });
});
