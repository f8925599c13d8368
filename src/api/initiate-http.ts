/**
 * What the three Call Initiation forms share at the HTTP edge: reading form fields from GET and POST
 * alike, and running the injected CallInitiator with logging.
 */
import type { Context } from 'hono';
import type { Logger } from '../lib/logger.js';
import type { KeyCheck } from './auth.js';
import type { Fields } from './initiate-form.js';
import type { CallInitiator, InitiateRequest, InitiateResult } from './initiate-types.js';

export interface InitiationDeps {
  /** Whether a presented key may place calls. */
  authorize: KeyCheck;
  initiator: CallInitiator;
  logger: Logger;
  /** True while the server shuts down: no new call is placed (each form answers 503). */
  draining?: () => boolean;
}

/** Retry-After of a request refused while the server shuts down: about what a restart takes. */
export const RESTART_RETRY_AFTER_S = 30;

/**
 * True while the server shuts down, with Retry-After set on the answer: the form then answers 503 in
 * its own words. Checked before the key: nothing is learnt from it but that the server is restarting.
 */
export function refusedWhileDraining(c: Context, deps: InitiationDeps): boolean {
  if (!deps.draining?.()) return false;
  c.header('Retry-After', String(RESTART_RETRY_AFTER_S));
  return true;
}

/**
 * True when the node took no new call (the initiator's `unavailable`), with Retry-After set on the answer:
 * the form then answers 503 in its own words, as while the server shuts down.
 */
export function refusedAsUnavailable(c: Context, r: InitiateResult | undefined): boolean {
  if (r?.outcome !== 'unavailable') return false;
  c.header('Retry-After', String(r.retryAfterS ?? RESTART_RETRY_AFTER_S));
  return true;
}

/**
 * The request's fields: query string first, then a form body (`application/x-www-form-urlencoded`,
 * or `multipart/form-data`, which is what the PHP client's curl sends with an array of fields:
 * §0, PHP Request.php). The server "accepted GET and POST" (§0: the Python client uses GET, the PHP
 * client POST; §5.0 "You can use GET or POST"). A body field overrides a query field of the same name
 * and the last of repeated names wins, as PHP's `$_REQUEST` gives them to a script.
 */
export async function readFields(c: Context, logger: Logger): Promise<Fields> {
  const fields = new Map<string, string>();
  for (const [k, v] of new URL(c.req.url).searchParams) fields.set(k, v);
  if (c.req.method === 'POST') {
    try {
      // hono keeps the parsed body, so a later handler of the same path can read it again.
      const body = await c.req.parseBody();
      for (const [k, v] of Object.entries(body)) {
        const last = Array.isArray(v) ? v[v.length - 1] : v;
        if (typeof last === 'string') fields.set(k, last);
      }
    } catch (err) {
      // A malformed body carries no fields; the answer then names what is missing.
      logger.debug({ err }, 'call initiation: unreadable form body');
    }
  }
  return fields;
}

/**
 * Runs the initiator. Undefined when it threw: the error is logged here with its cause, and each
 * form answers it in its own way (a failed call in the original's forms, a 500 in the JSON API).
 * Keys and phone numbers are not logged.
 */
export async function runInitiation(deps: InitiationDeps, req: InitiateRequest): Promise<InitiateResult | undefined> {
  const ctx = { kind: req.kind, source: req.source };
  try {
    const r = await deps.initiator.initiate(req);
    deps.logger.info({ ...ctx, outcome: r.outcome, sessionId: r.sessionId, reason: r.reason }, 'call initiation');
    return r;
  } catch (err) {
    deps.logger.error({ ...ctx, err }, 'call initiation: the initiator failed');
    return undefined;
  }
}
