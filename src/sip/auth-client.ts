import { randomToken } from './builders.js';
import { parseChallenges, selectChallenges, formatAuthorization, type DigestChallenge } from './digest.js';
import type { OutgoingRequest, SipEndpoint } from './endpoint.js';
import { SipError } from './errors.js';
import type { SipRequest, SipResponse } from './message.js';
import type { ClientTransactionHandlers } from './transaction-client.js';
import type { Destination } from './transport.js';
import { formatUri } from './uri.js';

/**
 * The UAC side of authentication (RFC 3261 §8.1.3.5, §22.2, §22.3): answer a 401 or 407 with a new
 * request carrying Digest credentials, once per challenge, for any method.
 */

export interface AuthCredentials {
  username: string;
  password: string;
  /** Answer only challenges of this realm; others are left unanswered (their 401/407 is final). */
  realm?: string;
}

function challengeKey(c: DigestChallenge): string {
  return `${c.proxy ? 'proxy' : 'www'}|${c.realm}`;
}

/**
 * The challenges answered so far, one per realm and header kind, and how often each nonce has
 * been used. Sharing a session between requests (a Registration's refreshes do) sends credentials
 * up front, as §22.3 allows for a cached realm, saving the 401 round trip while the nonce lasts;
 * each use counts nc up (RFC 7616 §3.4) so the server can tell it from a replay.
 */
export class DigestSession {
  private readonly challenges = new Map<string, DigestChallenge>();
  private readonly counts = new Map<string, number>();

  /** `random` makes the cnonce (RFC 7616 §3.4: unpredictable; 96 bits here). */
  constructor(private readonly random: () => string = () => randomToken(12)) {}

  /** The challenges of `res` we would answer with these credentials: the strongest per realm. */
  choose(res: SipResponse, credentials: AuthCredentials): DigestChallenge[] {
    return selectChallenges(parseChallenges(res)).filter((c) => credentials.realm === undefined || c.realm === credentials.realm);
  }

  /** Keeps challenges for the next requests, replacing older ones of the same realm. */
  remember(challenges: readonly DigestChallenge[]): void {
    for (const c of challenges) {
      const key = challengeKey(c);
      const old = this.challenges.get(key);
      if (old && old.nonce !== c.nonce) this.counts.delete(`${key}|${old.nonce}`);
      this.challenges.set(key, c);
    }
  }

  /** Adds Authorization / Proxy-Authorization for every remembered realm (§22.2, §22.3). */
  authorize(req: SipRequest, credentials: AuthCredentials): void {
    const uri = formatUri(req.uri);
    for (const [key, c] of this.challenges) {
      // Counted per realm as well as nonce: two servers may well hand out the same nonce text.
      const countKey = `${key}|${c.nonce}`;
      const nc = (this.counts.get(countKey) ?? 0) + 1;
      this.counts.set(countKey, nc);
      const value = formatAuthorization(c, credentials, { method: req.method, uri, body: req.body }, { nc, cnonce: this.random() });
      req.append(c.proxy ? 'Proxy-Authorization' : 'Authorization', value);
    }
  }

  /** Drops everything (after the credentials changed, say). */
  clear(): void {
    this.challenges.clear();
    this.counts.clear();
  }

  get size(): number {
    return this.challenges.size;
  }
}

export interface AuthHandlers extends ClientTransactionHandlers {
  /** A 401/407 was answered: `retry` is the new request, as sent. */
  onChallenge?(challenge: SipResponse, retry: SipRequest): void;
}

export interface SendWithAuthOptions {
  /** Share challenges and nonce counts with other requests (preemptive credentials). */
  session?: DigestSession;
  /**
   * The CSeq number of each retry (§8.1.3.5: one higher than the previous). In a dialog pass one that
   * advances the dialog's local sequence, e.g. `() => ++dialog.localSeq`, so the next request stays above it.
   */
  nextCSeq?: (previous: number) => number;
  /** Requests sent at most, first included (default 4): ends a server that says stale=true forever. */
  maxAttempts?: number;
  /** cnonce source when no session is given. */
  random?: () => string;
}

