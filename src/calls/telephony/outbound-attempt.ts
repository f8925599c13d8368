import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger.js';
import { sendWithAuth, type AuthHandlers } from '../../sip/auth-client.js';
import { Dialog } from '../../sip/dialog.js';
import type { OutgoingRequest } from '../../sip/endpoint.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import type { Destination } from '../../sip/transport.js';
import type { RtpSession } from '../../rtp/session.js';
import { parseAnswer } from '../../sdp/index.js';
import type { SdpOrigin } from '../../sdp/types.js';
import type { DialOutcome } from '../types.js';
import { MediaChannel } from './media-channel.js';
import { OutboundLeg } from './outbound-leg.js';
import type { DialRequest, OutboundHost } from './outbound.js';
import { REDIRECT_STATUSES, redirectTargets, type Attempt } from './redirect.js';
import { applyMedia } from './sdp-media.js';
import type { DialogEntry } from './dialog-entry.js';
import type { TrunkConfig } from './trunk.js';

/**
 * One INVITE to the trunk, from sending it to its outcome, as a state machine:
 *
 *   Calling --1xx--> Proceeding --2xx--> Answered            (the leg goes to the flow)
 *   Calling/Proceeding --final >= 300, Timer B, transport error, our timeout, abort--> Settled
 *
 * The outcome is given once, by `settle`, the only step that stops the ring timer, drops the abort
 * listener, ends early media and closes the media of a leg that was not answered. The INVITE transaction
 * may outlive the outcome (a CANCEL waiting for a provisional, a 2xx crossing our CANCEL): its responses
 * still come here, so that late answers are ACKed and hung up (RFC 3261 §15), and the trunk slot
 * (`release`, idempotent) is freed when the transaction is over and no leg holds it.
 */
export type AttemptState = 'Calling' | 'Proceeding' | 'Answered' | 'Settled';

export interface AttemptContext {
  host: OutboundHost;
  trunk: TrunkConfig;
  req: DialRequest;
  release: () => void;
  session: RtpSession;
  local: { address: string; port: number };
  origin: SdpOrigin;
  invite: SipRequest;
  log: Logger;
  /** performance.now() when the flow asked for the leg. */
  t0: number;
}

function isSdp(msg: SipResponse): boolean {
  return msg.body.length > 0 && (msg.contentType ?? '').toLowerCase().startsWith('application/sdp');
}

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

export class OutboundAttempt {
  state: AttemptState = 'Calling';
  private readonly dest: Destination;
  /** In-dialog requests and the ACK follow the remote target over UDP; over TCP they reuse the trunk connection. */
  private readonly inDialog: Destination | undefined;
  private earlySdp: string | undefined;
  /** The leg's channel, made early when a 18x with SDP brings early media the caller wants to hear. */
  private media: MediaChannel | undefined;
  private stopEarly: (() => void) | undefined;
  private answered: Dialog | undefined;
  /** Every 2xx'd dialog's ACK, by dialog id: a retransmitted 2xx gets the same ACK again (§13.2.2.4). */
  private readonly acks = new Map<string, SipRequest>();
  private cancelReason: 'timeout' | 'abort' | undefined;
  private out: OutgoingRequest | undefined;
  private stopTimer: () => void = () => undefined;
  private resolve!: (a: Attempt) => void;
  private readonly onAbort = (): void => this.cancel('abort');

  constructor(private readonly c: AttemptContext) {
    this.dest = { transport: c.trunk.transport, address: c.trunk.host, port: c.trunk.port };
    this.inDialog = c.trunk.transport === 'TCP' ? this.dest : undefined;
  }

