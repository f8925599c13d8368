import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { agentKey, type WebhookAgents } from './agents.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { readCapped } from './body.js';
import { encodeRequest, parseTargetUrl, pathAndQuery, type WebhookMethod } from './encode.js';
import { WebhookError } from './errors.js';
import { checkLiteralHost, guardedLookup, policyPredicate, type NetworkPolicy } from './policy.js';
import { SIGNATURE_HEADER, signatureHeader } from './sign.js';
import { MAX_BODY_BYTES } from './xml.js';
import { preemptionPoint } from '../lib/preempt.js';

export interface DeliveryRequest {
  method: WebhookMethod;
  url: string;
  params: Array<[string, string]>;
  /** Signs every request (Hookline-Signature) when set. */
  secret?: string;
  userAgentVersion: string;
}

/** One request as it leaves: the first try, a retry, or a redirect hop. */
export interface AttemptInfo {
  attempt: number;
  method: WebhookMethod;
  url: string;
  /** Params actually carried by this request ([] on a redirect hop that dropped them). */
  params: Array<[string, string]>;
  sentAt: Date;
}

export interface AttemptOutcome {
  status?: number;
  latencyMs: number;
  body?: string;
  failure?: WebhookError;
}

/**
 * Hooks for the webhook log; awaited, so a record exists before the request leaves. An observer owns
 * its errors (deliverLogged reports them in its result): one that throws anyway is not allowed to
 * change the delivery's outcome, and its error is dropped here.
 */
export interface DeliveryObserver {
  onSend?(a: AttemptInfo): void | Promise<void>;
  onOutcome?(a: AttemptInfo, o: AttemptOutcome): void | Promise<void>;
}

export interface DeliveryOptions {
  /** Bound on the whole delivery: DNS, connects, the retry, redirects and reading the body. */
  timeoutMs: number;
  maxRedirects?: number;
  networks: NetworkPolicy;
  clock?: Clock;
  /** DNS resolver, injectable for tests; the policy checks whatever it returns. */
  lookup?: LookupFunction;
  observer?: DeliveryObserver;
  /** Shared kept-alive connections; without it each delivery has its own and closes it at the end. */
  agents?: WebhookAgents;
}

export type DeliveryResult =
  | { ok: true; status: number; body: string; latencyMs: number; urlSent: string }
  | { ok: false; status?: number; body?: string; latencyMs: number; failure: WebhookError; urlSent: string };

export const DEFAULT_MAX_REDIRECTS = 3;

