import { parseError, SipError } from './errors.js';
import { formatParams, isToken, paramValue, parseParams, quote, readQuoted, trimLws, type Params } from './headers.js';
import { formatUri, isSipUri, parseHostPort, parseUri, type Uri } from './uri.js';

/** Typed views of the headers the transaction and dialog layers depend on (RFC 3261 §20). */

export interface Via {
  /** "SIP/2.0" (the only version we speak, §20.42). */
  protocol: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP or any token (RFC 4475 §3.1.1.10). */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

const SENT_PROTOCOL_RE = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+(.*)$/s;

/** One via-parm (§25.1): sent-protocol LWS sent-by *( SEMI via-params ); LWS allowed around "/" and ":". */
export function parseVia(value: string): Via {
  const m = SENT_PROTOCOL_RE.exec(trimLws(value));
  if (!m || !m[1] || !m[2] || !m[3] || m[4] === undefined) throw parseError('malformed Via header');
  const [name, version, transport, rest] = [m[1], m[2], m[3], m[4]];
  if (!isToken(name) || !isToken(version) || !isToken(transport)) throw parseError('malformed Via header');
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') throw parseError('Via names an unsupported SIP version', 505);
  const semi = rest.indexOf(';');
  const sentBy = joinSentBy(trimLws(semi >= 0 ? rest.slice(0, semi) : rest));
  if (!sentBy) throw parseError('Via has no sent-by');
  const { host, port } = parseHostPort(sentBy, 'Via');
  const params = parseParams(semi >= 0 ? rest.slice(semi) : '', 'Via');
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && !/^\d{1,5}$/.test(rport)) throw parseError('malformed Via rport');
  const via: Via = { protocol: 'SIP/2.0', transport: transport.toUpperCase(), host, params };
  if (port !== undefined) via.port = port;
  return via;
}

/**
 * sent-by = host [ COLON port ] with LWS allowed around the colon (COLON = SWS ":" SWS): "host : 5060"
 * becomes "host:5060". Written as a scan: a regex with optional blanks on both sides of the colon
 * backtracks over every run of blanks, quadratically.
 */
function joinSentBy(text: string): string {
  const colon = text.startsWith('[') ? text.indexOf(':', Math.max(0, text.indexOf(']'))) : text.indexOf(':');
  if (colon < 0) return text;
  return `${trimLws(text.slice(0, colon))}:${trimLws(text.slice(colon + 1))}`;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function viaBranch(via: Via): string | undefined {
  return paramValue(via.params, 'branch');
}

/** sent-by with the default port filled in, lower-cased, for matching (§17.2.3, §18.1.2). */
export function viaSentBy(via: Via): string {
  const port = via.port ?? (via.transport === 'TLS' ? 5061 : 5060);
  return `${via.host.toLowerCase()}:${port}`;
}

/** name-addr or addr-spec with header parameters: From, To, Contact, Route, Record-Route, Refer-To. */
export interface NameAddr {
  displayName?: string;
  uri: Uri;
  params: Params;
}

/**
 * Parses name-addr / addr-spec (§20.10, §25.1). A display name is a quoted string or tokens
 * separated by LWS (RFC 4475 §3.1.2.15: "Bell, Alexander" unquoted is invalid). Without <>,
 * everything after the first ";" is header parameters, and a URI holding "?" or "," must have
 * been bracketed (§20; RFC 4475 §3.1.2.13).
 */
export function parseNameAddr(value: string, what: string): NameAddr {
  try {
    return parseNameAddrInner(trimLws(value), what);
  } catch (err) {
    // Say which header was bad: the message becomes the 400's reason phrase.
    if (err instanceof SipError && !err.message.startsWith(`${what}:`)) throw parseError(`${what}: ${err.message}`);
    throw err;
  }
}

function parseNameAddrInner(s: string, what: string): NameAddr {
  let displayName: string | undefined;
  let i = 0;
  if (s.startsWith('"')) {
    const q = readQuoted(s, 0);
    displayName = q.value;
    i = q.end;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] !== '<') throw parseError(`${what}: quoted display name without <URI>`);
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const words = trimLws(s.slice(0, lt));
      if (words) {
        if (!words.split(/[ \t]+/).every(isToken)) throw parseError(`${what}: display name must be quoted`);
        displayName = words.replace(/[ \t]+/g, ' ');
      }
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i);
    if (gt < 0) throw parseError(`${what}: missing >`);
    const inner = s.slice(i + 1, gt);
    // RFC 4475 §3.1.2.14: no LWS inside <>; parseUri refuses it.
    const uri = parseUriIn(inner, what);
    const na: NameAddr = { uri, params: parseParams(s.slice(gt + 1), what) };
    if (displayName !== undefined) na.displayName = displayName;
    return na;
  }
  const semi = s.indexOf(';');
  const spec = trimLws(semi >= 0 ? s.slice(0, semi) : s);
  if (/[?,]/.test(spec)) throw parseError(`${what}: URI with "?" or "," must be enclosed in <>`);
  return { uri: parseUriIn(spec, what), params: parseParams(semi >= 0 ? s.slice(semi) : '', what) };
}

