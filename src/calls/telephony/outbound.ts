import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger.js';
import { sendWithAuth, type AuthHandlers } from '../../sip/auth-client.js';
import { createRequest } from '../../sip/builders.js';
import { Dialog } from '../../sip/dialog.js';
import type { OutgoingRequest, SipEndpoint } from '../../sip/endpoint.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import type { Destination } from '../../sip/transport.js';
import { RtpSession } from '../../rtp/session.js';
import type { PortAllocator } from '../../rtp/ports.js';
import { createOffer, parseAnswer } from '../../sdp/index.js';
import type { DialOutcome } from '../types.js';
import { MediaChannel, type MediaChannelDeps } from './media-channel.js';
import { OutboundLeg } from './outbound-leg.js';
import { REDIRECT_STATUSES, redirectTargets, type Attempt } from './redirect.js';
import { applyMedia } from './sdp-media.js';
import type { DialogEntry } from './server.js';
import type { TrunkConfig } from './trunk.js';

/** What placing a leg needs from the SIP server it shares the port, the RTP range and the pacer with. */
export interface OutboundHost {
  readonly endpoint: SipEndpoint;
  readonly allocator: PortAllocator;
  /** Address RTP binds to. */
  readonly bindHost: string;
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

/**
 * RFC 3261 §21 statuses as the flow's outcomes. 486/600 are the callee being busy; 408/480 mean
 * nobody picked up (408 is also what a trunk sends when its own ring timer expires). Anything else
 * (404, 403, 503, a 3xx that led nowhere...) is a failure the caller cannot wait out.
 */
export function outcomeOf(status: number): DialOutcome {
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480) return 'no_answer';
  return 'failed';
}

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

function isSdp(msg: SipResponse): boolean {
  return msg.body.length > 0 && (msg.contentType ?? '').toLowerCase().startsWith('application/sdp');
}