/** Connection errors worth one more try: the server was not listening yet, or dropped the socket. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function classify(err: unknown, signal: AbortSignal): { failure: WebhookError; retryable: boolean } {
  // Once the deadline passed, whatever undici reports (aborted, socket closed) is the timeout's doing.
  if (signal.aborted) return { failure: signal.reason instanceof WebhookError ? signal.reason : new WebhookError('timeout', String(signal.reason)), retryable: false };
  if (err instanceof WebhookError) return { failure: err, retryable: false };
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  if (code && TIMEOUTS.has(code)) return { failure: new WebhookError('timeout', msg, { cause: err }), retryable: false };
  return {
    failure: new WebhookError('connection', code ? `${code}: ${msg}` : msg, { cause: err }),
    retryable: code !== undefined && RETRYABLE.has(code),
  };
}

interface Hop {
  method: WebhookMethod;
  url: string;
  body: string | undefined;
  headers: Record<string, string>;
  params: Array<[string, string]>;
}

/** The request a browser makes for a redirect: 303 (and 301/302 after POST) become a GET without body. */
function redirectHop(hop: Hop, status: number, location: string): Hop {
  let next: URL;
  try {
    next = parseTargetUrl(new URL(location, hop.url).href);
  } catch (err) {
    throw err instanceof WebhookError ? err : new WebhookError('bad_url', `bad redirect location "${location}"`, { cause: err });
  }
  next.hash = '';
  const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  if (!toGet) return { ...hop, url: next.href };
  const headers = { ...hop.headers };
  delete headers['content-type'];
  return { method: 'GET', url: next.href, body: undefined, headers, params: [] };
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Sends one webhook request under the spec's failure rules (docs/webhook.md "When the webhook
 * fails"): one deadline over everything, one retry of a refused or reset connection, non-2xx and
 * bodies over 64 KiB are failures, at most 3 redirects, and the outbound-request policy enforced on
 * the address actually connected to, at every hop. Never throws: every outcome is a DeliveryResult.
 */
export async function deliver(req: DeliveryRequest, opts: DeliveryOptions): Promise<DeliveryResult> {
  const clock = opts.clock ?? systemClock;
  const start = clock.now();
  const elapsed = (): number => Math.max(0, clock.now() - start);
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const onSend = async (a: AttemptInfo): Promise<void> => {
    try {
      await opts.observer?.onSend?.(a);
    } catch {
      /* see DeliveryObserver */
    }
  };
  const onOutcome = async (a: AttemptInfo, o: AttemptOutcome): Promise<void> => {
    try {
      await opts.observer?.onOutcome?.(a, o);
    } catch {
      /* see DeliveryObserver */
    }
  };

  let hop: Hop;
  try {
    const enc = encodeRequest(req.method, req.url, req.params, req.userAgentVersion);
    hop = { method: enc.method, url: enc.url, body: enc.body, headers: enc.headers, params: req.params };
  } catch (err) {
    const failure = err instanceof WebhookError ? err : new WebhookError('bad_url', String(err), { cause: err });
    return { ok: false, latencyMs: 0, failure, urlSent: req.url };
  }

  const ac = new AbortController();
  // The error is made when the deadline passes, not up front: an Error's stack trace costs more than the
  // rest of a delivery's bookkeeping, and nearly every delivery ends in time.
  const cancelTimer = clock.setTimer(opts.timeoutMs, () => ac.abort(new WebhookError('timeout', `no complete response within ${opts.timeoutMs} ms`)));
  const allowed = policyPredicate(opts.networks);
  const lookup = allowed || opts.lookup ? guardedLookup(allowed, opts.lookup) : undefined;
  // A dedicated agent: its lookup pins the checked address, and no global dispatcher setting
  // (proxy, pool) changes what the policy vetted. undici's own timers are a backstop for a fake clock.
  const makeAgent = (): Agent =>
    new Agent({
      connect: { timeout: opts.timeoutMs, ...(lookup ? { lookup } : {}) },
      headersTimeout: opts.timeoutMs + 1000,
      bodyTimeout: opts.timeoutMs + 1000,
    });
  const key = agentKey(opts.networks, opts.timeoutMs, opts.lookup);
  const shared = key !== undefined ? opts.agents?.get(key, makeAgent) : undefined;
  const agent = shared ?? makeAgent();

  let attempt = 0;
  let retried = false;
  let redirects = 0;
  try {
    for (;;) {
      attempt++;
      const info: AttemptInfo = { attempt, method: hop.method, url: hop.url, params: hop.params, sentAt: new Date(clock.now()) };
      await onSend(info);
      const t0 = clock.now();
      let status: number | undefined;
      let body: string | undefined;
      const finish = async (failure?: WebhookError): Promise<DeliveryResult> => {
        await onOutcome(info, { status, body, latencyMs: clock.now() - t0, failure });
        const base = { latencyMs: elapsed(), urlSent: hop.url };
        if (!failure) return { ok: true, status: status ?? 0, body: body ?? '', ...base };
        return { ok: false, failure, ...base, ...(status !== undefined ? { status } : {}), ...(body !== undefined ? { body } : {}) };
      };
      try {
        checkLiteralHost(new URL(hop.url).hostname, allowed);
        const headers = { ...hop.headers };
        if (req.secret) {
          // Signed per hop: a redirect changes the path and query the receiver verifies against.
          const t = Math.floor(clock.now() / 1000);
          headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeader(req.secret, t, hop.method, pathAndQuery(hop.url), hop.body ?? '');
        }
        const res = await request(hop.url, { dispatcher: agent, method: hop.method, headers, body: hop.body, signal: ac.signal });
        status = res.statusCode;
        const read = await readCapped(res.body, MAX_BODY_BYTES);
        preemptionPoint(); // what the answer sets off (parsing, the next step, store writes) waits for due audio
        body = read.text;
        const location = header(res.headers, 'location');
        if (REDIRECTS.has(status) && location !== undefined) {
          if (redirects >= maxRedirects) {
            return await finish(new WebhookError('redirects', `more than ${maxRedirects} redirects (next: ${location})`));
          }
          const next = redirectHop(hop, status, location);
          await onOutcome(info, { status, body, latencyMs: clock.now() - t0 });
          redirects++;
          hop = next;
          continue;
        }
        if (read.overLimit) return await finish(new WebhookError('too_large', `response body is over ${MAX_BODY_BYTES} bytes`));
        if (status < 200 || status > 299) return await finish(new WebhookError('http_status', `HTTP status ${status}`));
        return await finish();
      } catch (err) {
        const { failure, retryable } = classify(err, ac.signal);
        if (retryable && !retried && !ac.signal.aborted) {
          retried = true;
          await onOutcome(info, { status, body, latencyMs: clock.now() - t0, failure });
          continue;
        }
        return await finish(failure);
      }
    }
  } finally {
    cancelTimer();
    // A one-off agent's kept-alive socket is closed now rather than left to idle out.
    if (!shared) agent.destroy().catch(() => undefined);
  }
}
