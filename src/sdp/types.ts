/** The codecs hookline speaks: G.711 µ-law and A-law at 8 kHz (RFC 3551 §4.5.14). */
export type Codec = 'PCMU' | 'PCMA';

/** RFC 3264 §5.1 / RFC 4566 §6 stream directions, always from the point of view of the side that wrote them. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RemoteEndpoint {
  /** Where to send RTP until symmetric RTP latches on the real source. "0.0.0.0" means do not send. */
  address: string;
  port: number;
  /** RFC 3605 a=rtcp when given, else port + 1 (RFC 3550 §11). */
  rtcpPort: number;
}

/** What the two sides agreed; everything the RTP session and the media pipeline need. */
export interface MediaParams {
  codec: Codec;
  /** Payload type to put on outgoing audio and to expect on incoming audio. */
  payloadType: number;
  /** RFC 4733 telephone-event payload type, when both sides support it. */
  telephoneEventPt?: number;
  /** Milliseconds of audio per packet (RFC 4566 §6 a=ptime); 20 unless the peer asked otherwise. */
  ptime: number;
  remote: RemoteEndpoint;
  /** Our direction: `sendrecv` normally; `recvonly` when the peer holds the call; `inactive` when neither sends. */
  direction: Direction;
  /** The peer put the call on hold (a=sendonly, a=inactive or the RFC 2543 c=0.0.0.0): send it nothing. */
  held: boolean;
}

/**
 * The o= line state of our side of one SDP session. RFC 3264 §8: every later SDP keeps the session id and
 * moves the version up by exactly one when anything changed, and keeps it when nothing did.
 * Pass back what the previous call returned as `previous`.
 */
export interface SdpOrigin {
  sessionId: string;
  sessionVersion: number;
  /** The last SDP we sent, to tell "changed" from "unchanged". */
  sdp: string;
}

export interface LocalMedia {
  /** Our RTP address, as the peer should reach it (the advertised, not necessarily the bound, address). */
  address: string;
  /** Our RTP port (even; RTCP is port + 1). */
  port: number;
  /** Codecs we accept, default ['PCMU', 'PCMA']. In an answer the offer's order decides among them. */
  codecs?: readonly Codec[];
  /** RFC 4733 events: false disables; a number is the payload type we offer (default 101). */
  telephoneEvent?: boolean | number;
  /** Packet time we offer (a=ptime), default 20. In an answer the offer's ptime is honoured instead. */
  ptime?: number;
  /** What we want; default sendrecv. `sendonly` (or `inactive`) is how we put the peer on hold. */
  direction?: Direction;
  /** The origin returned with our previous SDP in this dialog; absent for the first one. */
  previous?: SdpOrigin;
  /** o= username, default "-". */
  username?: string;
  /** Source of randomness for the session id, default Math.random. */
  random?: () => number;
}

export interface NegotiateResult extends MediaParams {
  answerSdp: string;
  origin: SdpOrigin;
}

export interface OfferResult {
  sdp: string;
  origin: SdpOrigin;
}
