import { HooklineError } from '../lib/errors.js';

/**
 * - `malformed`: a datagram that is not a valid RTP/RTCP packet (dropped and counted by sessions).
 * - `buffer_too_small`: serialize was given an output buffer that cannot hold the packet.
 * - `ports_exhausted`: every RTP port in the configured range is taken (answer the call 503).
 * - `bind_failed`: a socket could not be bound for a reason other than the port being in use.
 * - `closed`: the session was used after close().
 * - `no_telephone_event`: digits were to be sent as RFC 4733 events, but the peer did not negotiate them
 *   (send in-band tones instead).
 * - `invalid_argument`: a caller error, such as a port range with no even/odd pair or a character that is no key.
 * - `native_unavailable`: the native RTP sender (native/rtp-send) was not built or does not load; dgram sends instead.
 */
export type RtpErrorCode =
  | 'malformed'
  | 'buffer_too_small'
  | 'ports_exhausted'
  | 'bind_failed'
  | 'closed'
  | 'no_telephone_event'
  | 'invalid_argument'
  | 'native_unavailable';

export class RtpError extends HooklineError {
  declare readonly code: RtpErrorCode;

  constructor(code: RtpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
