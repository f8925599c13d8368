import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger.js';
import { createRequest } from '../../sip/builders.js';
import type { SipEndpoint } from '../../sip/endpoint.js';
import type { SipRequest } from '../../sip/message.js';
import { RtpSession } from '../../rtp/session.js';
import type { PortAllocator } from '../../rtp/ports.js';
import type { PacketSender } from '../../rtp/native-send.js';
import { createOffer } from '../../sdp/index.js';
import type { MediaChannel, MediaChannelDeps } from './media-channel.js';
import { OutboundAttempt, outcomeOf } from './outbound-attempt.js';
import type { Attempt } from './redirect.js';
import type { DialogEntry } from './dialog-entry.js';
import type { TrunkConfig } from './trunk.js';

/** What placing a leg needs from the SIP server it shares the port, the RTP range and the pacer with. */
export interface OutboundHost {
  readonly endpoint: SipEndpoint;
  readonly allocator: PortAllocator;
  /** Address RTP binds to. */
  readonly bindHost: string;
  /** Sends the legs' RTP (rtp/native-send.ts); absent: dgram. */
  readonly rtpSender?: PacketSender;
  /** Address written in SDP (differs from bindHost behind NAT or on 0.0.0.0). */
  readonly advertisedHost: string;
  readonly media: MediaChannelDeps;
  /** From now on the far end's in-dialog requests (BYE, INFO, re-INVITE) reach this entry. */
  adopt(entry: DialogEntry): void;
  /** Terminates the entry's dialog, forgets it, sends BYE. */
  bye(entry: DialogEntry): void;
}

export interface DialRequest {
  /** The caller's session id; the leg shares it. */
  sessionId: string;
  destination: string;
  /** Presented in From; empty or non-numeric goes out as Anonymous. */
  callerId: string;
  timeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
  /** performance.now() when the flow asked for the leg: the post-dial delay we add is measured from here. */
  startedAt?: number;
  /**
   * Early media wanted (a transfer): called once the far end's 18x with SDP has set up the leg's
   * channel, before any 2xx. Returns what ends it; placeCall calls that when the attempt settles
   * (answered or not), before the leg's channel is handed over or closed.
   */
  onEarlyMedia?: (media: MediaChannel) => () => void;
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, INFO';

export { outcomeOf };

/** The user part we send: visual separators dropped, then digits with an optional leading +. */
export function dialString(destination: string): string | undefined {
  const n = destination.replace(/[\s().-]/g, '');
  return /^\+?[0-9]+$/.test(n) ? n : undefined;
}

function hostPort(trunk: TrunkConfig): string {
  return `${trunk.host.includes(':') ? `[${trunk.host}]` : trunk.host}:${trunk.port}`;
}

/** The INVITE (§8.1.1, §13.2.1) with our SDP offer; From presents the caller id, or RFC 3323 anonymity. */
export function buildInvite(trunk: TrunkConfig, user: string, callerId: string, sdp: string): SipRequest {
  const hp = hostPort(trunk);
  const presented = /^\+?[0-9]+$/.test(callerId) ? callerId : undefined;
  return createRequest({
    method: 'INVITE',
    uri: `sip:${user}@${hp}${trunk.transport === 'TCP' ? ';transport=tcp' : ''}`,
    from: presented ? `<sip:${presented}@${hp}>` : '"Anonymous" <sip:anonymous@anonymous.invalid>',
    to: `<sip:${user}@${hp}>`,
    headers: { Allow: ALLOW, ...(presented ? {} : { Privacy: 'id' }) },
    body: sdp,
    contentType: 'application/sdp',
  });
}

/**
 * Places one leg through the trunk: checks the number, binds RTP, builds the INVITE with our offer, and
 * hands over to an OutboundAttempt (outbound-attempt.ts), which settles as soon as the outcome is known.
 * `release` frees the trunk slot when nothing is left of the attempt.
 */
export async function placeCall(host: OutboundHost, trunk: TrunkConfig, req: DialRequest, release: () => void): Promise<Attempt> {
  const t0 = req.startedAt ?? performance.now();
  const log = req.logger.child({ destination: req.destination });
  const user = dialString(req.destination);
  if (user === undefined) {
    release();
    log.warn('cannot dial: the destination is not a phone number');
    return { outcome: 'failed' };
  }
  if (req.signal?.aborted) {
    release();
    return { outcome: 'canceled' };
  }
  let session: RtpSession;
  try {
    session = await RtpSession.open({ allocator: host.allocator, bindAddress: host.bindHost, payloadType: 0, clock: host.media.clock, dtmf: { emitOn: 'start' }, ...(host.rtpSender && { sender: host.rtpSender }) });
  } catch (err) {
    release();
    log.error({ err }, 'cannot dial: no RTP port free');
    return { outcome: 'failed' };
  }
  if (req.signal?.aborted) {
    // Aborted while the port was being bound: an abort listener added now would never fire.
    session.close().catch((err: unknown) => log.warn({ err }, 'RTP session did not close cleanly'));
    release();
    return { outcome: 'canceled' };
  }
  const local = { address: host.advertisedHost, port: session.localPort };
  const { sdp, origin } = createOffer(local);
  let invite: SipRequest;
  try {
    invite = buildInvite(trunk, user, req.callerId, sdp);
  } catch (err) {
    session.close().catch((err: unknown) => log.warn({ err }, 'RTP session did not close cleanly'));
    release();
    log.error({ err }, 'cannot dial: the INVITE could not be built');
    return { outcome: 'failed' };
  }
  return new OutboundAttempt({ host, trunk, req, release, session, local, origin, invite, log, t0 }).run();
}
