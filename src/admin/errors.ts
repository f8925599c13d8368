import { HooklineError } from '../lib/errors.js';

/**
 * The operator's side's one error class. Each code maps to one HTTP status (api/admin/problem.ts),
 * and `issues` carry key paths written as the flows loader writes them (`questions[2].max_digits`),
 * so the Administration API, the console and `hookline serve` describe a mistake in the same words.
 */
export type AdminErrorCode =
  | 'bad_request' // 400: the request itself cannot be read (not JSON, bad query)
  | 'unauthorized' // 401
  | 'forbidden' // 403: a valid key without the scope
  | 'not_found' // 404
  | 'conflict' // 409: the change contradicts the configuration (a reference, an existing id)
  | 'file_managed' // 409: the item belongs to the flows file
  | 'precondition_failed' // 412: If-Match names a version that is no longer current
  | 'too_large' // 413
  | 'unsupported_media' // 415
  | 'invalid' // 422: the body is readable but not a valid configuration
  | 'rate_limited' // 429
  | 'unavailable'; // 503: something the request needs is not set up (no trunk, no password)

export interface AdminIssue {
  /** Key path inside the request body (or the query), as the flows loader writes it; '' for the whole. */
  path: string;
  message: string;
}

export class AdminError extends HooklineError {
  declare readonly code: AdminErrorCode;
  readonly issues: readonly AdminIssue[];
  /** When trying again makes sense (a 503 while the server restarts): sent as Retry-After. */
  readonly retryAfterS: number | undefined;

  constructor(code: AdminErrorCode, message: string, options: { issues?: readonly AdminIssue[]; cause?: unknown; retryAfterS?: number } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.issues = options.issues ?? [];
    this.retryAfterS = options.retryAfterS;
  }
}
