import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger.js';
import type { BridgeOptions, BridgeResult, CallControl, DialOptions, DialOutcome, Leg } from '../types.js';
import { DEFAULT_DIAL_LIMITS, DialBudget, dialWithin, type DialLimits } from '../dial-limits.js';
import type { MediaChannel } from './media-channel.js';
import { SipPartyBase, within } from './sip-party.js';
import type { CutOffOptions, CuttableCall } from '../running.js';
import { bridgeParties, type BridgeDeps } from './bridge.js';
import { relayEarlyMedia } from './early-media.js';
import { OutboundLeg } from './outbound-leg.js';
import type { DialRequest } from './outbound.js';
import type { DialResult } from './trunk.js';

/** What the call needs from the SIP side: answering, hanging up. Kept narrow so tests can stand in for it. */
export interface CallSignalling {
  /** Sends 200 OK with our SDP and resolves once it is sent (the ACK may come later). */
  answer(): Promise<void>;
  /** Sends BYE (or, before answering, a final error response). */
  hangup(): Promise<void>;
}

/** What dialling out and bridging need: the trunk's dialer and the media clock both legs share. */
export interface OutboundServices extends BridgeDeps {
  dial(req: DialRequest): Promise<DialResult>;
  /** Limits on each call's legs; DEFAULT_DIAL_LIMITS when absent. */
  readonly perCall?: DialLimits | undefined;
}

/**
 * A real phone call under CallControl: SIP for signalling, a MediaChannel for audio and keys. The flow
 * sees the same interface as in the simulator. A second leg (dial, bridge) needs the outbound trunk;
 * without one (HOOKLINE_TRUNK unset) dial() reports `failed` and the flow tells the caller.
 */
export class TelephonyCall extends SipPartyBase implements CallControl, CuttableCall {
  /** This call's legs against the per-call limits (made on the first dial). */
  private budget: DialBudget | undefined;
  /** Answered legs still up, which a cut-off hangs up. */
  private readonly legs = new Set<OutboundLeg>();
  /** Dials and bridges under way, which a cut-off waits for before the goodbye takes the line. */
  private readonly busy = new Set<Promise<unknown>>();
  /** Aborted by a cut-off: legs still ringing are cancelled. */
  private readonly cut = new AbortController();
  /** Our 200 OK went (or the call is a leg the far end answered): the caller can hear a goodbye. */
  private answered = false;

  constructor(
    sessionId: string,
    readonly from: string,
    readonly to: string,
    private readonly signalling: CallSignalling,
    media: MediaChannel,
    private readonly logger: Logger,
    private readonly outbound?: OutboundServices,
    readonly direction: 'inbound' | 'outbound' = 'inbound',
  ) {
    super(sessionId, media);
  }

  /**
   * A call we placed (Call Initiation API): its first leg, once answered, becomes the call the flow
   * runs on. `from` is the number presented to the callee, `to` the number dialled.
   */
  static fromAnsweredLeg(leg: OutboundLeg, from: string, logger: Logger, outbound: OutboundServices): TelephonyCall {
    const call = new TelephonyCall(leg.sessionId, from, leg.destination, { answer: async () => undefined, hangup: () => leg.hangup() }, leg.media, logger, outbound, 'outbound');
    call.answered = true;
    // The far end's BYE reaches the leg (the server's dialog table knows the leg): end the call with it.
    leg.ended.then((reason) => call.remoteHangup(reason)).catch((err: unknown) => logger.error({ err, sessionId: leg.sessionId }, 'ending the call after its leg ended failed'));
    return call;
  }

  protected endDialog(): Promise<void> {
    return this.signalling.hangup();
  }

  async answer(): Promise<void> {
    // Cut off before the flow answered: the caller gets a final error response, not a 200 for nobody.
    if (this.hungUp) return;
    await this.signalling.answer();
    this.answered = true;
  }

  /** Nobody hears a goodbye before the call is answered (no early media is offered). */
  protected override mayHear(): boolean {
    return this.answered;
  }

  async dial(destination: string, o: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    const startedAt = performance.now();
    const outbound = this.outbound;
    if (!outbound) {
      this.logger.warn({ destination }, 'cannot dial: no outbound trunk configured (set HOOKLINE_TRUNK)');
      return { outcome: 'failed' };
    }
    if (this.hungUp) return { outcome: 'canceled' };
    this.budget ??= new DialBudget(outbound.perCall ?? DEFAULT_DIAL_LIMITS);
    return this.track(dialWithin(this.budget, () => this.placeLeg(outbound, destination, o, startedAt), (why) => this.logger.warn({ destination, ...this.budget?.limits }, `dial refused: ${why}`)));
  }

  /** Keeps `p` in `busy` until it settles. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.busy.add(p);
    const forget = (): void => void this.busy.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Legs first: a bridge ends, ringing legs are cancelled; the goodbye needs the caller's channel back. */
  protected override async beforeCutOff(o: CutOffOptions): Promise<void> {
    this.cut.abort();
    await within(Promise.allSettled([...[...this.legs].map((l) => l.hangup()), ...this.busy]), o);
  }

  private async placeLeg(outbound: OutboundServices, destination: string, o: DialOptions, startedAt: number): Promise<DialResult> {
    // A caller who hangs up while the leg rings cancels it (a transfer passes no signal of its own).
    const ctrl = new AbortController();
    const abort = (): void => ctrl.abort();
    o.signal?.addEventListener('abort', abort, { once: true });
    if (o.signal?.aborted) ctrl.abort();
    // `ended` only ever resolves, and abort() does not throw (listeners' errors are reported, not thrown).
    void this.ended.then(abort);
    this.cut.signal.addEventListener('abort', abort, { once: true });
    // Early media replaces the hold audio this call plays while the leg rings (the flow started it).
    const onEarlyMedia = o.earlyMedia ? (legMedia: MediaChannel) => relayEarlyMedia(this, legMedia, { pacer: outbound.pacer, logger: this.logger.child({ destination }) }) : undefined;
    try {
      const r = await outbound.dial({
        sessionId: this.sessionId,
        destination,
        callerId: o.callerId ?? this.from,
        timeoutMs: o.timeoutMs,
        signal: ctrl.signal,
        logger: this.logger,
        startedAt,
        ...(onEarlyMedia ? { onEarlyMedia } : {}),
      });
      if (r.leg instanceof OutboundLeg) {
        const leg = r.leg;
        // Answered just as the call was cut off: nobody is left to talk to.
        if (this.hungUp) await leg.hangup();
        else {
          this.legs.add(leg);
          void leg.ended.then(() => this.legs.delete(leg));
        }
      }
      return r;
    } finally {
      o.signal?.removeEventListener('abort', abort);
      this.cut.signal.removeEventListener('abort', abort);
    }
  }

  async bridge(leg: Leg, o: BridgeOptions = {}): Promise<BridgeResult> {
    if (!this.outbound || !(leg instanceof OutboundLeg)) throw new Error('only a leg this call dialled can be bridged to it');
    if (this.hungUp) {
      // Cut off between the answer and the bridge: the callee must not be left on a line nobody is on.
      await leg.hangup();
      return { endedBy: 'caller', durationMs: 0, recordedMs: 0 };
    }
    return this.track(bridgeParties(this, leg, { pacer: this.outbound.pacer, clock: this.outbound.clock, logger: this.logger }, o));
  }

  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void {
    return this.media.startHold(kind);
  }
}
