import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/logger.js';
import type {
  BridgeOptions, BridgeResult, CallControl, CallEndReason, CollectOptions, CollectResult, DialOptions, DialOutcome, Leg,
  PlayResult, PlayablePart, RecordOptions, RecordResult,
} from '../types.js';
import type { MediaChannel } from './media-channel.js';
import { bridgeParties, type BridgeDeps } from './bridge.js';
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
}

/**
 * A real phone call under CallControl: SIP for signalling, a MediaChannel for audio and keys. The flow
 * sees the same interface as in the simulator. A second leg (dial, bridge) needs the outbound trunk;
 * without one (HOOKLINE_TRUNK unset) dial() reports `failed` and the flow tells the caller.
 */
export class TelephonyCall implements CallControl {
  readonly direction = 'inbound' as const;
  hungUp = false;
  readonly ended: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;
  /** Set while bridged: keys that came by SIP INFO, to pass on to the other party. */
  infoTap: ((key: string) => void) | undefined;

  constructor(
    readonly sessionId: string,
    readonly from: string,
    readonly to: string,
    private readonly signalling: CallSignalling,
    readonly media: MediaChannel,
    private readonly logger: Logger,
    private readonly outbound?: OutboundServices,
  ) {
    this.ended = new Promise((r) => (this.resolveEnded = r));
  }

  answer(): Promise<void> {
    return this.signalling.answer();
  }

  play(parts: PlayablePart[], opts?: { bargeIn?: boolean }): Promise<PlayResult> {
    return this.media.play(parts, opts);
  }

  collectDigits(o: CollectOptions): Promise<CollectResult> {
    if (this.hungUp) return Promise.resolve({ digits: '', reason: 'hangup' });
    return this.media.digits.collect(o);
  }

  flushDigits(): void {
    this.media.digits.flush();
  }

  record(o: RecordOptions): Promise<RecordResult> {
    return this.media.record(o);
  }

  async dial(destination: string, o: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    const startedAt = performance.now();
    if (!this.outbound) {
      this.logger.warn({ destination }, 'cannot dial: no outbound trunk configured (set HOOKLINE_TRUNK)');
      return { outcome: 'failed' };
    }
    if (this.hungUp) return { outcome: 'canceled' };
    // A caller who hangs up while the leg rings cancels it (a transfer passes no signal of its own).
    const ctrl = new AbortController();
    const abort = (): void => ctrl.abort();
    o.signal?.addEventListener('abort', abort, { once: true });
    if (o.signal?.aborted) ctrl.abort();
    void this.ended.then(abort);
    try {
      return await this.outbound.dial({
        sessionId: this.sessionId,
        destination,
        callerId: o.callerId ?? this.from,
        timeoutMs: o.timeoutMs,
        signal: ctrl.signal,
        logger: this.logger,
        startedAt,
      });
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  }

  bridge(leg: Leg, o: BridgeOptions = {}): Promise<BridgeResult> {
    if (!this.outbound || !(leg instanceof OutboundLeg)) return Promise.reject(new Error('only a leg this call dialled can be bridged to it'));
    return bridgeParties(this, leg, { pacer: this.outbound.pacer, clock: this.outbound.clock, logger: this.logger }, o);
  }

  /** A key from SIP INFO: to the call's digit buffer and, when bridged, across to the other party. */
  infoDigit(key: string): void {
    this.media.infoDigit(key);
    this.infoTap?.(key);
  }

  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void {
    return this.media.startHold(kind);
  }

  /** We end the call: BYE, then free the media. */
  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    try {
      await this.signalling.hangup();
    } finally {
      await this.media.close();
      this.resolveEnded('local_hangup');
    }
  }

  /** The caller ended the call (BYE or CANCEL): stop everything the flow is waiting on. */
  async remoteHangup(reason: CallEndReason = 'remote_hangup'): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    await this.media.close();
    this.resolveEnded(reason);
  }
}
