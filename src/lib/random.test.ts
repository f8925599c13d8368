import { describe, expect, it } from 'vitest';
import { randomBase64, randomFraction, randomHex } from './random.js';

describe('pooled random', () => {
  it('gives hex and base64 of the asked length, different each time, across refills of the pool', () => {
    const seen = new Set<string>();
    // 2,000 × 16 bytes: the 4 KiB pool is refilled several times on the way.
    for (let i = 0; i < 2000; i++) {
      const h = randomHex(16);
      expect(h).toMatch(/^[0-9a-f]{32}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(2000);
    expect(randomBase64(12)).toMatch(/^[A-Za-z0-9+/]{16}$/);
  });

  it('spreads fractions over [0, 1)', () => {
    const xs = Array.from({ length: 10_000 }, randomFraction);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    // Each tenth of the range gets about a tenth of them.
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]!++;
    for (const b of bins) expect(b).toBeGreaterThan(850);
  });

  it('refuses more than the pool at once', () => {
    expect(() => randomHex(5000)).toThrow(RangeError);
  });
});
