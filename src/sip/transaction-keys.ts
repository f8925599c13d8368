import { MAGIC_COOKIE } from './builders.js';
import { tagOf, viaBranch, viaSentBy } from './header-values.js';
import type { SipRequest, SipResponse } from './message.js';
import { formatUri } from './uri.js';

/**
 * Transaction identifiers. A server transaction is found by the top Via's branch, its sent-by and
 * the method, ACK standing for INVITE (§17.2.3); a client transaction by the branch and the CSeq
 * method of the response (§17.1.3).
 */

/** A branch carries a transaction id only past the magic cookie (RFC 4475 §3.2.1: "z9hG4bK" alone does not). */
export function hasRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}

/** `method` overrides the request's: a CANCEL looks up its INVITE with the same key otherwise (§9.2). */
export function serverTransactionKey(req: SipRequest, method = req.method === 'ACK' ? 'INVITE' : req.method): string {
  const via = req.topVia;
  const branch = viaBranch(via);
  if (hasRfc3261Branch(branch)) return `${branch}|${viaSentBy(via)}|${method}`;
  // RFC 2543 peers (§17.2.3, second half): Request-URI, From tag, Call-ID, CSeq number, top Via.
  // The To tag is left out because an ACK carries the tag its INVITE lacked.
  const cseq = req.cseq;
  return ['2543', formatUri(req.uri), tagOf(req.from) ?? '', req.callId, cseq.seq, method, viaSentBy(via), branch ?? ''].join('|');
}

export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

/** The client transaction a response belongs to, or undefined when its branch can't name one. */
export function responseTransactionKey(res: SipResponse): string | undefined {
  const branch = viaBranch(res.topVia);
  return branch === undefined ? undefined : clientTransactionKey(branch, res.cseq.method);
}

/**
 * The key of requests that must not be merged (§8.2.2.2): From tag, Call-ID and CSeq. Two requests
 * with the same key but different transactions took different paths to us.
 */
export function mergeKey(req: SipRequest): string {
  const cseq = req.cseq;
  return `${tagOf(req.from) ?? ''}|${req.callId}|${cseq.seq}|${cseq.method}`;
}

/** Matches an ACK to the INVITE whose 2xx it acknowledges: same Call-ID, From tag and CSeq number. */
export function ackKey(req: SipRequest): string {
  return `${req.callId}|${tagOf(req.from) ?? ''}|${req.cseq.seq}`;
}