function parseUriIn(text: string, what: string): Uri {
  if (/\s/.test(text)) throw parseError(`${what}: whitespace inside URI`);
  try {
    return parseUri(text);
  } catch {
    throw parseError(`${what}: malformed URI`);
  }
}

export function formatNameAddr(na: NameAddr): string {
  const name = na.displayName !== undefined && na.displayName !== '' ? `${quote(na.displayName)} ` : '';
  return `${name}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

export function tagOf(na: NameAddr): string | undefined {
  return paramValue(na.params, 'tag');
}

/** The Contact of a REGISTER that removes all bindings (§10.2.2). */
export type ContactValue = NameAddr | '*';

export function parseContact(value: string): ContactValue {
  return trimLws(value) === '*' ? '*' : parseNameAddr(value, 'Contact');
}

export interface CSeq {
  seq: number;
  method: string;
}

/** CSeq (§20.16): the number must be below 2**31 (§8.1.1.5; RFC 4475 §3.1.2.4). */
export function parseCSeq(value: string): CSeq {
  const m = /^(\d+)\s+(\S+)$/.exec(trimLws(value));
  if (!m || !m[1] || !m[2] || !isToken(m[2])) throw parseError('malformed CSeq header');
  const seq = Number(m[1]);
  if (!(seq < 2 ** 31)) throw parseError('CSeq number too large');
  return { seq, method: m[2] };
}

// word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
const WORD = "[A-Za-z0-9\\-.!%*_+`'~()<>:\\\\\"/[\\]?{}]+";
const CALL_ID_RE = new RegExp(`^${WORD}(?:@${WORD})?$`);

export function parseCallId(value: string): string {
  const v = trimLws(value);
  if (!CALL_ID_RE.test(v)) throw parseError('malformed Call-ID header');
  return v;
}

/** Max-Forwards (§20.22): 0-255; RFC 4475 §3.1.2.4 sends 300 to see it refused. */
export function parseMaxForwards(value: string): number {
  const v = trimLws(value);
  if (!/^\d{1,10}$/.test(v) || Number(v) > 255) throw parseError('malformed Max-Forwards header');
  return Number(v);
}

export function parseContentLength(value: string): number {
  const v = trimLws(value);
  if (!/^\d{1,10}$/.test(v) || Number(v) >= 2 ** 31) throw parseError('malformed Content-Length header');
  return Number(v);
}

/** Option tags of Require/Supported/Unsupported/Proxy-Require, each a token (§20.32). */
export function parseOptionTags(values: string[]): string[] {
  return values.filter((v) => v !== '').map((v) => {
    if (!isToken(v)) throw parseError('malformed option tag');
    return v;
  });
}

/** The URI a name-addr points to when it must be SIP (Contact as remote target, Route). */
export function sipUriOf(na: NameAddr, what: string): import('./uri.js').SipUri {
  if (!isSipUri(na.uri)) throw parseError(`${what} is not a SIP URI`);
  return na.uri;
}
