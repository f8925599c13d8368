/**
 * Errors of the Administration API as RFC 9457 problem details (`application/problem+json`):
 * `type` is a tag URI per kind of problem (RFC 4151; stable, and resolvable by reading
 * docs/admin-api.md#problems), `title` the kind in words, `detail` this occurrence, and `errors`
 * the key paths at fault, written as the flows loader writes them.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AdminError, type AdminErrorCode, type AdminIssue } from '../../admin/errors.js';

const STATUS: Record<AdminErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  file_managed: 409,
  precondition_failed: 412,
  too_large: 413,
  unsupported_media: 415,
  invalid: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLE: Record<AdminErrorCode | 'internal', string> = {
  bad_request: 'The request cannot be read',
  unauthorized: 'Missing or unknown API key',
  forbidden: 'The key lacks the scope this needs',
  not_found: 'No such resource',
  conflict: 'The change conflicts with the configuration',
  file_managed: 'Managed by the flows file',
  precondition_failed: 'Changed since you read it',
  too_large: 'Request too large',
  unsupported_media: 'Unsupported media type',
  invalid: 'Invalid configuration',
  rate_limited: 'Too many attempts',
  unavailable: 'Not available on this server',
  internal: 'Internal error',
};

export const PROBLEM_TYPE_BASE = 'tag:hookline,2026:problem/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: AdminIssue[];
}

export function statusOf(code: AdminErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

export function problemBody(code: AdminErrorCode | 'internal', detail: string, errors: readonly AdminIssue[] = []): ProblemBody {
  const status = code === 'internal' ? 500 : STATUS[code];
  return { type: PROBLEM_TYPE_BASE + code, title: TITLE[code], status, detail, ...(errors.length > 0 ? { errors: [...errors] } : {}) };
}

export function problem(c: Context, code: AdminErrorCode | 'internal', detail: string, errors: readonly AdminIssue[] = []): Response {
  const body = problemBody(code, detail, errors);
  if (code === 'unauthorized') c.header('WWW-Authenticate', 'Bearer realm="hookline"'); // RFC 6750 §3
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, { 'Content-Type': 'application/problem+json' });
}

export function problemFromError(c: Context, err: AdminError): Response {
  if (err.retryAfterS !== undefined) c.header('Retry-After', String(err.retryAfterS));
  return problem(c, err.code, err.message, err.issues);
}
