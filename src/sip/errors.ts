import { HooklineError } from '../lib/errors.js';
import type { HeaderField } from './message.js';

/**
 * The SIP layer's one error class. `code` says which part failed; `status` is the SIP response the
 * problem calls for when it concerns a received request (400 for syntax, 505 for the version); and
 * `partial` keeps what was parsed of a malformed message, so that a transport can still answer it
 * (RFC 3261 §8.2.6.1 wants a response, RFC 4475 wants the receiver to survive).
 */
export type SipErrorCode =
  | 'SIP_PARSE'
  | 'SIP_VERSION'
  | 'SIP_ARGUMENT'
  | 'SIP_TRANSPORT'
  | 'SIP_TIMEOUT'
  | 'SIP_STATE'
  | 'SIP_DIALOG';

/** What a parser got out of a message before it gave up. */
export interface PartialMessage {
  kind: 'request' | 'response' | 'unknown';
  method?: string;
  headers: HeaderField[];
}

export class SipError extends HooklineError {
  declare readonly code: SipErrorCode;
  readonly status: number | undefined;
  readonly partial: PartialMessage | undefined;

  constructor(
    code: SipErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; partial?: PartialMessage },
  ) {
    super(code, message, options);
    this.status = options?.status;
    this.partial = options?.partial;
  }
}

/** A parse failure: the message says what is wrong, in words fit for a reason phrase. */
export function parseError(message: string, status = 400): SipError {
  return new SipError('SIP_PARSE', message, { status });
}
