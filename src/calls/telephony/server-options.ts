/** What a TelephonyServer is started with (server.ts): where it listens, what it plays with, who may call. */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Pacer } from '../../media/pacer.js';
import type { PacketSender } from '../../rtp/native-send.js';
import type { DialLimits } from '../dial-limits.js';
import type { SipAccessSettings } from './access.js';
import type { TelephonyCall } from './call.js';
import type { PromptRenderer } from './renderer.js';
import type { TrunkConfig } from './trunk.js';

export interface TelephonyOptions {
  /** Address to bind SIP and RTP to. */
  host: string;
  /** Address written in Contact and SDP; defaults to `host`. */
  advertisedHost?: string;
  sipPort: number;
  /** HOOKLINE_SIP_UDP_BUFFER: bytes asked for the SIP UDP socket's receive queue (sip/transport-udp.ts); absent = the system's. */
  sipUdpBuffer?: number;
  rtpPorts: { min: number; max: number };
  clock: Clock;
  logger: Logger;
  pacer: Pacer;
  /** Sends the calls' RTP (rtp/native-send.ts); absent: dgram. */
  rtpSender?: PacketSender;
  renderer: PromptRenderer;
  /** HOOKLINE_SIP_USER_AGENT: the Server and User-Agent header; none by default (strangers learn no software). */
  userAgent?: string | undefined;
  /** Who may call and how fast (access.ts); loopback and the trunk, with the default limits, when absent. */
  access?: SipAccessSettings;
  /** The outbound trunk for dial(); without it every dial fails with a log line saying why. */
  trunk?: TrunkConfig;
  /** The dial-out policy, for the targets of 3xx redirects; without it redirects are not followed. */
  checkDial?: (destination: string) => string | undefined;
  /** Outbound legs each call may place (DEFAULT_DIAL_LIMITS when absent). */
  dialLimits?: DialLimits;
  /** A new call is ready for the flow (which answers it). */
  onCall(call: TelephonyCall): void;
  /**
   * Asked at each new INVITE: false refuses it with 503 and Retry-After 5 (the database is away), so a
   * proxy in front (Kamailio's dispatcher) sends it to another node. Calls in progress are not affected.
   */
  admitting?: () => boolean;
  /** HOOKLINE_MAX_CALLS: calls at once, incoming and placed through the API; beyond it new INVITEs get 503 (admission.ts). 0 or absent: no limit. */
  maxCalls?: number;
  /** HOOKLINE_OVERLOAD_LATE_MS: new calls get 503 while the pacer (its frames or its timer) runs later than this (admission.ts). 0 or absent: off. */
  overloadLateMs?: number;
}
