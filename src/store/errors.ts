import { HooklineError } from '../lib/errors.js';

/**
 * Stable codes a caller can branch on without parsing driver messages, which differ between
 * SQLite and Postgres. `constraint` covers unique and foreign-key violations (a duplicate session id,
 * an answer for an interaction that does not exist); `busy` means another process held the write lock
 * longer than the busy timeout.
 */
export type StoreErrorCode =
  | 'open_failed'
  | 'migration_failed'
  | 'not_found'
  | 'constraint'
  | 'busy'
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
