import type {
  CallControlBase, CallEndReason, CollectOptions, CollectResult, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from '../types.js';
import type { CutOffOptions } from '../running.js';
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
    // Checked here, not only by the channel: a call cut off at shutdown keeps its channel for the goodbye.
    if (this.hungUp) return Promise.resolve({ interrupted: false });
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
    if (this.hungUp) return Promise.resolve({ durationMs: 0, reason: 'hangup' });
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

  /**
   * We end it from outside the flow (the server shuts down): from now on the flow sees the line gone
   * (what it waits on returns, as on a hang-up, and nothing new starts), `goodbye` is said, then BYE.
   * `goodbye` is given up after `maxMs`, or when `signal` aborts, so nothing holds the BYE for long.
   */
  async cutOff(goodbye: PlayablePart[], o: CutOffOptions): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    try {
      await this.beforeCutOff(o);
      this.media.interrupt();
      if (goodbye.length > 0 && !o.signal?.aborted && this.mayHear()) await within(this.media.play(goodbye).catch(() => undefined), o);
      await this.endDialog();
    } finally {
      await this.media.close();
      this.resolveEnded('local_hangup');
    }
  }

  /** Whether the other end can hear what we send now. */
  protected mayHear(): boolean {
    return true;
  }

  /** Ends what else the party has going (a call's legs) before a cut-off says goodbye. */
  protected async beforeCutOff(_o: CutOffOptions): Promise<void> {}

  /** The other side ended it (BYE or CANCEL): stop everything the flow is waiting on. */
  async remoteHangup(reason: CallEndReason = 'remote_hangup'): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    try {
      await this.media.close();
    } finally {
      // Resolved whatever closing did: the call's place in HOOKLINE_MAX_CALLS is freed on it.
      this.resolveEnded(reason);
    }
  }
}

/** Waits for `p`, but no longer than `o.maxMs` and not past an abort of `o.signal`. */
export async function within(p: Promise<unknown>, o: CutOffOptions): Promise<void> {
  let cancel = (): void => undefined;
  let onAbort = (): void => undefined;
  const late = new Promise<void>((resolve) => {
    cancel = o.clock.setTimer(o.maxMs, resolve);
    onAbort = resolve;
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([p, late]);
  } finally {
    cancel();
    o.signal?.removeEventListener('abort', onAbort);
  }
}
