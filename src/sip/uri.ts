import { parseError, SipError } from './errors.js';

/**
 * SIP and SIPS URIs (RFC 3261 §19.1) parsed into parts, and any other scheme kept opaque
 * (RFC 3261 §19.1.1 allows absoluteURI in Request-URI, To, From and Contact; RFC 4475 §3.3.2-3.3.4).
 *
 * Parts keep their %-escapes as written: unescaping a user of "%00" into a NUL and writing it back
 * would cut the header for C parsers on the far side (RFC 4475 §3.1.1.4). `unescape` is there for
 * callers that need the characters.
 */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** As written; an IPv6 reference keeps its brackets. */
  host: string;
  port?: number;
  /** uri-parameters; names lower-cased (they compare case-insensitively, §19.1.4), null for no value. */
  params: Map<string, string | null>;
  /** headers after "?", as written. */
  headers: Array<[string, string]>;
}

/** A URI of another scheme (tel:, http:, urn:, ...): only the scheme is understood. */
export interface AbsoluteUri {
  scheme: string;
  /** Everything after "scheme:". */
  opaque: string;
}

export type Uri = SipUri | AbsoluteUri;

export function isSipUri(uri: Uri): uri is SipUri {
  return 'host' in uri;
}

// RFC 3261 §25.1 character classes, written as regex classes.
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const ESCAPED = '%[0-9A-Fa-f]{2}';
const USER_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,;?/]|${ESCAPED})+$`);
const PASSWORD_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,]|${ESCAPED})*$`);
const PARAMCHAR_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/:&+$]|${ESCAPED})+$`);
const HNV_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${ESCAPED})*$`);
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+\-.]*):/;
// hostname = *(domainlabel ".") toplabel ["."]; underscores tolerated, as deployed DNS has them.
const HOSTNAME_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const IPV6_REF_RE = /^\[[0-9A-Fa-f:.]+\]$/;
// Anything printable without the characters that delimit a URI inside a header (§19.1.1, §20).
const OPAQUE_RE = /^[^\s<>"]+$/;

export function parseUri(text: string): Uri {
  const m = SCHEME_RE.exec(text);
  if (!m || !m[1]) throw parseError(`malformed URI ${JSON.stringify(text)}`);
  const scheme = m[1].toLowerCase();
  const rest = text.slice(m[0].length);
  if (scheme === 'sip' || scheme === 'sips') return parseSipParts(scheme, rest, text);
  if (!rest || !OPAQUE_RE.test(rest)) throw parseError(`malformed ${scheme} URI`);
  return { scheme, opaque: rest };
}

/** Parses and insists on sip: or sips:. */
export function parseSipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (!isSipUri(uri)) throw parseError(`not a SIP URI: ${uri.scheme}`);
  return uri;
}

function parseSipParts(scheme: 'sip' | 'sips', rest: string, whole: string): SipUri {
  // "@" is never unescaped in user, password, params or headers, so the first one ends userinfo.
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (colon >= 0) password = userinfo.slice(colon + 1);
    if (!USER_RE.test(user)) throw parseError(`malformed user part in URI ${short(whole)}`);
    if (password !== undefined && !PASSWORD_RE.test(password)) throw parseError('malformed password in URI');
  }
  const q = hostPart.indexOf('?');
  const headerText = q >= 0 ? hostPart.slice(q + 1) : undefined;
  const beforeHeaders = q >= 0 ? hostPart.slice(0, q) : hostPart;
  const semi = beforeHeaders.indexOf(';');
  const hostport = semi >= 0 ? beforeHeaders.slice(0, semi) : beforeHeaders;
  const { host, port } = parseHostPort(hostport, whole);
  const params = new Map<string, string | null>();
  if (semi >= 0) {
    for (const p of beforeHeaders.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq >= 0 ? p.slice(0, eq) : p;
      const value = eq >= 0 ? p.slice(eq + 1) : null;
      if (!PARAMCHAR_RE.test(name) || (value !== null && !PARAMCHAR_RE.test(value))) {
        throw parseError(`malformed URI parameter in ${short(whole)}`);
      }
      params.set(name.toLowerCase(), value);
    }
  }
  const headers: Array<[string, string]> = [];
  if (headerText !== undefined) {
    for (const h of headerText.split('&')) {
      const eq = h.indexOf('=');
      const name = eq >= 0 ? h.slice(0, eq) : '';
      const value = eq >= 0 ? h.slice(eq + 1) : '';
      if (!name || !HNV_RE.test(name) || !HNV_RE.test(value)) throw parseError(`malformed URI header in ${short(whole)}`);
      headers.push([name, value]);
    }
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

/** host [":" port] as in sent-by and hostport (§25.1); whitespace around ":" is the caller's to strip. */
export function parseHostPort(text: string, context = text): { host: string; port?: number } {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw parseError(`unterminated IPv6 reference in ${short(context)}`);
    host = text.slice(0, end + 1);
    const after = text.slice(end + 1);
    if (after) {
      if (!after.startsWith(':')) throw parseError(`malformed host in ${short(context)}`);
      portText = after.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  if (!(IPV6_REF_RE.test(host) || HOSTNAME_RE.test(host))) throw parseError(`malformed host in ${short(context)}`);
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw parseError(`malformed port in ${short(context)}`);
  return { host, port: Number(portText) };
}

export function formatUri(uri: Uri): string {
  if (!isSipUri(uri)) return `${uri.scheme}:${uri.opaque}`;
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) s += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  for (const [name, value] of uri.params) s += value === null ? `;${name}` : `;${name}=${value}`;
  if (uri.headers.length) s += '?' + uri.headers.map(([n, v]) => `${n}=${v}`).join('&');
  return s;
}

/** Decodes %-escapes (§19.1.2) for display or comparison; invalid escapes are left as written. */
export function unescapeUriPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

export function cloneUri<T extends Uri>(uri: T): T {
  if (!isSipUri(uri)) return { ...uri };
  return { ...uri, params: new Map(uri.params), headers: uri.headers.map(([n, v]) => [n, v]) } as T;
}

/**
 * Where a SIP URI points: transport (the "transport" param, else UDP), host and port (§19.1.2).
 * No DNS NAPTR/SRV (RFC 3263): a name is resolved by the OS when sending. sips: and TLS are refused
 * rather than quietly sent in the clear.
 */
export function uriTarget(uri: SipUri): { transport: 'UDP' | 'TCP'; host: string; port: number } {
  const t = (uri.params.get('transport') ?? 'udp').toUpperCase();
  if (uri.scheme === 'sips' || t === 'TLS') throw new SipError('SIP_TRANSPORT', 'TLS (sips:) is not supported');
  if (t !== 'UDP' && t !== 'TCP') throw new SipError('SIP_TRANSPORT', `transport ${t} is not supported`);
  const host = uri.params.get('maddr') ?? uri.host;
  return { transport: t, host: stripBrackets(host), port: uri.port ?? 5060 };
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
