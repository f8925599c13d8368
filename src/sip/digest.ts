import { createHash } from 'node:crypto';
import { SipError } from './errors.js';
import { quote, readQuoted, splitList } from './headers.js';
import type { SipResponse } from './message.js';

/**
 * HTTP Digest as SIP uses it (RFC 3261 §22.4), with the algorithms of RFC 7616 that RFC 8760 brings
 * to SIP: reading challenges, choosing one, and computing the credentials that answer it. Pure
 * functions; the nonce-count bookkeeping lives with the client session (auth-client.ts) and the
 * server side lives in digest-server.ts.
 */

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';
export type DigestQop = 'auth' | 'auth-int';

interface AlgorithmInfo {
  /** Node's name for the hash. */
  hash: string;
  /** "-sess": HA1 also covers nonce and cnonce (RFC 7616 §3.4.2). */
  sess: boolean;
  /** Our preference when a response offers several (higher is stronger). */
  strength: number;
}

// RFC 8760 brings SHA-256 and SHA-512/256 to SIP and keeps MD5 for older peers. A "-sess"
// variant is no stronger than its base hash, and fewer servers get it right, so it ranks just below.
const ALGORITHMS: Readonly<Record<DigestAlgorithm, AlgorithmInfo>> = {
  'SHA-512-256': { hash: 'sha512-256', sess: false, strength: 6 },
  'SHA-512-256-sess': { hash: 'sha512-256', sess: true, strength: 5 },
  'SHA-256': { hash: 'sha256', sess: false, strength: 4 },
  'SHA-256-sess': { hash: 'sha256', sess: true, strength: 3 },
  MD5: { hash: 'md5', sess: false, strength: 2 },
  'MD5-sess': { hash: 'md5', sess: true, strength: 1 },
};

const BY_LOWER = new Map(Object.keys(ALGORITHMS).map((a) => [a.toLowerCase(), a as DigestAlgorithm]));

/** The canonical name of an algorithm token (they compare case-insensitively), if we support it. */
export function digestAlgorithm(token: string): DigestAlgorithm | undefined {
  return BY_LOWER.get(token.toLowerCase());
}