  /** Sends the INVITE; resolves with the outcome once it is known. */
  run(): Promise<Attempt> {
    const { host, trunk, req, invite, log } = this.c;
    const outcome = new Promise<Attempt>((r) => (this.resolve = r));
    this.stopTimer = host.media.clock.setTimer(req.timeoutMs, () => this.cancel('timeout'));
    req.signal?.addEventListener('abort', this.onAbort, { once: true });
    const handlers: AuthHandlers = {
      onProvisional: (res) => this.provisional(res),
      onFinal: (res) => (res.status < 300 ? this.accepted(res) : this.refused(res)),
      onTimeout: () => this.transactionFailed(`the trunk (${this.dest.address}:${this.dest.port}) never answered the INVITE (Timer B)`),
      onTransportError: (err) => this.transactionFailed('the INVITE could not reach the trunk', err),
      onTerminated: () => {
        if (!this.answered) this.c.release();
      },
    };
    try {
      this.out = trunk.credentials ? sendWithAuth(host.endpoint, invite, this.dest, trunk.credentials, handlers) : host.endpoint.sendRequest(invite, this.dest, handlers);
      // The post-dial delay hookline adds: from the flow's dial() to the INVITE handed to the transport.
      log.info({ callId: invite.callId, pddMs: Math.round((performance.now() - this.c.t0) * 100) / 100 }, 'INVITE sent');
    } catch (err) {
      log.error({ err }, 'the INVITE could not be sent');
      this.c.release();
      this.settle('failed');
    }
    return outcome;
  }

  /** The one step that gives the outcome, whatever led to it. */
  private settle(outcome: DialOutcome, leg?: OutboundLeg, refusal?: Pick<Attempt, 'status' | 'redirect'>): void {
    if (this.state === 'Answered' || this.state === 'Settled') return;
    this.state = leg ? 'Answered' : 'Settled';
    this.stopTimer();
    this.c.req.signal?.removeEventListener('abort', this.onAbort);
    this.stopEarly?.();
    this.stopEarly = undefined;
    if (!leg) {
      (this.media ? this.media.close() : this.c.session.close()).catch((err: unknown) => this.c.log.warn({ err }, 'RTP session did not close cleanly'));
    }
    if (!refusal?.redirect) this.c.log.info({ outcome }, `outbound leg ${outcome}`);
    this.resolve(leg ? { outcome, leg } : { outcome, ...refusal });
  }

  private get open(): boolean {
    return this.state === 'Calling' || this.state === 'Proceeding';
  }

  /** Our ring timer ran out, or the caller went (abort): CANCEL, and the outcome is out at once. */
  private cancel(reason: 'timeout' | 'abort'): void {
    if (!this.open) return;
    this.cancelReason = reason;
    this.out?.cancel();
    if (reason === 'abort') return this.settle('canceled');
    // Not even a 100 Trying in all that time: the trunk is down, which is no "no answer".
    if (this.state === 'Calling') this.c.log.warn(`the trunk (${this.dest.address}:${this.dest.port}) sent no response within ${this.c.req.timeoutMs} ms`);
    this.settle(this.state === 'Proceeding' ? 'no_answer' : 'failed');
  }

  private provisional(res: SipResponse): void {
    if (res.status > 100 && this.state === 'Calling') this.c.log.info({ status: res.status }, 'outbound leg ringing');
    if (this.state === 'Calling') this.state = 'Proceeding';
    // 183 Session Progress with SDP (early media): its answer stands if the 2xx repeats none.
    if (isSdp(res)) {
      this.earlySdp = res.text;
      this.earlyMedia(res);
    }
  }

  /**
   * A 18x with SDP: its answer (RFC 3261 §13.2.1 lets the UAS put it in a provisional; RFC 3960) goes to
   * the leg's RTP session at once, and the leg's channel starts, so that early media reaches the caller.
   * A later 18x (another fork, RFC 3960 §3.1) replaces it: the newest wins.
   */
  private earlyMedia(res: SipResponse): void {
    const { req, session, local, origin, log, host } = this.c;
    if (!req.onEarlyMedia || !this.open) return;
    let params;
    try {
      params = parseAnswer(res.text, { ...local, previous: origin });
    } catch (err) {
      log.debug({ err, status: res.status }, 'early SDP unusable: ringback stays');
      return;
    }
    applyMedia(session, this.media, params);
    if (this.media) return;
    this.media = new MediaChannel(session, params.codec === 'PCMU' ? 'ulaw' : 'alaw', { ...host.media, logger: log });
    this.stopEarly = req.onEarlyMedia(this.media);
  }

