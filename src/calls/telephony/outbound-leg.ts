import type {
  CallEndReason, CollectOptions, CollectResult, Leg, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from '../types.js';
import type { MediaChannel } from './media-channel.js';

/**
 * An answered outbound leg: the same media operations as the caller's call (so Find Me screening can
 * play to the callee and collect their "1"), signalling reduced to BYE. The server routes the far
 * end's in-dialog requests (BYE, INFO, re-INVITE) here through its dialog table.
 */
export class OutboundLeg implements Leg {
  hungUp = false;
  readonly ended: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;
  /** Set while bridged: keys that came by SIP INFO, to pass on to the other party. */
  infoTap: ((key: string) => void) | undefined;

  constructor(
    /** The caller's session id: a leg belongs to the call that placed it (`ivr_session_id`). */
    readonly sessionId: string,
    readonly destination: string,
    readonly media: MediaChannel,
    /** Ends the dialog with BYE (terminates it and forgets it at the server first). */
    private readonly sendBye: () => void,
  ) {
    this.ended = new Promise((r) => (this.resolveEnded = r));
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

  /** A key from SIP INFO: to the leg's own digit buffer (screening) and, when bridged, across. */
  infoDigit(key: string): void {
    this.media.infoDigit(key);
    this.infoTap?.(key);
  }

  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    try {
      this.sendBye();
    } finally {
      await this.media.close();
      this.resolveEnded('local_hangup');
    }
  }

  /** The far end sent BYE. */
  async remoteHangup(reason: CallEndReason = 'remote_hangup'): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    await this.media.close();
    this.resolveEnded(reason);
  }
}
