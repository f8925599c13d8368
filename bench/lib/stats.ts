/** Small numeric helpers shared by the benchmark sections. */

export interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank quantile of an ascending array (NaN when empty). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

export function quantiles(values: number[] | Float64Array, digits = 3): Quantiles {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: round(quantile(s, 0.5), digits), p99: round(quantile(s, 0.99), digits), max: round(s.length ? (s[s.length - 1] as number) : NaN, digits) };
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A number for the table: fixed digits, "n/a" for NaN/undefined. */
export function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}
