/** The shapes RtpSession (session.ts) is opened with and reports; re-exported by session.ts. */
import type { RtpHeader } from './packet.js';
import type { PortAllocator } from './ports.js';
import type { DigitInfo, TelephoneEventReceiverOptions } from './rfc4733.js';
import type { Clock } from '../lib/clock.js';
import type { PacketSender } from './native-send.js';

export type RtpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpRemote {
  address: string;
  port: number;
  /** Default port + 1. */
  rtcpPort?: number;
}

/** What an SDP negotiation decides; given at open and again on every re-INVITE through `update`. */
export interface RtpMediaParams {
  payloadType: number;
  telephoneEventPt?: number;
  /** Milliseconds per outgoing packet, default 20. */
  ptime?: number;
  /** Address from SDP; symmetric RTP replaces it with the packets' real source. */
  remote?: RtpRemote;
  /** Our direction: recvonly and inactive send nothing; sendonly and inactive drop what arrives. */
  direction?: RtpDirection;
}

export interface RtpSessionOptions extends RtpMediaParams {
  allocator: PortAllocator;
  /** Address to bind, e.g. "0.0.0.0". */
  bindAddress: string;
  clock?: Clock;
  /** Uniform in [0, 1): initial sequence number, timestamp and SSRC (§5.1), RTCP interval jitter. */
  random?: () => number;
  /** Latch on the source of incoming packets and send there (NAT traversal); default true. */
  symmetric?: boolean;
  /** RTCP report interval, default 5000 ms (§6.2), randomised ×[0.5, 1.5] (§6.3.1). */
  rtcpIntervalMs?: number;
  /** SDES CNAME; default 96 random bits (RFC 7022 §4.2), which name neither the software nor the host. */
  cname?: string;
  dtmf?: Omit<TelephoneEventReceiverOptions, 'clock'>;
  /**
   * Sends RTP packets with one sendto(2) each from the session's socket (native-send.ts) instead of dgram's
   * send(); absent: dgram. Host names still go through dgram (they need a lookup).
   */
  sender?: PacketSender;
}

export interface RtpStats {
  packetsSent: number;
  /** Payload octets sent (§6.4.1 sender's octet count). */
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  /** Cumulative loss from sequence numbers (§A.3). */
  packetsLost: number;
  /** Interarrival jitter of incoming audio (§A.8). */
  jitterMs: number;
  /** Round-trip time from the peer's last report block about us (§6.4.1 LSR/DLSR), when known. */
  rttMs?: number;
  /** Loss the peer reports for our stream, 0-1. */
  remoteFractionLost?: number;
  /** Datagrams that were not RTP, or had a payload type not negotiated, or came from a foreign source. */
  dropped: number;
  /**
   * Failed sends: with the native sender every one (a full socket buffer drops the packet); with dgram those
   * checked, the first to each destination and one in 50 after it (see send()).
   */
  sendErrors: number;
  /** clock.now() of the last RTP packet received, for media timeouts. */
  lastReceivedAt?: number;
}

export interface RtpSessionEvents {
  /** One incoming audio packet; `payload` is a view into the datagram: copy it to keep it. */
  audio: [payload: Uint8Array, header: RtpHeader];
  dtmf: [digit: string, info: DigitInfo];
  /** Symmetric RTP picked the address it sends to. */
  latched: [address: string, port: number];
  /** The peer sent RTCP BYE (§6.6). */
  bye: [];
}
