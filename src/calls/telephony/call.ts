import type { Logger } from '../../lib/logger.js';
import type {
  BridgeResult, CallControl, CallEndReason, CollectOptions, CollectResult, DialOptions, DialOutcome, Leg,
  PlayResult, PlayablePart, RecordOptions, RecordResult,
} from '../types.js';
import type { MediaChannel } from './media-channel.js';

/** What the call needs from the SIP side: answering, hanging up. Kept narrow so tests can stand in for it. */
export interface CallSignalling {
  /** Sends 200 OK with our SDP and resolves once it is sent (the ACK may come later). */
  answer(): Promise<void>;
  /** Sends BYE (or, before answering, a final error response). */
  hangup(): Promise<void>;
}

/**
 * A real phone call under CallControl: SIP for signalling, a MediaChannel for audio and keys. The flow
 * sees the same interface as in the simulator. A second leg (dial, bridge) needs the outbound trunk,
 * which is not configured in this build: dial() reports `failed` and the flow tells the caller.
 */
export class TelephonyCall implements CallControl {
  readonly direction = 'inbound' as const;
  hungUp = false;
  readonly ended: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;

  constructor(
    readonly sessionId: string,
    readonly from: string,
    readonly to: string,
    private readonly signalling: CallSignalling,
    readonly media: MediaChannel,
    private readonly logger: Logger,
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

  async dial(destination: string, _o: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    this.logger.warn({ sessionId: this.sessionId, destination }, 'cannot dial: no outbound trunk in this build');
    return { outcome: 'failed' };
  }

  bridge(): Promise<BridgeResult> {
    return Promise.reject(new Error('bridging needs an outbound leg, which this build cannot place'));
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
