import { timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../lib/clock.js';
import { randomToken } from './builders.js';
import { computeDigest, formatChallenge, parseCredentials, type DigestAlgorithm, type DigestCredentials, type DigestInput } from './digest.js';
import type { HeaderField, SipRequest } from './message.js';
import { formatUri, parseUri } from './uri.js';

/**
 * The server side of Digest (RFC 3261 §22.4, RFC 7616 §3.3 and §3.6, RFC 8760 §2.3): issuing
 * nonces, challenging, and checking credentials. The test kit's fake trunk uses it; a registrar can.
 */

/** What a nonce check says; anything but 'ok' makes a correct digest answer with stale=true. */
export type NonceCheck = 'ok' | 'stale' | 'unknown' | 'replay';

export interface NonceStore {
  issue(): string;
  /**
   * Checks a nonce the client used. `nc` (absent without qop) must grow with each use, so a captured
   * request cannot be replayed (RFC 7616 §3.4, §5.5); the store remembers the last one.
   */
  check(nonce: string, nc: number | undefined): NonceCheck;
}

export interface MemoryNonceStoreOptions {
  clock?: Clock;
  /** How long a nonce is good for (default 5 minutes); after that, stale=true makes clients re-hash. */
  lifetimeMs?: number;
  random?: () => string;
  /** Most nonces kept; the oldest go first (default 10 000), so a flood of 401s cannot grow memory. */
  max?: number;
}

/** Nonces in memory, random and timed: enough for one process (a cluster would share them). */
export class MemoryNonceStore implements NonceStore {
  private readonly clock: Clock;
  private readonly lifetimeMs: number;
  private readonly random: () => string;
  private readonly max: number;
  /** Insertion order is issue order, which makes eviction of the oldest cheap. */
  private readonly nonces = new Map<string, { issuedAt: number; lastNc: number }>();

  constructor(opts: MemoryNonceStoreOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.lifetimeMs = opts.lifetimeMs ?? 300_000;
    this.random = opts.random ?? (() => randomToken(16));
    this.max = opts.max ?? 10_000;
  }

  issue(): string {
    const now = this.clock.now();
    for (const [n, e] of this.nonces) {
      if (this.nonces.size < this.max && now - e.issuedAt <= 2 * this.lifetimeMs) break;
      this.nonces.delete(n);
    }
    const nonce = this.random();
    this.nonces.set(nonce, { issuedAt: now, lastNc: 0 });
    return nonce;
  }

  check(nonce: string, nc: number | undefined): NonceCheck {
    const e = this.nonces.get(nonce);
    if (!e) return 'unknown';
    if (this.clock.now() - e.issuedAt > this.lifetimeMs) return 'stale';
    if (nc !== undefined) {
      if (nc <= e.lastNc) return 'replay';
      e.lastNc = nc;
    }
    return 'ok';
  }
}

/** The password of a user in a realm, or undefined for no such user. */
export type CredentialLookup = (username: string, realm: string) => string | undefined;

export interface ChallengeOptions {
  /** 407 with Proxy-Authenticate instead of 401 with WWW-Authenticate (§22.3). */
  proxy?: boolean;
  /** Offered in this order, one header field each (RFC 8760 §2.3). Default SHA-256 then MD5. */
  algorithms?: readonly DigestAlgorithm[];
  stale?: boolean;
  opaque?: string;
}

export const DEFAULT_SERVER_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/**
 * The header fields of a challenge: one per algorithm, most preferred first (RFC 8760 §2.3), all
 * with one fresh nonce and qop="auth". Pass them to `tx.respond(401 | 407, ..., { headers })`.
 */
export function challengeHeaders(realm: string, nonces: NonceStore, opts: ChallengeOptions = {}): HeaderField[] {
  const name = opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  const nonce = nonces.issue();
  return (opts.algorithms ?? DEFAULT_SERVER_ALGORITHMS).map((algorithm) => {
    const value = formatChallenge({ realm, nonce, algorithm, qop: ['auth'], stale: opts.stale ?? false, ...(opts.opaque !== undefined ? { opaque: opts.opaque } : {}) });
    return { name, value };
  });
}

export type DigestFailure =
  | 'missing' // no credentials for our realm: the first request of every exchange
  | 'malformed'
  | 'uri-mismatch'
  | 'unsupported-algorithm'
  | 'qop-missing'
  | 'unknown-user'
  | 'mismatch'
  | 'stale';

export type DigestVerdict =
  | { ok: true; username: string; algorithm: DigestAlgorithm; credentials: DigestCredentials }
  | {
      ok: false;
      reason: DigestFailure;
      /** 400 for credentials we cannot read (RFC 7616 §3.4), else 401 or 407. */
      status: 400 | 401 | 407;
      /** A fresh challenge to send with `status` (none with 400). */
      headers: HeaderField[];
      /** Who claimed to be asking, for logs. */
      username?: string;
    };

export interface VerifyOptions extends Omit<ChallengeOptions, 'stale'> {
  /**
   * Refuse credentials without qop (RFC 2069 style). On by default: every challenge we issue offers
   * qop, so credentials without it are a downgrade (RFC 7616 §5.8).
   */
  requireQop?: boolean;
}

/**
 * Checks the Authorization (or, with `proxy`, Proxy-Authorization) of a request against our realm
 * (RFC 3261 §22.4; RFC 7616 §3.6). The nonce is judged only once the digest is right, so that
 * stale=true tells a client with good credentials to simply retry with the new nonce (RFC 7616 §3.3),
 * and a wrong password never consumes a nonce count. Unknown user and wrong password look the same
 * to the client, so the 401 does not tell which usernames exist.
 */
export function verifyDigest(request: SipRequest, lookup: CredentialLookup, realm: string, nonces: NonceStore, opts: VerifyOptions = {}): DigestVerdict {
  const allowed = opts.algorithms ?? DEFAULT_SERVER_ALGORITHMS;
  const status = opts.proxy ? 407 : 401;
  const fail = (reason: DigestFailure, username?: string): DigestVerdict => {
    const headers = reason === 'malformed' || reason === 'uri-mismatch' ? [] : challengeHeaders(realm, nonces, { ...opts, stale: reason === 'stale' });
    const verdict: DigestVerdict = { ok: false, reason, status: headers.length ? status : 400, headers };
    if (username !== undefined) verdict.username = username;
    return verdict;
  };

  // §22.3: a request may carry credentials for several realms (proxies and the UAS); find ours.
  let creds: DigestCredentials | undefined;
  let unreadable = false;
  for (const value of request.getAll(opts.proxy ? 'Proxy-Authorization' : 'Authorization')) {
    try {
      const c = parseCredentials(value);
      if (c?.realm === realm) {
        creds = c;
        break;
      }
    } catch {
      unreadable = true;
    }
  }
  if (!creds) return fail(unreadable ? 'malformed' : 'missing');
  const { username } = creds;
  if (!sameUri(creds.uri, request)) return fail('uri-mismatch', username); // RFC 2617 §3.2.2.5
  if (!allowed.includes(creds.algorithm)) return fail('unsupported-algorithm', username);
  if (!creds.qop && (opts.requireQop ?? true)) return fail('qop-missing', username);
  // userhash (RFC 7616 §3.4.4) would need a reverse index of users; we never ask for it.
  const password = creds.userhash ? undefined : lookup(username, realm);
  if (password === undefined) return fail('unknown-user', username);

  const input: DigestInput = { algorithm: creds.algorithm, username, password, realm, nonce: creds.nonce, method: request.method, uri: creds.uri, body: request.body };
  if (creds.qop) input.qop = creds.qop;
  if (creds.nc !== undefined) input.nc = creds.nc;
  if (creds.cnonce !== undefined) input.cnonce = creds.cnonce;
  let expected: string;
  try {
    expected = computeDigest(input);
  } catch {
    return fail('malformed', username);
  }
  if (!constantTimeEqual(expected, creds.response)) return fail('mismatch', username);
  if (nonces.check(creds.nonce, creds.nc) !== 'ok') return fail('stale', username);
  return { ok: true, username, algorithm: creds.algorithm, credentials: creds };
}

/** The digest-uri names the Request-URI (§22.4); compared as parsed and case-folded, so formatting differences do not matter. */
function sameUri(digestUri: string, request: SipRequest): boolean {
  try {
    return formatUri(parseUri(digestUri)).toLowerCase() === formatUri(request.uri).toLowerCase();
  } catch {
    return false;
  }
}

/** No early exit that would tell an attacker how much of the digest matched. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
