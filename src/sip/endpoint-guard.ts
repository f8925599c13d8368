import { createHash } from 'node:crypto';
import { createResponse } from './builders.js';
import { tagOf, viaBranch } from './header-values.js';
import type { RequestContext, SipGuard } from './guard.js';
import type { SipRequest, SipResponse } from './message.js';
import type { RemoteInfo } from './transport.js';

/**
 * Puts a new request to the guard (guard.ts) before the transaction layer sees it. A refusal is answered
 * statelessly (§8.2.7): one response and nothing kept, so that refusing costs no transaction and no
 * retransmissions; the To tag is derived from the request, so that its retransmissions get the same one.
 * Returns whether the request goes on.
 */
export function admitRequest(
  req: SipRequest,
  source: RemoteInfo,
  guard: Pick<SipGuard, 'screen'>,
  ctx: RequestContext,
  out: { send(res: SipResponse): void; server?: string | undefined },
): boolean {
  const verdict = guard.screen(req, source, ctx);
  if (verdict.kind === 'pass') return true;
  if (verdict.kind === 'answer') {
    const res = createResponse(req, verdict.status, undefined, { toTag: statelessTag(req), ...(verdict.headers ? { headers: verdict.headers } : {}) });
    if (out.server) res.set('Server', out.server);
    out.send(res);
  }
  return false;
}

/** §8.2.7: a stateless UAS makes its To tag deterministically from the request. */
export function statelessTag(req: SipRequest): string {
  return createHash('sha256').update(`${req.callId}\n${tagOf(req.from) ?? ''}\n${viaBranch(req.topVia) ?? ''}`).digest('hex').slice(0, 16);
}
