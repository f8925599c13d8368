import { SipError } from './errors.js';
import { headerValueProblem, isToken, reasonPhraseProblem } from './headers.js';
import { SipRequest, type SipMessage } from './message.js';
import { formatUri } from './uri.js';

/**
 * Writes a message as RFC 3261 §7 wire text: start line, one "Name: value" line per field, a
 * Content-Length that always equals the body (§18.3: required on streams, harmless on UDP), CRLF,
 * body. A value outside the grammar the parser accepts (headerValueProblem: CR or LF would smuggle
 * headers, a bare control character is not SIP) is refused rather than written.
 */
export function serialize(msg: SipMessage): Buffer {
  assertWritable(msg);
  const lines = [startLine(msg)];
  for (const h of msg.headers) {
    if (h.name.toLowerCase() !== 'content-length') lines.push(`${h.name}: ${h.value}`);
  }
  lines.push(`Content-Length: ${msg.body.length}`, '', '');
  const head = Buffer.from(lines.join('\r\n'), 'utf8');
  return msg.body.length ? Buffer.concat([head, msg.body]) : head;
}

export function startLine(msg: SipMessage): string {
  if (msg instanceof SipRequest) return `${msg.method} ${formatUri(msg.uri)} SIP/2.0`;
  const problem = reasonPhraseProblem(msg.reason);
  if (problem) throw new SipError('SIP_ARGUMENT', `${problem} in reason phrase`);
  return `SIP/2.0 ${msg.status} ${msg.reason}`;
}

/** Throws SipError('SIP_ARGUMENT') for what serialize would refuse, before any state changes hands. */
export function assertWritable(msg: SipMessage): void {
  startLine(msg);
  for (const h of msg.headers) {
    if (!isToken(h.name)) throw new SipError('SIP_ARGUMENT', `invalid header name ${JSON.stringify(h.name)}`);
    const problem = headerValueProblem(h.value);
    if (problem) throw new SipError('SIP_ARGUMENT', `${problem} in ${h.name} header value`);
  }
}
