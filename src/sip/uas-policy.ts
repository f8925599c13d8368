import { paramValue, parseParams } from './headers.js';
import type { SipRequest, SipResponse } from './message.js';
import { isSipUri } from './uri.js';

/**
 * The UAS core's checks on a new request before the TU sees it (RFC 3261 §8.2, in its order:
 * method, Request-URI, extensions), plus what the core adds to responses: Allow, Supported, a
 * Contact on dialog-forming responses, and the Session-Expires answer of RFC 4028.
 */
export interface UasPolicy {
  /** Methods the TU handles. OPTIONS is answered by the core unless listed here. */
  methods: ReadonlySet<string>;
  /** Option tags we support (§8.2.2.3); lower-case. */
  supported: ReadonlySet<string>;
  /** RFC 4028 §5: the smallest Session-Expires we accept, seconds (at least 90). */
  minSE: number;
}

/** Methods of RFC 3261 and its common extensions: known but maybe not allowed, so 405 rather than 501. */
const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'SUBSCRIBE', 'NOTIFY',
  'REFER', 'MESSAGE', 'PUBLISH',
]);

export interface Rejection {
  status: number;
  reason?: string;
  headers?: Record<string, string>;
}

export function allowHeader(policy: UasPolicy): string {
  return [...new Set([...policy.methods, 'ACK', 'CANCEL', 'OPTIONS'])].join(', ');
}

/** Why the core refuses a new request, or undefined to pass it on. */
export function screenRequest(req: SipRequest, policy: UasPolicy): Rejection | undefined {
  const m = req.method;
  // §8.2.1: an unknown method is 501; a known one we don't do is 405 with Allow.
  if (!policy.methods.has(m) && m !== 'OPTIONS') {
    if (!KNOWN_METHODS.has(m)) return { status: 501 };
    return { status: 405, headers: { Allow: allowHeader(policy) } };
  }
  // §8.2.2.1: a scheme we don't understand is 416 (RFC 4475 §3.3.2, §3.3.3).
  if (!isSipUri(req.uri)) return { status: 416 };
  // §8.1.1.8: a request that can make a dialog has exactly one Contact, a SIP or SIPS URI: the remote
  // target of every request we send in the dialog (a BYE to a tel: URI cannot be routed).
  if (m === 'INVITE') {
    const contacts = req.contacts;
    const only = contacts.length === 1 ? contacts[0] : undefined;
    if (only === undefined || only === '*' || !isSipUri(only.uri)) {
      return { status: 400, reason: 'Bad Request (an INVITE needs exactly one SIP or SIPS Contact)' };
    }
  }
  // §8.2.2.3: Require with extensions we lack is 420, naming them in Unsupported (RFC 4475 §3.3.5).
  let required: string[];
  try {
    required = req.require;
  } catch {
    return { status: 400, reason: 'Bad Request (malformed Require header)' };
  }
  const unsupported = required.filter((tag) => !policy.supported.has(tag.toLowerCase()));
  if (unsupported.length) return { status: 420, headers: { Unsupported: unsupported.join(', ') } };
  // RFC 4028 §8.1: a session interval below our minimum is 422 with Min-SE.
  const se = sessionExpires(req);
  if (se === 'malformed') return { status: 400, reason: 'Bad Request (malformed Session-Expires header)' };
  if (se && se.delta < policy.minSE) return { status: 422, headers: { 'Min-SE': String(policy.minSE) } };
  return undefined;
}

interface SessionExpires {
  delta: number;
  refresher: string | undefined;
}

export function sessionExpires(req: SipRequest): SessionExpires | undefined | 'malformed' {
  const v = req.get('Session-Expires');
  if (v === undefined) return undefined;
  const m = /^\s*(\d{1,10})\s*(;.*)?$/s.exec(v);
  if (!m || !m[1]) return 'malformed';
  try {
    return { delta: Number(m[1]), refresher: paramValue(parseParams(m[2] ?? '', 'Session-Expires'), 'refresher') };
  } catch {
    return 'malformed';
  }
}

export interface DecorateContext {
  policy: UasPolicy;
  /** Our Contact for the transport the request came on. */
  contact: string;
  server?: string;
}

/** Adds what the TU would otherwise have to remember; never overrides what it set. */
export function decorateResponse(req: SipRequest, res: SipResponse, ctx: DecorateContext): void {
  const s = res.status;
  if (ctx.server && !res.has('Server')) res.append('Server', ctx.server);
  if (s === 100) return;
  const dialogForming = req.method === 'INVITE' || req.method === 'SUBSCRIBE';
  // §12.1.1: a response that forms a dialog carries the UAS's Contact.
  if (dialogForming && s < 300 && !res.has('Contact')) res.append('Contact', ctx.contact);
  if ((s >= 200 && s < 300 && (req.method === 'INVITE' || req.method === 'OPTIONS')) || s === 405) {
    if (!res.has('Allow')) res.append('Allow', allowHeader(ctx.policy));
  }
  if (s >= 200 && s < 300 && req.method === 'INVITE' && !res.has('Supported') && ctx.policy.supported.size) {
    res.append('Supported', [...ctx.policy.supported].join(', '));
  }
  if (s >= 200 && s < 300 && (req.method === 'INVITE' || req.method === 'UPDATE')) answerSessionTimer(req, res);
}

/**
 * RFC 4028 §9: when the UAC supports session timers we answer its Session-Expires and make the UAC
 * the refresher (Require: timer tells it so), because hookline does not send refreshes itself.
 * RFC 4028's table says a request that asked for refresher=uas should get uas back; we still answer
 * uac, since a refresher that never refreshes would have the call torn down at expiry.
 */
function answerSessionTimer(req: SipRequest, res: SipResponse): void {
  const se = sessionExpires(req);
  if (!se || se === 'malformed' || res.has('Session-Expires')) return;
  let timer: boolean;
  try {
    timer = [...req.supported, ...req.require].some((t) => t.toLowerCase() === 'timer');
  } catch {
    return;
  }
  if (!timer) return;
  res.append('Session-Expires', `${se.delta};refresher=uac`);
  if (!res.getAll('Require').some((t) => t.toLowerCase() === 'timer')) res.append('Require', 'timer');
}

/** Headers of the core's own answer to OPTIONS (§11.2). */
export function optionsHeaders(policy: UasPolicy): Record<string, string> {
  const h: Record<string, string> = { Allow: allowHeader(policy), Accept: 'application/sdp', 'Accept-Language': 'en' };
  if (policy.supported.size) h.Supported = [...policy.supported].join(', ');
  return h;
}
