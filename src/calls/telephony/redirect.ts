import type { Clock } from '../../lib/clock.js';
import { normaliseDialNumber } from '../../config/dial-policy.js';
import type { SipResponse } from '../../sip/message.js';
import { isSipUri, unescapeUriPart } from '../../sip/uri.js';
import type { DialRequest } from './outbound.js';
import type { DialResult } from './trunk.js';

/**
 * 3xx answers to our INVITE that name where to try instead (RFC 3261 §21.3): 300 Multiple Choices,
 * 301 Moved Permanently, 302 Moved Temporarily, 380 Alternative Service. 305 Use Proxy is not
 * followed: every leg goes through the configured trunk, and a far end does not get to pick another.
 */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([300, 301, 302, 380]);

/** New INVITEs sent because of redirects, per dial: enough for a forward or two, not for a loop. */
export const MAX_REDIRECTS = 3;

/** One Contact of a 3xx as a number to dial through the trunk. */
export interface RedirectTarget {
  /** The number as we would dial it (the Contact's user part, or a tel: URI's number). */
  number: string;
  /** The Contact's q (§20.10); 1 when absent. */
  q: number;
}

/** What one INVITE came to: a DialResult, plus the final status and, for a 3xx, where it points. */
export interface Attempt extends DialResult {
  /** The final non-2xx status, when there was one. */
  status?: number;
  /** Set when the INVITE was redirected: its Contacts, best first. */
  redirect?: RedirectTarget[];
}

/**
 * The numbers a 3xx points to, best q first, in their order among equal q (RFC 3261 §8.1.3.4: "a
 * common mechanism is to order the set by the q parameter value"). Only the number is taken: the
 * new INVITE goes through the same trunk, never to the Contact's host (a redirect must not route
 * around the trunk and its accounting). Contacts without a number (`sip:alice@example.com`, `*`, a
 * malformed value) are listed in `unusable`, for the log.
 */
export function redirectTargets(res: SipResponse): { targets: RedirectTarget[]; unusable: string[] } {
  const targets: Array<RedirectTarget & { order: number }> = [];
  const unusable: string[] = [];
  const values = res.getAll('Contact');
  values.forEach((raw, order) => {
    let number: string | undefined;
    let q = 1;
    try {
      const c = res.contacts[order];
      if (c && c !== '*') {
        const qv = c.params.get('q');
        if (qv !== undefined && qv !== null && Number.isFinite(Number(qv))) q = Number(qv);
        // A user part may carry its own parameters (`+13125550101;npdi`, RFC 4694): the number ends at ";".
        const user = isSipUri(c.uri) ? (c.uri.user === undefined ? undefined : unescapeUriPart(c.uri.user)) : c.uri.scheme.toLowerCase() === 'tel' ? c.uri.opaque : undefined;
        const digits = user?.split(';')[0]?.replace(/[\s().-]/g, '');
        if (digits && /^\+?[0-9]+$/.test(digits)) number = digits;
      }
    } catch {
      // A Contact that does not parse names nobody to call.
    }
    if (number === undefined) unusable.push(raw);
    else targets.push({ number, q, order });
  });
  targets.sort((a, b) => b.q - a.q || a.order - b.order);
  return { targets: targets.map(({ number, q }) => ({ number, q })), unusable };
}

export interface RedirectPolicy {
  clock: Clock;
  /** The dial-out policy: undefined when a number may be dialled, else why not. Without one, no redirect is followed. */
  checkDial?: (destination: string) => string | undefined;
  /** Default MAX_REDIRECTS. */
  maxRedirects?: number;
}

/** The one form of a number the target set compares, so that `3125550101` and `+13125550101` are one target. */
function key(n: string): string {
  return normaliseDialNumber(n) ?? n;
}

/**
 * Places a leg and follows the 3xx answers it gets (RFC 3261 §8.1.3.4): the Contacts join a target
 * set, each number once (two numbers forwarded to each other are tried once each, not forever), and
 * are tried one at a time, best q first, the newest redirect's targets ahead of older ones. A target
 * that fails moves on to the next; an answer, a cancel, or a 6xx (§21.6: nowhere else will do
 * better) ends the dial. Every target is checked against the dial-out policy first: a redirect must
 * not become a way around toll-fraud protection. All attempts share the ring time of the dial, and at
 * most `maxRedirects` INVITEs are sent because of redirects.
 *
 * `place` sends one INVITE for the request it is given (through the trunk, with its own leg slot).
 * The outcome is that of the last INVITE, or `refused` when the policy refused every target a
 * redirect named and nothing else was left to try.
 */
export async function followRedirects(req: DialRequest, place: (req: DialRequest) => Promise<Attempt>, o: RedirectPolicy): Promise<DialResult> {
  const maxRedirects = o.maxRedirects ?? MAX_REDIRECTS;
  const deadline = o.clock.now() + req.timeoutMs;
  const tried = new Set([key(req.destination)]);
  const pending: string[] = [];
  let hops = 0;
  let from = req.destination;
  let last = await place(req);
  for (;;) {
    const log = req.logger.child({ destination: from });
    if (last.redirect) {
      const fresh = last.redirect.map((t) => t.number).filter((n) => !tried.has(key(n)));
      for (const n of fresh) tried.add(key(n));
      pending.unshift(...fresh);
      log.info({ status: last.status, targets: fresh }, `outbound leg redirected (${last.status}) to ${fresh.length ? fresh.join(', ') : 'numbers already tried'}`);
    } else if (last.outcome === 'answered' || last.outcome === 'canceled' || (last.status ?? 0) >= 600) {
      return result(last);
    }
    if (pending.length > 0 && !o.checkDial) {
      log.warn({ targets: pending }, 'redirect not followed: no dial-out policy to check its targets against');
      return result(last);
    }
    if (pending.length > 0 && hops >= maxRedirects) {
      log.warn({ targets: pending, limit: maxRedirects }, `redirect not followed: ${maxRedirects} redirects already followed for this dial`);
      return result(last);
    }
    let next: string | undefined;
    let refused = 0;
    while (next === undefined && pending.length > 0) {
      const n = pending.shift() as string;
      const why = o.checkDial?.(n);
      if (why === undefined) next = n;
      else {
        refused++;
        log.warn({ target: n }, `redirect refused: ${why}`);
      }
    }
    // Nothing left: the last INVITE's outcome stands, unless it was a redirect whose targets the policy refused.
    if (next === undefined) return last.redirect && refused > 0 ? { outcome: 'refused' } : result(last);
    const remaining = deadline - o.clock.now();
    if (remaining <= 0) {
      log.info({ target: next }, 'redirect not followed: the ring time is used up');
      return { outcome: 'no_answer' };
    }
    hops++;
    from = next;
    // A new leg to the new number (new Call-ID, To and From tags) through the same trunk; startedAt is
    // left out so that its post-dial delay counts from now rather than from the first INVITE.
    const { startedAt: _first, ...rest } = req;
    last = await place({ ...rest, destination: next, timeoutMs: remaining });
  }
}

function result(a: Attempt): DialResult {
  return a.leg ? { outcome: a.outcome, leg: a.leg } : { outcome: a.outcome };
}