/** Hex digest of UTF-8 text (RFC 7616 §3.4: H(data) is the lowercase hex of the hash). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(ALGORITHMS[algorithm].hash).update(data).digest('hex');
}

// ---- reading challenges and credentials ---------------------------------------------------

/** One `scheme auth-param, auth-param...` with parameter names lower-cased and values unquoted. */
export interface AuthItem {
  scheme: string;
  params: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Splits a WWW-Authenticate / Authorization value into its challenges or credentials (RFC 3261
 * §25.1 `challenge`, RFC 7235 §4.1). SIP sends one per header field, but HTTP-style values that
 * pack several (`Digest a=1, Digest b=2`) are read too: an element that is a token followed by
 * something other than "=" starts a new one. LWS around "=" is allowed (SIP's EQUAL). Throws
 * SIP_PARSE on a value that cannot be read; a repeated parameter is malformed (RFC 7235 §2.1).
 */
export function parseAuthItems(value: string): AuthItem[] {
  const items: AuthItem[] = [];
  let current: AuthItem | undefined;
  for (const element of splitList(value)) {
    if (element === '') continue; // RFC 7230 §7: empty list elements are ignored
    const m = TOKEN.exec(element);
    if (!m) throw authError(`malformed auth-param ${JSON.stringify(element)}`);
    const name = m[0];
    const raw = element.slice(name.length);
    const rest = raw.trimStart();
    if (rest.startsWith('=')) {
      if (!current) throw authError('auth-param before any scheme');
      addParam(current, name, rest.slice(1).trim());
      continue;
    }
    if (raw !== '' && raw === rest) throw authError(`malformed auth scheme ${JSON.stringify(element)}`);
    current = { scheme: name, params: new Map() };
    items.push(current);
    if (rest === '') continue;
    // The first auth-param shares the element with the scheme; token68 (Basic's base64 and the
    // like, which may end in "=") is kept whole under the name "": Digest never uses it.
    const p = TOKEN.exec(rest);
    const after = p ? rest.slice(p[0].length).trimStart() : '';
    if (p && after.startsWith('=') && !/^=+$/.test(after)) addParam(current, p[0], after.slice(1).trim());
    else current.params.set('', rest);
  }
  return items;
}

function addParam(item: AuthItem, name: string, raw: string): void {
  const key = name.toLowerCase();
  if (item.params.has(key)) throw authError(`repeated auth-param ${key}`);
  let value: string;
  if (raw.startsWith('"')) {
    const q = readQuoted(raw, 0);
    if (q.end !== raw.length) throw authError(`text after quoted ${key}`);
    value = q.value;
  } else {
    // The grammar says token; a bare base64 nonce ("/" is no token char) is read too, as peers send it.
    if (!/^[^\s",]+$/.test(raw)) throw authError(`malformed value of ${key}`);
    value = raw;
  }
  item.params.set(key, value);
}

function authError(message: string): SipError {
  return new SipError('SIP_PARSE', message, { status: 400 });
}

export interface DigestChallenge {
  /** From Proxy-Authenticate (answered with Proxy-Authorization) rather than WWW-Authenticate (§22.3). */
  proxy: boolean;
  realm: string;
  nonce: string;
  opaque?: string;
  /** MD5 when the challenge names none (RFC 2617 §3.2.1). */
  algorithm: DigestAlgorithm;
  /** Empty for an RFC 2069-style challenge without qop. */
  qop: DigestQop[];
  stale: boolean;
  /** RFC 7616 §3.4.4: send H(username:realm) instead of the username. */
  userhash: boolean;
}

/**
 * The Digest challenges of one header value that we can answer. A challenge with an algorithm we
 * do not know, or whose qop offers only unknown values, is skipped (RFC 7616 §3.3: such a challenge
 * "SHOULD be ignored" and another one used), as is one without realm or nonce; a malformed value yields nothing.
 */
export function parseChallenge(value: string, proxy = false): DigestChallenge[] {
  let items: AuthItem[];
  try {
    items = parseAuthItems(value);
  } catch {
    return [];
  }
  const out: DigestChallenge[] = [];
  for (const { scheme, params } of items) {
    if (scheme.toLowerCase() !== 'digest') continue;
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    const algorithm = digestAlgorithm(params.get('algorithm') ?? 'MD5');
    if (realm === undefined || nonce === undefined || algorithm === undefined) continue;
    const qopText = params.get('qop');
    const qop = qopText === undefined ? [] : qopOptions(qopText);
    if (qopText !== undefined && qop.length === 0) continue;
    const challenge: DigestChallenge = {
      proxy,
      realm,
      nonce,
      algorithm,
      qop,
      stale: params.get('stale')?.toLowerCase() === 'true',
      userhash: params.get('userhash')?.toLowerCase() === 'true',
    };
    const opaque = params.get('opaque');
    if (opaque !== undefined) challenge.opaque = opaque;
    out.push(challenge);
  }
  return out;
}

function qopOptions(text: string): DigestQop[] {
  const known = text.split(',').map((q) => q.trim().toLowerCase());
  return (['auth', 'auth-int'] as const).filter((q) => known.includes(q));
}

/**
 * Every answerable challenge of a 401 or 407, in header order. Both header names are read whatever
 * the status: a forking proxy puts its own and the UASs' challenges into one response (§16.7 step 7).
 */
export function parseChallenges(res: SipResponse): DigestChallenge[] {
  return [
    ...res.getAll('Proxy-Authenticate').flatMap((v) => parseChallenge(v, true)),
    ...res.getAll('WWW-Authenticate').flatMap((v) => parseChallenge(v, false)),
  ];
}

/**
 * One challenge per realm (and header kind), the strongest algorithm we support, ties going to the
 * one listed first. RFC 8760 §2.4 lets the UAC choose by local policy instead of taking the topmost;
 * ours is strength, so a server listing MD5 first still gets SHA-256 when it offers it. §22.3 wants
 * every realm answered, so several can come back.
 */
export function selectChallenges(challenges: readonly DigestChallenge[]): DigestChallenge[] {
  const best = new Map<string, DigestChallenge>();
  for (const c of challenges) {
    const key = `${c.proxy ? 'p' : 'w'}|${c.realm}`;
    const held = best.get(key);
    if (!held || ALGORITHMS[c.algorithm].strength > ALGORITHMS[held.algorithm].strength) best.set(key, c);
  }
  return [...best.values()];
}

// ---- computing the response ---------------------------------------------------------------

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  /** The digest-uri: in SIP, the Request-URI as sent (§22.4). */
  uri: string;
  qop?: DigestQop;
  /** Nonce count, 1 for the first use of a nonce. Required with qop. */
  nc?: number;
  /** Required with qop and with "-sess" algorithms. */
  cnonce?: string;
  /** For qop=auth-int: the message body (empty if none). */
  body?: Buffer;
}

/** nc-value = 8LHEX (RFC 2617 §3.2.2). */
export function formatNc(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/**
 * request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1-3.4.3):
 *   HA1 = H(username:realm:password), for "-sess" H(HA1:nonce:cnonce)
 *   HA2 = H(method:uri), for auth-int H(method:uri:H(body))
 *   response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop (RFC 2069)
 */
export function computeDigest(i: DigestInput): string {
  const H = (data: string | Buffer): string => digestHash(i.algorithm, data);
  const info = ALGORITHMS[i.algorithm];
  if ((i.qop || info.sess) && i.cnonce === undefined) throw new SipError('SIP_ARGUMENT', 'digest: cnonce is needed with qop and -sess');
  let ha1 = H(`${i.username}:${i.realm}:${i.password}`);
  if (info.sess) ha1 = H(`${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const ha2 = i.qop === 'auth-int' ? H(`${i.method}:${i.uri}:${H(i.body ?? Buffer.alloc(0))}`) : H(`${i.method}:${i.uri}`);
  if (!i.qop) return H(`${ha1}:${i.nonce}:${ha2}`);
  if (i.nc === undefined) throw new SipError('SIP_ARGUMENT', 'digest: nc is needed with qop');
  return H(`${ha1}:${i.nonce}:${formatNc(i.nc)}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

export interface DigestRequestInfo {
  method: string;
  uri: string;
  body?: Buffer;
}

/**
 * The credentials that answer `challenge` (RFC 7616 §3.4, RFC 3261 §25.1 `digest-response`), as a
 * header value for Authorization or Proxy-Authorization. qop "auth" is used when offered (it is what
 * every server implements); "auth-int" only when it is the sole option. Quoting follows the grammar:
 * algorithm, qop, nc and userhash are tokens and must go unquoted (servers reject `qop="auth"`);
 * the rest are quoted-strings. Parameters come in RFC 7616 §3.9.1's order.
 */
export function formatAuthorization(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  request: DigestRequestInfo,
  counter: { nc: number; cnonce: string },
): string {
  const { algorithm, realm, nonce } = challenge;
  const qop: DigestQop | undefined = challenge.qop.includes('auth') ? 'auth' : challenge.qop[0];
  const withCnonce = qop !== undefined || ALGORITHMS[algorithm].sess;
  const input: DigestInput = { algorithm, username: credentials.username, password: credentials.password, realm, nonce, ...request };
  if (qop) {
    input.qop = qop;
    input.nc = counter.nc;
  }
  if (withCnonce) input.cnonce = counter.cnonce;
  const username = challenge.userhash ? digestHash(algorithm, `${credentials.username}:${realm}`) : credentials.username;
  const parts = [`username=${quote(username)}`, `realm=${quote(realm)}`, `uri=${quote(request.uri)}`, `algorithm=${algorithm}`, `nonce=${quote(nonce)}`];
  if (qop) parts.push(`nc=${formatNc(counter.nc)}`);
  if (withCnonce) parts.push(`cnonce=${quote(counter.cnonce)}`);
  if (qop) parts.push(`qop=${qop}`);
  parts.push(`response=${quote(computeDigest(input))}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/**
 * A challenge as a header value (RFC 3261 §25.1 `digest-cln`): here qop-options is a quoted list
 * while algorithm and stale stay tokens.
 */
export function formatChallenge(c: Omit<DigestChallenge, 'proxy' | 'userhash'> & { userhash?: boolean }): string {
  const parts = [`realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`];
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  parts.push(`algorithm=${c.algorithm}`);
  if (c.qop.length) parts.push(`qop=${quote(c.qop.join(','))}`);
  if (c.stale) parts.push('stale=true');
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/** Digest credentials read from an Authorization or Proxy-Authorization value (server side). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: DigestQop;
  nc?: number;
  cnonce?: string;
  opaque?: string;
  userhash: boolean;
}

/**
 * Reads Digest credentials; undefined for another scheme. Throws SIP_PARSE when they are malformed
 * or incomplete (RFC 7616 §3.4: qop requires nc and cnonce) or name an algorithm we do not know.
 */
export function parseCredentials(value: string): DigestCredentials | undefined {
  const item = parseAuthItems(value)[0];
  if (!item || item.scheme.toLowerCase() !== 'digest') return undefined;
  const p = item.params;
  const need = (name: string): string => {
    const v = p.get(name);
    if (v === undefined) throw authError(`Digest credentials without ${name}`);
    return v;
  };
  const algorithm = digestAlgorithm(p.get('algorithm') ?? 'MD5');
  if (!algorithm) throw authError(`unsupported digest algorithm ${p.get('algorithm') ?? ''}`);
  const creds: DigestCredentials = {
    username: need('username'),
    realm: need('realm'),
    nonce: need('nonce'),
    uri: need('uri'),
    response: need('response').toLowerCase(),
    algorithm,
    userhash: p.get('userhash')?.toLowerCase() === 'true',
  };
  const qop = p.get('qop')?.toLowerCase();
  if (qop !== undefined) {
    if (qop !== 'auth' && qop !== 'auth-int') throw authError(`unsupported qop ${qop}`);
    const nc = need('nc');
    if (!/^[0-9a-fA-F]{8}$/.test(nc)) throw authError('malformed nc');
    creds.qop = qop;
    creds.nc = parseInt(nc, 16);
    creds.cnonce = need('cnonce');
  } else if (p.has('cnonce')) creds.cnonce = need('cnonce');
  const opaque = p.get('opaque');
  if (opaque !== undefined) creds.opaque = opaque;
  return creds;
}
