/**
 * Fetches a file from a URL someone gave us (the original Administration API's `recording.upload`
 * takes a public URL to the audio), under the same outbound-request policy as webhooks: the address
 * actually connected to is checked at every redirect hop, so a URL cannot reach the operator's
 * internal network unless HOOKLINE_WEBHOOK_NETWORKS allows it. Bytes, not text, and a size cap read
 * as the body streams in, so a huge or endless body costs nothing beyond the cap.
 */
import type { LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../lib/clock.js';
import { parseTargetUrl } from './encode.js';
import { WebhookError } from './errors.js';
import { checkLiteralHost, guardedLookup, policyPredicate, type NetworkPolicy } from './policy.js';

export interface FetchFileOptions {
  networks: NetworkPolicy;
  maxBytes: number;
  /** Bound on the whole fetch: DNS, connects, redirects and the body. */
  timeoutMs: number;
  maxRedirects?: number;
  /** DNS resolver, injectable for tests; the policy checks whatever it returns. */
  lookup?: LookupFunction;
  userAgent?: string;
  clock?: Clock;
}

export interface FetchedFile {
  bytes: Uint8Array;
  contentType: string | undefined;
  /** The URL the bytes came from, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

type Body = Dispatcher.ResponseData['body'];

/** Closes the connection without reading on; the abort undici then reports is expected, not an error. */
function discard(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readBytes(body: Body, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) {
      discard(body);
      throw new WebhookError('too_large', `the file is over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** GETs `url`; throws WebhookError (bad_url, policy, connection, timeout, http_status, too_large, redirects). */
export async function fetchFile(url: string, o: FetchFileOptions): Promise<FetchedFile> {
  let target = parseTargetUrl(url);
  const allowed = policyPredicate(o.networks);
  const lookup = allowed || o.lookup ? guardedLookup(allowed, o.lookup) : undefined;
  const ac = new AbortController();
  const timeout = new WebhookError('timeout', `no complete answer within ${o.timeoutMs} ms`);
  const cancelTimer = (o.clock ?? systemClock).setTimer(o.timeoutMs, () => ac.abort(timeout));
  // A dedicated agent whose lookup pins the checked address (see client.ts), closed at the end.
  const agent = new Agent({ connect: { timeout: o.timeoutMs, ...(lookup ? { lookup } : {}) } });
  const maxRedirects = o.maxRedirects ?? 3;
  try {
    for (let hop = 0; ; hop++) {
      checkLiteralHost(target.hostname, allowed);
      const res = await request(target.href, {
        dispatcher: agent,
        method: 'GET',
        headers: { 'user-agent': o.userAgent ?? 'hookline' },
        signal: ac.signal,
      });
      const location = first(res.headers['location']);
      if (REDIRECTS.has(res.statusCode) && location !== undefined) {
        await res.body.dump();
        if (hop >= maxRedirects) throw new WebhookError('redirects', `more than ${maxRedirects} redirects`);
        target = parseTargetUrl(new URL(location, target).href);
        continue;
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump();
        throw new WebhookError('http_status', `HTTP status ${res.statusCode}`);
      }
      const length = Number(first(res.headers['content-length']) ?? NaN);
      if (length > o.maxBytes) {
        discard(res.body);
        throw new WebhookError('too_large', `the file is over ${o.maxBytes} bytes (${length})`);
      }
      const bytes = await readBytes(res.body, o.maxBytes);
      return { bytes, contentType: first(res.headers['content-type']), url: target.href };
    }
  } catch (err) {
    if (ac.signal.aborted) throw timeout;
    if (err instanceof WebhookError) throw err;
    // The guarded lookup's refusal arrives wrapped in undici's connect error.
    for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof WebhookError) throw e;
    throw new WebhookError('connection', err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    cancelTimer();
    agent.destroy().catch(() => undefined);
  }
}
