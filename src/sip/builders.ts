import { randomHex } from '../lib/random.js';
import { SipError, type PartialMessage } from './errors.js';
import { formatNameAddr, parseCallId, parseCSeq, parseNameAddr, parseVia, tagOf, type NameAddr } from './header-values.js';
import { headerKey, splitList } from './headers.js';
import { SipRequest, SipResponse, type HeaderField, type HeaderInit } from './message.js';
import { parseUri, type Uri } from './uri.js';

/** Building requests and responses the way RFC 3261 §8.1.1, §8.2.6, §9.1 and §17.1.1.3 say. */

/** The branch prefix that says "this branch is unique", RFC 3261 §8.1.1.7. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** Random lowercase hex; tags and Call-IDs need 32 bits of randomness at least (§19.3). */
export function randomToken(bytes = 8): string {
  return randomHex(bytes);
}

export function newBranch(random: () => string = randomToken): string {
  return MAGIC_COOKIE + random();
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  305: 'Use Proxy', 380: 'Alternative Service', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension',
  421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 491: 'Request Pending', 493: 'Undecipherable', 500: 'Server Internal Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline',
  604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? REASONS[Math.floor(status / 100) * 100] ?? 'Unknown';
}

/**
 * Keeps a reason phrase within its grammar (§25.1: reserved / unreserved / escaped / UTF-8 / SP / HTAB),
 * for phrases made from error messages.
 */
