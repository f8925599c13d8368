import { HooklineError } from '../lib/errors.js';

/**
 * Stable codes a caller can branch on without parsing driver messages, which differ between
 * SQLite and Postgres. `constraint` covers unique and foreign-key violations (a duplicate session id,
 * an answer for an interaction that does not exist); `busy` means another process held the write lock
 * longer than the busy timeout; `unavailable` means the database server cannot be reached (Postgres
 * down, restarting, or the network to it gone): the one failure worth queueing a write for.
 */
export type StoreErrorCode =
  | 'open_failed'
  | 'migration_failed'
  | 'not_found'
  | 'constraint'
  | 'busy'
  | 'unavailable'
  | 'invalid_argument'
  | 'closed'
  | 'query_failed';

export class StoreError extends HooklineError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Maps a driver error to a code; each dialect brings its own (SQLite codes vs Postgres SQLSTATEs). */
export type ErrorClassifier = (err: unknown) => StoreErrorCode;

/**
 * better-sqlite3 throws `SqliteError` with extended result codes such as `SQLITE_CONSTRAINT_FOREIGNKEY`
 * or `SQLITE_BUSY_SNAPSHOT`, so prefixes are compared rather than exact codes.
 */
export const classifySqliteError: ErrorClassifier = (err) => {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'constraint';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  return 'query_failed';
};

/** Connection-level failures of node-postgres: errno codes from the socket, and SQLSTATE class 08. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/**
 * node-postgres errors carry the server's SQLSTATE in `code` (23505 unique violation, 40P01 deadlock...);
 * a lost socket surfaces as an errno code, or with no code at all as "Connection terminated".
 */
export const classifyPostgresError: ErrorClassifier = (err) => {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : '';
  if (code.startsWith('23')) return 'constraint';
  // serialization failure, deadlock, lock not available, statement/lock timeout
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014') return 'busy';
  // connection exceptions, admin shutdown, crash shutdown, cannot connect now (starting up)
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || UNREACHABLE.has(code)) return 'unavailable';
  if (/connection terminated|connection timeout|not queryable|Connection ended/i.test(message)) return 'unavailable';
  return 'query_failed';
};