/** An OutgoingRequest whose request and transaction are those of the latest attempt. */
export interface AuthenticatedRequest extends OutgoingRequest {
  /** Requests sent so far: 1, plus one per challenge answered. */
  readonly attempts: number;
}

/**
 * Sends `request` (built without Via, as for SipEndpoint.sendRequest) and answers 401/407 (§22.2,
 * §22.3): a copy of the original with the next CSeq, the same Call-ID, From tag and To (§8.1.3.5), a
 * new branch, and credentials for every challenged realm. For an INVITE the transaction layer has
 * already ACKed the 401/407 (§17.1.1.3). A realm that challenges again without stale=true has refused
 * the credentials (RFC 2617 §3.2.1 "stale"): that response is final. With stale=true the retry uses
 * the new nonce. Handlers hear only the current attempt: provisional and final responses (never an
 * answered challenge), timeouts, transport errors and its termination.
 *
 * `cancel()` cancels the current attempt as OutgoingRequest.cancel does (INVITE: CANCEL once a
 * provisional came) and stops further retries for any method.
 */
export function sendWithAuth(
  endpoint: SipEndpoint,
  request: SipRequest,
  dest: Destination | undefined,
  credentials: AuthCredentials,
  handlers: AuthHandlers = {},
  opts: SendWithAuthOptions = {},
): AuthenticatedRequest {
  const session = opts.session ?? new DigestSession(opts.random);
  const maxAttempts = opts.maxAttempts ?? 4;
  // sendRequest adds Via and more to what it is given; retries start again from this copy.
  const template = request.clone();
  let seq = template.cseq.seq;
  const answered = new Set<string>();
  let attempts = 0;
  let cancelled = false;
  let current: OutgoingRequest | undefined;

  const retryFor = (res: SipResponse): SipRequest | undefined => {
    if (cancelled || attempts >= maxAttempts) return undefined;
    const chosen = session.choose(res, credentials);
    if (chosen.length === 0) return undefined; // nothing we can answer: no Digest, unknown algorithms
    if (chosen.some((c) => answered.has(challengeKey(c)) && !c.stale)) return undefined;
    for (const c of chosen) answered.add(challengeKey(c));
    session.remember(chosen);
    const retry = template.clone();
    seq = opts.nextCSeq ? opts.nextCSeq(seq) : seq + 1;
    retry.set('CSeq', `${seq} ${retry.method}`);
    session.authorize(retry, credentials);
    return retry;
  };

  const launch = (req: SipRequest, to: Destination | undefined): OutgoingRequest => {
    const n = attempts + 1;
    const live = (): boolean => n === attempts;
    const previous = attempts;
    attempts = n; // before sending: a synchronous transport error must reach the handlers
    try {
      return endpoint.sendRequest(req, to, {
        onProvisional: (res) => {
          if (live()) handlers.onProvisional?.(res);
        },
        onFinal: (res) => {
          if (!live()) return;
          if (res.status === 401 || res.status === 407) {
            const retry = retryFor(res);
            if (retry && current) {
              try {
                current = launch(retry, current.destination);
              } catch (err) {
                // The retry could not be sent: that, not the challenge, is why this request failed.
                handlers.onTransportError?.(err instanceof SipError ? err : new SipError('SIP_TRANSPORT', String(err), { cause: err }));
                return;
              }
              handlers.onChallenge?.(res, current.request);
              return;
            }
          }
          handlers.onFinal?.(res);
        },
        onTimeout: () => {
          if (live()) handlers.onTimeout?.();
        },
        onTransportError: (err) => {
          if (live()) handlers.onTransportError?.(err);
        },
        onTerminated: () => {
          if (live()) handlers.onTerminated?.();
        },
      });
    } catch (err) {
      attempts = previous;
      throw err;
    }
  };

  const first = template.clone();
  session.authorize(first, credentials);
  current = launch(first, dest);
  const now = (): OutgoingRequest => current as OutgoingRequest;
  return {
    get request() {
      return now().request;
    },
    get transaction() {
      return now().transaction;
    },
    get destination() {
      return now().destination;
    },
    get attempts() {
      return attempts;
    },
    cancel() {
      cancelled = true;
      now().cancel();
    },
  };
}
