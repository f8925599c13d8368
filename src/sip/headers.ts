import { parseError } from './errors.js';

/**
 * Header names and the lexical pieces every header value is made of (RFC 3261 §7.3, §25.1):
 * canonical names with compact forms expanded, comma lists split outside quotes and <>,
 * ;parameters, tokens and quoted strings.
 */

/** Compact forms (RFC 3261 §7.3.3 and the extensions that registered one with IANA). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const KNOWN = [
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events', 'Authentication-Info',
  'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding',
  'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Diversion', 'Error-Info', 'Event',
  'Expires', 'From', 'Identity', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version',
  'Organization', 'P-Asserted-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate',
  'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To', 'Referred-By',
  'Replaces', 'Reply-To', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server', 'Service-Route',
  'Session-Expires', 'Subject', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate',
];
const CANONICAL = new Map(KNOWN.map((n) => [n.toLowerCase(), n]));

/**
 * Headers whose grammar is a comma list (`x *(COMMA x)`), so that "A: 1, 2" and "A: 1" + "A: 2" mean
 * the same (§7.3.1). Authorization and friends are not: their commas separate auth-params, and Date
 * has a comma of its own.
 */
const LIST_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events', 'call-info',
  'contact', 'content-encoding', 'content-language', 'diversion', 'error-info', 'in-reply-to',
  'p-asserted-identity', 'path', 'proxy-require', 'reason', 'record-route', 'require', 'route',
  'service-route', 'supported', 'unsupported', 'via', 'warning',
]);

/** Header names compare case-insensitively and compact forms mean their long form (§7.3.1, §7.3.3). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? name;
  return CANONICAL.get(lower) ?? name;
}

export function headerKey(name: string): string {
  return canonicalName(name).toLowerCase();
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}

export const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/**
 * The one definition of an acceptable header value, shared by the parser (which refuses a message
 * holding anything else) and the serializer (which refuses to write it), so that whatever we accept we
 * can also write back, say by copying From into a response (RFC 3261 §8.2.6.2).
 *
 * §25.1: a value is TEXT-UTF8char (printable), LWS (SP, HTAB; folding is undone by the parser), and,
 * inside quoted strings and comments, quoted-pair = a backslash followed by any octet but CR and LF. So a
 * control character other than HTAB may appear only escaped (RFC 4475 §3.1.1.2 escapes NUL, BEL, DEL
 * that way), and CR or LF never: written out, either would end the line and smuggle in a header.
 * Returns what is wrong, or undefined when the value is acceptable.
 */
export function headerValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c) {
      const next = value.charCodeAt(i + 1);
      if (next === 0x0d || next === 0x0a) return 'line break';
      i++; // quoted-pair: the escaped character is data
      continue;
    }
    if (c === 0x0d || c === 0x0a) return 'line break';
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'control character';
  }
  return undefined;
}

/** A reason phrase (§25.1 Reason-Phrase) has no quoted-pair: no control character but HTAB at all. */
export function reasonPhraseProblem(reason: string): string | undefined {
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) return 'line break';
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'control character';
  }
  return undefined;
}

/**
 * Trims LWS (SP and HTAB; folding is already undone) and nothing else. String.prototype.trim would also
 * drop U+FEFF, NBSP and other Unicode spaces, so that a value checked trimmed and a value stored as it
 * came would differ: a To checked without its trailing U+FEFF and then given ";tag=" after it.
 */
export function trimLws(s: string): string {
  // A loop, not /^[ \t]+|[ \t]+$/: that regex tries the second branch at every position of a run of
  // blanks, which is quadratic: one 64 KB datagram of spaces held the event loop for seconds.
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Splits a comma list, leaving commas inside quoted strings (with \-escapes) and inside <...> alone
 * (§7.3.1; RFC 4475 §3.1.1.1). Elements are trimmed; empty ones are kept so that a strict caller can
 * reject them (RFC 4475 §3.1.2.1).
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuote = false;
    } else if (ch === '"') inQuote = true;
    else if (ch === '<') inAngle = true;
    else if (ch === '>') inAngle = false;
    else if (ch === ',' && !inAngle) {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  if (inQuote) throw parseError('unterminated quoted string');
  out.push(trimLws(value.slice(start)));
  return out;
}

/**
 * Reads a quoted-string starting at `text[start]` (which must be '"'); returns the unescaped
 * content and the index after the closing quote. quoted-pair may escape any octet but CR and LF
 * (§25.1), NUL included (RFC 4475 §3.1.1.2).
 */
export function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined || next === '\r' || next === '\n') break;
      value += next;
      i++;
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else {
      value += ch;
    }
  }
  throw parseError('unterminated quoted string');
}

/** Writes a quoted-string, escaping what qdtext cannot carry; CR and LF cannot be carried at all. */
export function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/[\r\n]/g, ' ').replace(/[\\"\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\${c}`)}"`;
}

export type Params = Map<string, string | null>;

/**
 * Parses `*( SEMI generic-param )` (§25.1), LWS allowed around ";" and "=" (RFC 4475 §3.1.1.1).
 * Names are lower-cased; quoted values keep their quotes so they write back unchanged.
 * `text` is what follows the element proper: empty, or starting with ";".
 */
export function parseParams(text: string, what: string): Params {
  const params: Params = new Map();
  let i = 0;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  skipWs();
  while (i < n) {
    if (text[i] !== ';') throw parseError(`unexpected text in ${what} parameters`);
    i++;
    skipWs();
    const nameStart = i;
    while (i < n && !' \t;='.includes(text[i] ?? '')) i++;
    const name = text.slice(nameStart, i);
    if (!isToken(name)) throw parseError(`malformed ${what} parameter`);
    skipWs();
    let value: string | null = null;
    if (text[i] === '=') {
      i++;
      skipWs();
      if (text[i] === '"') {
        const q = readQuoted(text, i);
        value = text.slice(i, q.end);
        i = q.end;
      } else {
        const valueStart = i;
        while (i < n && !' \t;'.includes(text[i] ?? '')) i++;
        value = text.slice(valueStart, i);
        // gen-value = token / host / quoted-string; a host may be an IPv6 reference.
        if (!/^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/.test(value)) throw parseError(`malformed ${what} parameter ${name}`);
      }
      skipWs();
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

export function formatParams(params: Params): string {
  let s = '';
  for (const [name, value] of params) s += value === null ? `;${name}` : `;${name}=${value}`;
  return s;
}

/** A parameter value without the quotes of a quoted-string, if it had them. */
export function paramValue(params: Params, name: string): string | undefined {
  const v = params.get(name);
  if (v === undefined || v === null) return undefined;
  return v.startsWith('"') ? readQuoted(v, 0).value : v;
}
