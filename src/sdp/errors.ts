import { HooklineError } from '../lib/errors.js';

/**
 * Why an offer or answer could not be used. Every code means the same thing to the SIP layer:
 * reject the offer with 488 Not Acceptable Here (RFC 3261 §21.4.26), or, for an answer that arrived in
 * an ACK or a 2xx, end the call with BYE (RFC 3264 §5 leaves no way to refuse an answer).
 * - `parse`: not SDP, or a required line (o=, c=, m=) is missing or malformed.
 * - `no_audio`: no usable RTP/AVP audio stream (none at all, all disabled with port 0, or SRTP only).
 * - `no_codec`: an audio stream exists but offers neither PCMU nor PCMA.
 */
export type SdpErrorCode = 'parse' | 'no_audio' | 'no_codec';

export class SdpError extends HooklineError {
  declare readonly code: SdpErrorCode;

  constructor(code: SdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
