import { WebhookError } from './errors.js';

export type WebhookMethod = 'GET' | 'POST';

export interface EncodedRequest {
  method: WebhookMethod;
  /** The URL exactly as it goes on the wire (no fragment). */
  url: string;
  /** The form body for POST; undefined for GET. */
  body: string | undefined;
  headers: Record<string, string>;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Parses a target URL, accepting only http(s): anything else is a configuration or redirect mistake. */
export function parseTargetUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new WebhookError('bad_url', `not a URL: ${url}`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new WebhookError('bad_url', `only http and https URLs are allowed: ${url}`);
  }
  return u;
}

/** The request-target the server sees: what the signature covers. */
export function pathAndQuery(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/**
 * `application/x-www-form-urlencoded`, the serializer an HTML form uses (space as `+`, UTF-8
 * percent-encoding), so a receiver's form parser sees exactly what a submitted form gives it.
 */
export function formEncode(params: ReadonlyArray<readonly [string, string]>): string {
  return new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
}

/**
 * Appends form-encoded params to the URL's query. The customer's static query is kept as written
 * (after WHATWG normalisation, which a browser applies too) and stays first, as the spec asks.
 */
export function appendQuery(url: URL, encoded: string): string {
  const u = new URL(url.href);
  u.hash = '';
  const base = u.href;
  if (encoded === '') return base;
  // A bare "?" or a trailing "&" already separates; adding another would create an empty pair.
  if (base.endsWith('?') || base.endsWith('&')) return base + encoded;
  return base + (u.search === '' ? '?' : '&') + encoded;
}

/**
 * Builds the request as it will be sent: GET puts the params in the query after the static ones,
 * POST sends them as a UTF-8 form body and leaves the URL's own query alone.
 */
export function encodeRequest(
  method: WebhookMethod,
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
  userAgentVersion: string,
): EncodedRequest {
  const target = parseTargetUrl(url);
  const headers: Record<string, string> = { 'user-agent': `hookline/${userAgentVersion}` };
  const encoded = formEncode(params);
  if (method === 'GET') {
    return { method, url: appendQuery(target, encoded), body: undefined, headers };
  }
  headers['content-type'] = FORM_CONTENT_TYPE;
  return { method, url: appendQuery(target, ''), body: encoded, headers };
}
