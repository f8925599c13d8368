/**
 * The console's one way to the server: JSON in and out, RFC 9457 problems turned into ApiError,
 * the session's CSRF token on every change (the server refuses a change by cookie without it), and
 * ETags handed back for If-Match.
 */
export const API_BASE = '/api/v1';

export interface ProblemIssue {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ProblemIssue[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly headers: Headers,
  ) {
    super(problem.detail || problem.title);
  }
}

export interface ApiResult<T> {
  data: T;
  status: number;
  etag: string | null;
  headers: Headers;
}

export interface RequestOptions {
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  ifMatch?: string | null;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

let csrfToken = '';
let sessionLost: () => void = () => undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the API answers 401: the session expired or was logged out elsewhere. */
export function onSessionLost(fn: () => void): void {
  sessionLost = fn;
}

function urlOf(path: string): string {
  return path.startsWith('/console/') || path.startsWith(API_BASE) ? path : API_BASE + path;
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object') {
      return { ...body, type: body.type ?? 'about:blank', title: body.title ?? res.statusText, status: res.status, detail: body.detail ?? body.title ?? res.statusText };
    }
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  if (res.status === 404) return { type: 'about:blank', title: 'Not Found', status: 404, detail: 'this hookline does not offer this (404): is it up to date?' };
  return { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 300) || `the server answered ${res.status}` };
}

export async function request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...o.headers };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  if (o.ifMatch) headers['If-Match'] = o.ifMatch;
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['Content-Type'] = 'application/json';
  } else if (o.contentType) {
    headers['Content-Type'] = o.contentType;
  }
  let res: Response;
  try {
    res = await fetch(urlOf(path), { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, { type: 'about:blank', title: 'No answer', status: 0, detail: 'hookline did not answer: is it running, and is the network up?' }, new Headers());
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && !path.startsWith('/console/')) sessionLost();
    throw new ApiError(res.status, problem, res.headers);
  }
  const type = res.headers.get('Content-Type') ?? '';
  const data = (res.status === 204 ? undefined : /json/.test(type) ? await res.json() : await res.text()) as T;
  return { data, status: res.status, etag: res.headers.get('ETag'), headers: res.headers };
}

export const get = <T>(path: string, signal?: AbortSignal): Promise<T> => request<T>('GET', path, signal ? { signal } : {}).then((r) => r.data);

/** A query string from the filled-in values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The words to show for any error a request ended with. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.problem.detail || err.problem.title;
  return err instanceof Error ? err.message : String(err);
}