/**
 * Places one leg through the trunk and settles as soon as its outcome is known. The transaction may
 * outlive that (a CANCEL waiting for a provisional, a 2xx crossing our CANCEL): its handlers stay on
 * to ACK and BYE such late answers, and `release` frees the trunk slot when nothing is left.
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
    session = await RtpSession.open({ allocator: host.allocator, bindAddress: host.bindHost, payloadType: 0, clock: host.media.clock, dtmf: { emitOn: 'start' } });
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
  const dest: Destination = { transport: trunk.transport, address: trunk.host, port: trunk.port };
  // In-dialog requests and the ACK follow the remote target over UDP; over TCP they reuse the trunk connection.
  const inDialog: Destination | undefined = trunk.transport === 'TCP' ? dest : undefined;

  return new Promise<Attempt>((resolve) => {
    let done = false;
    let provisional = false;
    let earlySdp: string | undefined;
    /** The leg's channel, made early when a 18x with SDP brings early media the caller wants to hear. */
    let media: MediaChannel | undefined;
    let stopEarly: (() => void) | undefined;
    let answered: Dialog | undefined;
    /** Every 2xx'd dialog's ACK, by dialog id: a retransmitted 2xx gets the same ACK again (§13.2.2.4). */
    const acks = new Map<string, SipRequest>();
    let cancelReason: 'timeout' | 'abort' | undefined;
    let out: OutgoingRequest | undefined;

    const finish = (outcome: DialOutcome, leg?: OutboundLeg, refusal?: Pick<Attempt, 'status' | 'redirect'>): void => {
      if (done) return;
      done = true;
      stopTimer();
      req.signal?.removeEventListener('abort', onAbort);
      stopEarly?.();
      if (!leg) (media ? media.close() : session.close()).catch((err: unknown) => log.warn({ err }, 'RTP session did not close cleanly'));
      if (!refusal?.redirect) log.info({ outcome }, `outbound leg ${outcome}`);
      resolve(leg ? { outcome, leg } : { outcome, ...refusal });
    };
    /**
     * A 18x with SDP: its answer (RFC 3261 §13.2.1 lets the UAS put it in a provisional; RFC 3960)
     * goes to the leg's RTP session at once, and the leg's channel starts, so that early media
     * reaches the caller. A later 18x (another fork, RFC 3960 §3.1) replaces it: the newest wins.
     */
    const earlyMedia = (res: SipResponse): void => {
      if (!req.onEarlyMedia || done || answered) return;
      let params;
      try {
        params = parseAnswer(res.text, { ...local, previous: origin });
      } catch (err) {
        log.debug({ err, status: res.status }, 'early SDP unusable: ringback stays');
        return;
      }
      applyMedia(session, media, params);
      if (media) return;
      media = new MediaChannel(session, params.codec === 'PCMU' ? 'ulaw' : 'alaw', { ...host.media, logger: log });
      stopEarly = req.onEarlyMedia(media);
    };
    const byeUnwanted = (d: Dialog): void => {
      try {
        const bye = d.createRequest('BYE');
        d.terminate();
        host.endpoint.sendRequest(bye, inDialog);
      } catch (err) {
        log.warn({ err }, 'could not BYE an unwanted answer');
      }
    };
    const on2xx = (res: SipResponse): void => {
      const id = Dialog.idOfResponse(res);
      const again = acks.get(id);
      if (again) {
        host.endpoint.sendAck(again, inDialog).catch((err: unknown) => log.warn({ err }, 'ACK not sent'));
        return;
      }
      let dialog: Dialog;
      try {
        dialog = Dialog.fromUac(out?.request ?? invite, res);
      } catch (err) {
        log.warn({ err }, 'a 2xx that makes no dialog');
        return;
      }
      const ack = dialog.createAck(res.cseq.seq);
      acks.set(id, ack);
      host.endpoint.sendAck(ack, inDialog).catch((err: unknown) => log.warn({ err }, 'ACK not sent'));
      if (answered || done) {
        // A second fork answered, or the answer crossed our CANCEL: the session is unwanted (§15).
        log.info({ late: done }, 'unwanted answer: ACK and BYE');
        byeUnwanted(dialog);
        if (!answered) release();
        return;
      }
      answered = dialog;
      let params;
      try {
        const answer = isSdp(res) ? res.text : earlySdp;
        if (answer === undefined) throw new Error('the 2xx carries no SDP answer');
        params = parseAnswer(answer, { ...local, previous: origin });
      } catch (err) {
        log.warn({ err }, 'answer unusable: hanging up the leg');
        byeUnwanted(dialog);
        release();
        finish('failed');
        return;
      }
      // The early channel carries on as the leg's (its audio relay stops before the flow gets the leg).
      stopEarly?.();
      stopEarly = undefined;
      applyMedia(session, media, params);
      const legMedia = media ?? new MediaChannel(session, params.codec === 'PCMU' ? 'ulaw' : 'alaw', { ...host.media, logger: log });
      const ref: { entry?: DialogEntry } = {};
      const leg = new OutboundLeg(req.sessionId, req.destination, legMedia, () => ref.entry && host.bye(ref.entry));
      ref.entry = { call: leg, session, dialog, origin, awaitingAnswer: false, source: { transport: dest.transport, address: dest.address, port: dest.port } };
      host.adopt(ref.entry);
      // `ended` only ever resolves, and release() cannot throw: nothing here can reject.
      void leg.ended.then(release);
      finish('answered', leg);
    };

    const handlers: AuthHandlers = {
      onProvisional: (res) => {
        if (res.status > 100 && !provisional) log.info({ status: res.status }, 'outbound leg ringing');
        provisional = true;
        // 183 Session Progress with SDP (early media): its answer stands if the 2xx repeats none.
        if (isSdp(res)) {
          earlySdp = res.text;
          earlyMedia(res);
        }
      },
      onFinal: (res) => {
        if (res.status < 300) return on2xx(res);
        release();
        if (res.status === 487 && cancelReason) return; // our CANCEL took: the outcome is already out
        if (REDIRECT_STATUSES.has(res.status)) {
          // Whether and where to follow is followRedirects' call (redirect.ts), with the dial-out policy.
          const { targets, unusable } = redirectTargets(res);
          if (unusable.length) log.info({ status: res.status, unusable }, 'redirect Contacts without a number to dial: ignored');
          finish('failed', undefined, { status: res.status, redirect: targets });
          return;
        }
        if (res.status === 401 || res.status === 407) {
          // sendWithAuth answers one challenge; a second means the trunk refused our credentials (or we had none):
          // every call through this trunk will fail the same way, which the operator must hear about (RFC 3261 §22.2).
          log.error(
            { status: res.status, reason: res.reason },
            trunk.credentials
              ? `the trunk refused the credentials of HOOKLINE_TRUNK (user ${trunk.credentials.username}): ${res.status} after answering its challenge`
              : `the trunk wants authentication (${res.status}) but HOOKLINE_TRUNK has no user:password`,
          );
        }
        log.info({ status: res.status, reason: res.reason }, 'outbound leg refused');
        finish(outcomeOf(res.status), undefined, { status: res.status });
      },
      onTimeout: () => {
        release();
        log.warn(`the trunk (${dest.address}:${dest.port}) never answered the INVITE (Timer B)`);
        finish('failed');
      },
      onTransportError: (err) => {
        release();
        log.warn({ err }, 'the INVITE could not reach the trunk');
        finish('failed');
      },
      onTerminated: () => {
        if (!answered) release();
      },
    };

    const onAbort = (): void => {
      cancelReason = 'abort';
      out?.cancel();
      finish('canceled');
    };
    const stopTimer = host.media.clock.setTimer(req.timeoutMs, () => {
      cancelReason = 'timeout';
      out?.cancel();
      // Not even a 100 Trying in all that time: the trunk is down, which is no "no answer".
      if (!provisional) log.warn(`the trunk (${dest.address}:${dest.port}) sent no response within ${req.timeoutMs} ms`);
      finish(provisional ? 'no_answer' : 'failed');
    });
    req.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      out = trunk.credentials ? sendWithAuth(host.endpoint, invite, dest, trunk.credentials, handlers) : host.endpoint.sendRequest(invite, dest, handlers);
    } catch (err) {
      release();
      log.error({ err }, 'the INVITE could not be sent');
      finish('failed');
      return;
    }
    // The post-dial delay hookline adds: from the flow's dial() to the INVITE handed to the transport.
    log.info({ callId: invite.callId, pddMs: Math.round((performance.now() - t0) * 100) / 100 }, 'INVITE sent');
  });
}
