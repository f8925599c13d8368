import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { SipGuard } from './guard.js';
import type { SipRequest } from './message.js';
import type { SipTimerConfig } from './timers.js';
import type { ClientTransaction } from './transaction-client.js';
import type { ServerTransaction } from './transaction-server.js';
import type { Destination, RemoteInfo } from './transport.js';

/** The endpoint's options and handler types (endpoint.ts). */

/** A new request for the TU, with the server transaction to answer it on. Never called for ACK. */
export type RequestHandler = (req: SipRequest, tx: ServerTransaction) => void;
/** An ACK for a 2xx (its own transaction, §17.1.1.3): the TU matches it to its dialog. */
export type AckHandler = (ack: SipRequest, source: RemoteInfo) => void;

export interface SipEndpointCoreOptions {
  /** Address to bind; also what Via and Contact say unless `advertisedHost` is given. */
  host: string;
  advertisedHost?: string;
  clock?: Clock;
  logger?: Logger;
  timers?: Partial<SipTimerConfig>;
  /** Source of tags, branches and Call-IDs (tests make it deterministic). */
  random?: () => string;
  /** Server / User-Agent header value. */
  userAgent?: string;
  /** Methods the TU handles (default INVITE, ACK, BYE, CANCEL, INFO); OPTIONS is answered by the core unless listed. */
  methods?: string[];
  /** Option tags we support (default: timer, RFC 4028). */
  supported?: string[];
  /** RFC 4028 Min-SE in seconds (default 90). */
  minSE?: number;
  onRequest: RequestHandler;
  onAck?: AckHandler;
  /**
   * Who may use the port and how much (guard.ts): screens every request before the transaction layer,
   * and the transports with it. Without it, anyone may send anything.
   */
  guard?: SipGuard;
  /** Whether an in-dialog request belongs to a dialog the TU has: those pass the guard's allow list. */
  isKnownDialog?: (req: SipRequest) => boolean;
  /** Whether a call still uses an inbound TCP connection: it is then never closed as idle. */
  connectionInUse?: (connectionId: number) => boolean;
  /**
   * Asked when the core answers an OPTIONS: seconds to put in Retry-After while the TU takes no new
   * calls (shutting down, full), so the OPTIONS gets 503 and a dispatcher probing with it takes this
   * node out of its rotation until it answers 200 again; undefined while it takes calls.
   */
  unavailableFor?: () => number | undefined;
}

export interface SipEndpointOptions extends SipEndpointCoreOptions {
  /** UDP port to listen on (0 = any free one); omitted = no UDP. */
  udpPort?: number;
  /** Bytes asked for the UDP socket's receive queue (transport-udp.ts says why); absent = the system's default. */
  udpReceiveBuffer?: number;
  /** TCP port to listen on (0 = any free one); omitted = no TCP. */
  tcpPort?: number;
}

/** What sendRequest gives back: the transaction, the request as sent, and CANCEL for INVITEs. */
export interface OutgoingRequest {
  readonly request: SipRequest;
  readonly transaction: ClientTransaction;
  readonly destination: Destination;
  /**
   * INVITE only (§9.1): sends CANCEL once a provisional response has come (not before), and does
   * nothing after a final response. The INVITE then ends with 487 through the usual handlers.
   */
  cancel(): void;
}
