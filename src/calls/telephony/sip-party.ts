import type {
  CallControlBase, CallEndReason, CollectOptions, CollectResult, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from '../types.js';
import type { MediaChannel } from './media-channel.js';

/**
 * What every SIP leg shares, inbound call or outbound leg: media operations on its MediaChannel, SIP
 * INFO keys, and the hang-up bookkeeping. Subclasses supply how their dialog is ended.
 */
export abstract class SipPartyBase implements CallControlBase {
  hungUp = false;
  readonly ended: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;
  /** Set while bridged: keys that came by SIP INFO, to pass on to the other party. */
  infoTap: ((key: string) => void) | undefined;

  constructor(
    readonly sessionId: string,
    readonly media: MediaChannel,
  ) {
    this.ended = new Promise((r) => (this.resolveEnded = r));
  }

  /** Ends the dialog from our side (BYE, or a final response before answering). */
  protected abstract endDialog(): Promise<void> | void;

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

  /** A key from SIP INFO: to this party's digit buffer and, when bridged, across to the other party. */
  infoDigit(key: string): void {
    this.media.infoDigit(key);
    this.infoTap?.(key);
  }

  /** We end it: BYE, then free the media. */
  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    try {
      await this.endDialog();
    } finally {
      await this.media.close();
      this.resolveEnded('local_hangup');
    }
  }

  /** The other side ended it (BYE or CANCEL): stop everything the flow is waiting on. */
  async remoteHangup(reason: CallEndReason = 'remote_hangup'): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    await this.media.close();
    this.resolveEnded(reason);
  }
}
