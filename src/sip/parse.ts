import { parseError, SipError, type PartialMessage } from './errors.js';
import {
  parseCallId,
  parseContact,
  parseContentLength,
  parseCSeq,
  parseMaxForwards,
  parseNameAddr,
  parseVia,
} from './header-values.js';
import { canonicalName, headerKey, headerValueProblem, isToken, reasonPhraseProblem, splitList, trimLws } from './headers.js';
import { SipRequest, SipResponse, type HeaderField, type SipMessage } from './message.js';
import { isSipUri, parseUri, type Uri } from './uri.js';

export interface ParseOptions {
  /**
   * The message came in one datagram (UDP): a missing Content-Length means the rest of the datagram
   * and bytes past the body are discarded (RFC 3261 §18.3; RFC 4475 §3.1.1.8). Otherwise (a frame
   * cut from a stream) a missing Content-Length means no body.
   */
  datagram?: boolean;
}

/** Where the header block ends and the body begins, or undefined when the blank line hasn't come. */
export function findHeaderEnd(buf: Buffer, from = 0): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from);
  // Bare LF line ends are not RFC 3261, but are common enough in hand-written tools to accept.
  const lf = buf.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headEnd: buf[lf - 1] === 0x0d ? lf - 1 : lf, bodyStart: lf + 2 };
  return undefined;
}

/** Count of CR/LF octets before the start line, which stream receivers ignore (§7.5). */
export function leadingLineBreaks(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i - from;
}

/**
 * Parses one SIP message. Throws only SipError: `status` is the response the problem calls for
 * (400 or 505) and `partial` holds the header fields read, so a caller can still answer.
 */
export function parseMessage(data: Buffer | string, opts: ParseOptions = {}): SipMessage {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const partial: PartialMessage = { kind: 'unknown', headers: [] };
  try {
    return parseInto(buf, opts, partial);
  } catch (err) {
    const e = err instanceof SipError ? err : undefined;
    throw new SipError(e?.code ?? 'SIP_PARSE', e?.message ?? 'unparseable message', {
      status: e?.status ?? 400,
      partial,
      cause: err,
    });
  }
}

function parseInto(buf: Buffer, opts: ParseOptions, partial: PartialMessage): SipMessage {
  const start = leadingLineBreaks(buf);
  const end = findHeaderEnd(buf, start);
  if (!end) throw parseError('no empty line after the headers');
  const lines = unfold(buf.toString('utf8', start, end.headEnd).split(/\r?\n/));
  const startLine = lines[0] ?? '';
  let startError: unknown;
  let make: (() => SipMessage) | undefined;
  try {
    make = parseStartLine(startLine, partial);
  } catch (err) {
    startError = err;
  }
  // Read every good header line even past a bad one, so that a 400 can still be built.
  let headerError: unknown;
  for (const line of lines.slice(1)) {
    try {
      partial.headers.push(parseHeaderLine(line));
    } catch (err) {
      headerError ??= err;
    }
  }
  if (startError !== undefined || !make) throw startError;
  if (headerError !== undefined) throw headerError;
  const msg = make();
  msg.headers = partial.headers;
  validate(msg);
  msg.body = readBody(msg, buf, end.bodyStart, opts.datagram ?? false);
  return msg;
}

/** Joins folded lines (a line starting with SP/HT continues the previous one) with one SP (§7.3.1). */
function unfold(raw: string[]): string[] {
  const out: string[] = [];
  for (const line of raw) {
    const last = out.length - 1;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last >= 1) {
      out[last] = `${(out[last] ?? '').trimEnd()} ${line.trimStart()}`;
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      throw parseError(last < 0 ? 'whitespace before the start line' : 'folded line right after the start line');
    } else {
      out.push(line);
    }
  }
  return out;
}

const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

function parseStartLine(line: string, partial: PartialMessage): () => SipMessage {
  if (/^SIP\//i.test(line)) {
    partial.kind = 'response';
    const m = /^(\S+) (\d+)(?: (.*))?$/.exec(line);
    if (!m || !m[1] || !m[2]) throw parseError('malformed status line');
    if (!isSip20(m[1])) throw parseError('unsupported SIP version', 505);
    if (!/^[1-6]\d\d$/.test(m[2])) throw parseError('malformed status code');
    const status = Number(m[2]);
    const reason = m[3] ?? '';
    const problem = reasonPhraseProblem(reason);
    if (problem) throw parseError(`${problem} in reason phrase`);
    return () => new SipResponse(status, reason);
  }
  partial.kind = 'request';
  const parts = line.split(' ');
  const method = parts[0] ?? '';
  if (isToken(method)) partial.method = method;
  if (/[ \t]$/.test(line)) throw parseError('trailing whitespace in request line');
  if (parts.some((p) => p === '')) throw parseError('request line elements must be separated by one SP');
  if (parts.length !== 3) throw parseError('malformed request line');
  const [, uriText = '', version = ''] = parts;
  if (!isToken(method)) throw parseError('malformed method');
  if (!VERSION_RE.test(version)) throw parseError('malformed SIP version');
  if (!isSip20(version)) throw parseError('unsupported SIP version', 505);
  const uri = parseRequestUri(uriText);
  return () => new SipRequest(method, uri);
}