export function sanitizeReason(text: string): string {
  return text.replace(/[^A-Za-z0-9\-_.!~*'()\s;/?:@&=+$,\u0080-\uffff]/g, ' ').replace(/\s+/g, ' ').trim();
}

export interface ResponseOptions {
  headers?: HeaderInit;
  body?: string | Buffer;
  /** Added to To when the request's To has none and the status is above 100 (§8.2.6.2). */
  toTag?: string;
}

/**
 * A response to `req` (§8.2.6.2): Via fields in order, From, Call-ID and CSeq copied, To copied with
 * the UAS tag added, Timestamp echoed on 100 (§8.2.6.1), Record-Route copied into responses that
 * can form a dialog (§12.1.1).
 */
export function createResponse(req: SipRequest, status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
  const res = responseFromFields(req.headers, status, reason ?? reasonPhrase(status), opts.toTag);
  if (status === 100) for (const t of req.getAll('Timestamp')) res.append('Timestamp', t);
  if ((req.method === 'INVITE' || req.method === 'SUBSCRIBE') && status > 100 && status < 300) {
    for (const h of req.headers) if (h.name === 'Record-Route') res.append('Record-Route', h.value);
  }
  res.addHeaders(opts.headers);
  if (opts.body !== undefined) res.body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  return res;
}

function responseFromFields(fields: HeaderField[], status: number, reason: string, toTag?: string): SipResponse {
  const res = new SipResponse(status, reason);
  for (const key of ['via', 'from', 'to', 'call-id', 'cseq']) {
    for (const h of fields) {
      if (h.name.toLowerCase() !== key) continue;
      let value = h.value;
      if (key === 'to' && status > 100 && toTag && tagOf(parseNameAddr(value, 'To')) === undefined) {
        value = `${value};tag=${toTag}`;
      }
      res.append(h.name, value);
    }
  }
  return res;
}

/**
 * A response to a message the parser rejected, if enough of it was read: one of each of Via, From,
 * To, Call-ID and CSeq, each well-formed. Never for ACK, which gets no response (§17.2.1).
 */
export function createErrorResponse(partial: PartialMessage, status: number, reason: string, toTag: string): SipResponse | undefined {
  if (partial.kind !== 'request' || partial.method === 'ACK') return undefined;
  const one = (name: string): string | undefined => {
    const found = partial.headers.filter((h) => h.name.toLowerCase() === headerKey(name));
    return found.length === 1 ? found[0]?.value : undefined;
  };
  try {
    const vias = partial.headers.filter((h) => h.name === 'Via');
    const [from, to, callId, cseq] = [one('From'), one('To'), one('Call-ID'), one('CSeq')];
    if (!vias.length || from === undefined || to === undefined || callId === undefined || cseq === undefined) return undefined;
    // Every Via is copied into the response, so every one must be well-formed: a response with a bad
    // Via is one that neither the peer nor we could parse.
    for (const via of vias) {
      for (const v of splitList(via.value)) {
        try {
          parseVia(v);
        } catch (err) {
          // A request of another SIP version has a Via of that version; it still gets its 505.
          if (!(status === 505 && err instanceof SipError && err.status === 505)) return undefined;
        }
      }
    }
    parseNameAddr(from, 'From');
    parseNameAddr(to, 'To');
    parseCallId(callId);
    if (parseCSeq(cseq).method === 'ACK') return undefined;
  } catch {
    return undefined;
  }
  return responseFromFields(partial.headers, status, sanitizeReason(reason) || reasonPhrase(status), toTag);
}

export interface RequestInit {
  method: string;
  uri: Uri | string;
  /** The local party; a tag is added when it has none (§8.1.1.3). */
  from: NameAddr | string;
  to: NameAddr | string;
  callId?: string;
  cseq?: number;
  contact?: NameAddr | string;
  maxForwards?: number;
  headers?: HeaderInit;
  body?: string | Buffer;
  contentType?: string;
}

/** An out-of-dialog request (§8.1.1) without Via: the endpoint adds the Via when it sends. */
export function createRequest(init: RequestInit, random: () => string = randomToken): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  const from = toNameAddr(init.from, 'From');
  if (tagOf(from) === undefined) from.params.set('tag', random());
  const to = toNameAddr(init.to, 'To');
  const req = new SipRequest(init.method, uri);
  req.append('Max-Forwards', init.maxForwards ?? 70);
  req.append('From', formatNameAddr(from));
  req.append('To', formatNameAddr(to));
  req.append('Call-ID', init.callId ?? random());
  req.append('CSeq', `${init.cseq ?? 1} ${init.method}`);
  if (init.contact !== undefined) req.append('Contact', formatNameAddr(toNameAddr(init.contact, 'Contact')));
  req.addHeaders(init.headers);
  if (init.body !== undefined) {
    req.body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
    if (init.contentType) req.set('Content-Type', init.contentType);
  }
  return req;
}

export function toNameAddr(value: NameAddr | string, what: string): NameAddr {
  if (typeof value === 'string') return parseNameAddr(value, what);
  return { ...value, params: new Map(value.params) };
}

/** Copies the fields a CANCEL or a non-2xx ACK shares with its INVITE (§9.1, §17.1.1.3). */
function sameTransactionRequest(invite: SipRequest, method: 'ACK' | 'CANCEL', to: string): SipRequest {
  const req = new SipRequest(method, invite.uri);
  const topVia = invite.get('Via');
  if (topVia !== undefined) req.append('Via', topVia);
  req.append('Max-Forwards', 70);
  req.append('From', invite.headers.find((h) => h.name === 'From')?.value ?? '');
  req.append('To', to);
  req.append('Call-ID', invite.callId);
  req.append('CSeq', `${invite.cseq.seq} ${method}`);
  for (const h of invite.headers) if (h.name === 'Route') req.append('Route', h.value);
  return req;
}

/** The ACK an INVITE client transaction sends for a 300-699 (§17.1.1.3): To comes from the response. */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  return sameTransactionRequest(invite, 'ACK', response.headers.find((h) => h.name === 'To')?.value ?? '');
}

/** CANCEL for a pending INVITE (§9.1): same Request-URI, Call-ID, To, From, CSeq number and top Via. */
export function createCancel(invite: SipRequest): SipRequest {
  return sameTransactionRequest(invite, 'CANCEL', invite.headers.find((h) => h.name === 'To')?.value ?? '');
}