  private refused(res: SipResponse): void {
    const { log, trunk } = this.c;
    this.c.release();
    if (res.status === 487 && this.cancelReason) return; // our CANCEL took: the outcome is already out
    if (!this.open) return;
    if (REDIRECT_STATUSES.has(res.status)) {
      // Whether and where to follow is followRedirects' call (redirect.ts), with the dial-out policy.
      const { targets, unusable } = redirectTargets(res);
      if (unusable.length) log.info({ status: res.status, unusable }, 'redirect Contacts without a number to dial: ignored');
      return this.settle('failed', undefined, { status: res.status, redirect: targets });
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
    this.settle(outcomeOf(res.status), undefined, { status: res.status });
  }

  private transactionFailed(why: string, err?: unknown): void {
    this.c.release();
    this.c.log.warn(err ? { err } : {}, why);
    this.settle('failed');
  }

  private accepted(res: SipResponse): void {
    const { host, log, invite } = this.c;
    const id = Dialog.idOfResponse(res);
    const again = this.acks.get(id);
    if (again) {
      host.endpoint.sendAck(again, this.inDialog).catch((err: unknown) => log.warn({ err }, 'ACK not sent'));
      return;
    }
    let dialog: Dialog;
    try {
      dialog = Dialog.fromUac(this.out?.request ?? invite, res);
    } catch (err) {
      log.warn({ err }, 'a 2xx that makes no dialog');
      return;
    }
    const ack = dialog.createAck(res.cseq.seq);
    this.acks.set(id, ack);
    host.endpoint.sendAck(ack, this.inDialog).catch((err: unknown) => log.warn({ err }, 'ACK not sent'));
    if (!this.open) {
      // A second fork answered, or the answer crossed our CANCEL: the session is unwanted (§15).
      log.info({ late: this.state === 'Settled' }, 'unwanted answer: ACK and BYE');
      this.byeUnwanted(dialog);
      if (!this.answered) this.c.release();
      return;
    }
    this.answered = dialog;
    let params;
    try {
      const answer = isSdp(res) ? res.text : this.earlySdp;
      if (answer === undefined) throw new Error('the 2xx carries no SDP answer');
      params = parseAnswer(answer, { ...this.c.local, previous: this.c.origin });
    } catch (err) {
      log.warn({ err }, 'answer unusable: hanging up the leg');
      this.byeUnwanted(dialog);
      this.c.release();
      return this.settle('failed');
    }
    this.settle('answered', this.makeLeg(dialog, params));
  }

  /** The answered leg, its media carried over from early media if there was any, adopted by the server. */
  private makeLeg(dialog: Dialog, params: ReturnType<typeof parseAnswer>): OutboundLeg {
    const { host, req, session, log, origin } = this.c;
    // The early channel carries on as the leg's (its audio relay stops before the flow gets the leg).
    this.stopEarly?.();
    this.stopEarly = undefined;
    applyMedia(session, this.media, params);
    const legMedia = this.media ?? new MediaChannel(session, params.codec === 'PCMU' ? 'ulaw' : 'alaw', { ...host.media, logger: log });
    const ref: { entry?: DialogEntry } = {};
    const leg = new OutboundLeg(req.sessionId, req.destination, legMedia, () => ref.entry && host.bye(ref.entry));
    ref.entry = { call: leg, session, dialog, origin, awaitingAnswer: false, source: { ...this.dest } };
    host.adopt(ref.entry);
    // `ended` only ever resolves, and release() cannot throw: nothing here can reject.
    void leg.ended.then(this.c.release);
    return leg;
  }

  private byeUnwanted(d: Dialog): void {
    try {
      const bye = d.createRequest('BYE');
      d.terminate();
      this.c.host.endpoint.sendRequest(bye, this.inDialog);
    } catch (err) {
      this.c.log.warn({ err }, 'could not BYE an unwanted answer');
    }
  }
}