function isSip20(version: string): boolean {
  const m = VERSION_RE.exec(version);
  return !!m && Number(m[1]) === 2 && Number(m[2]) === 0;
}

function parseRequestUri(text: string): Uri {
  if (text.startsWith('<')) throw parseError('Request-URI must not be in angle brackets');
  let uri: Uri;
  try {
    uri = parseUri(text);
  } catch {
    throw parseError('malformed Request-URI');
  }
  // §19.1.1, table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (isSipUri(uri) && uri.headers.length > 0) throw parseError('Request-URI must not contain headers');
  return uri;
}

function parseHeaderLine(line: string): HeaderField {
  const colon = line.indexOf(':');
  if (colon < 0) throw parseError('header line without a colon');
  // HCOLON = *( SP / HTAB ) ":" SWS: whitespace may precede the colon (RFC 4475 §3.1.1.1).
  const name = trimLws(line.slice(0, colon));
  if (!isToken(name)) throw parseError('malformed header name');
  // Trim SP and HTAB only: String.trim would also eat a U+FEFF that is part of the value.
  const value = trimLws(line.slice(colon + 1));
  // What the serializer could not write back is refused here, by the same rule (§25.1). Such a line
  // is left out of the partial message: if it is one a response copies (Via, From, To, Call-ID,
  // CSeq) nothing can be answered and the transport drops the message; otherwise it gets its 400.
  const problem = headerValueProblem(value);
  if (problem) throw parseError(`${problem} in ${canonicalName(name)} header value`);
  return { name: canonicalName(name), value };
}

const SINGLE = ['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length'];

/** The checks that make the typed getters safe on a parsed message (§8.1.1, §8.2.2, RFC 4475). */
function validate(msg: SipMessage): void {
  for (const name of SINGLE) {
    if (msg.count(name) > 1) throw parseError(`more than one ${name} header`);
  }
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!msg.has(name)) throw parseError(`missing ${name} header`);
  }
  for (const field of fields(msg, 'Via')) {
    for (const v of splitList(field.value)) {
      if (v === '') throw parseError('empty Via value');
      parseVia(v);
    }
  }
  parseNameAddr(field1(msg, 'From'), 'From');
  parseNameAddr(field1(msg, 'To'), 'To');
  parseCallId(field1(msg, 'Call-ID'));
  const cseq = parseCSeq(field1(msg, 'CSeq'));
  if (msg instanceof SipRequest && cseq.method !== msg.method) {
    throw parseError('CSeq method does not match the request method');
  }
  const mf = msg.get('Max-Forwards');
  if (mf !== undefined) parseMaxForwards(mf);
  const cl = msg.get('Content-Length');
  if (cl !== undefined) parseContentLength(cl);
  for (const field of fields(msg, 'Contact')) for (const v of splitList(field.value)) parseContact(v);
  for (const name of ['Route', 'Record-Route']) {
    for (const field of fields(msg, name)) for (const v of splitList(field.value)) parseNameAddr(v, name);
  }
}

function fields(msg: SipMessage, name: string): HeaderField[] {
  const key = headerKey(name);
  return msg.headers.filter((h) => h.name.toLowerCase() === key);
}

function field1(msg: SipMessage, name: string): string {
  return fields(msg, name)[0]?.value ?? '';
}

function readBody(msg: SipMessage, buf: Buffer, bodyStart: number, datagram: boolean): Buffer {
  const cl = msg.get('Content-Length');
  const available = Math.max(0, buf.length - bodyStart);
  if (cl === undefined) return datagram ? Buffer.from(buf.subarray(bodyStart)) : Buffer.alloc(0);
  const length = parseContentLength(cl);
  // §18.3: a datagram that ends before the body does is an error (RFC 4475 §3.1.2.2).
  if (length > available) throw parseError('Content-Length larger than the message');
  return Buffer.from(buf.subarray(bodyStart, bodyStart + length));
}
