import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { StoreError } from './errors.js';
import type { Database, SqlFlavor } from './schema.js';

/** What every repository gets: the database, the clock, and `run`, which turns failures into StoreErrors. */
export interface RepoContext {
  readonly clock: Clock;
  /** This process's node (HOOKLINE_NODE_ID): stamped on the calls it creates and the work it claims. */
  readonly nodeId: string;
  readonly flavor: SqlFlavor;
  run<T>(operation: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/**
 * Dates become integer milliseconds. An invalid Date is refused here because SQLite would silently
 * store NaN as NULL and the error would surface later as a confusing NOT NULL violation.
 */
export function toMs(d: Date, field: string): number {
  const ms = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new StoreError('invalid_argument', `${field} is not a valid Date`);
  return ms;
}

export function optMs(d: Date | undefined, field: string): number | null {
  return d === undefined ? null : toMs(d, field);
}

/** Postgres returns `bigint` as a string, SQLite as a number: `Number()` reads both. */
export function fromMs(v: number | string): Date {
  return new Date(Number(v));
}

export function optDate(v: number | string | null): Date | undefined {
  return v === null ? undefined : fromMs(v);
}

/** SQL NULL reads back as an absent optional field, never as `null`, to match the record types. */
export function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

/**
 * Durations are stored as integers; callers measure latency with `performance.now()`, which is
 * fractional, and Postgres would reject a fraction in an integer column where SQLite would keep it.
 */
export function whole(n: number, field: string): number {
  if (!Number.isFinite(n)) throw new StoreError('invalid_argument', `${field} must be a finite number`);
  return Math.round(n);
}

export function optWhole(n: number | undefined, field: string): number | null {
  return n === undefined ? null : whole(n, field);
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new StoreError('invalid_argument', `limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

/** For updates by key: zero rows touched means the caller referred to something that does not exist. */
export function ensureUpdated(result: { numUpdatedRows: bigint }, what: string): void {
  if (result.numUpdatedRows === 0n) throw new StoreError('not_found', `${what} not found`);
}
