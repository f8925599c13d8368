/**
 * A CallControl decorator that reports what happens on a call as it happens: prompts played, keys
 * pressed, recordings, dials, bridges and the hang-up. It works the same over the simulator and real
 * SIP calls because both are only ever driven through CallControl, and it spares every flow file from
 * reporting these itself. Legs a call dials are wrapped too, their events naming the destination.
 *
 * Reporting never changes the call: a sink that throws is ignored, and every method returns (or
 * throws) exactly what the wrapped call does.
 */
import type {
  BridgeOptions, BridgeResult, CallControl, CallControlBase, CallEndReason, CollectOptions, CollectResult,
  DialOptions, DialOutcome, Leg, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from './types.js';

/** `leg` is the dialled destination for events on a far leg; absent for the caller's side. */
export type TimelineEvent =
  | { type: 'answered' }
  | { type: 'prompt'; parts: PlayablePart[]; leg?: string }
  /** A key stopped the prompt just reported (barge-in). */
  | { type: 'prompt_interrupted'; leg?: string }
  | { type: 'keys'; digits: string; terminator?: string; reason: CollectResult['reason']; leg?: string }
  | { type: 'recording_started'; path: string; maxMs: number; leg?: string }
  | { type: 'recording_ended'; path: string; durationMs: number; reason: RecordResult['reason']; key?: string; leg?: string }
  | { type: 'dial'; destination: string; timeoutMs: number }
  | { type: 'dial_result'; destination: string; outcome: DialOutcome }
  | { type: 'bridge_started'; destination: string; recording: boolean }
  | { type: 'bridge_ended'; destination: string; endedBy: BridgeResult['endedBy']; durationMs: number; recordedMs: number }
  /** Who ended this side: the caller (or callee, on a leg) hanging up, hookline, or a failure. */
  | { type: 'hangup'; by: 'caller' | 'callee' | 'hookline' | 'failed'; leg?: string };

export type TimelineSink = (event: TimelineEvent) => void;

class Reporter {
  constructor(
    private readonly sink: TimelineSink,
    private readonly leg: string | undefined,
  ) {}

  report(e: TimelineEvent): void {
    try {
      this.sink(this.leg === undefined ? e : ({ ...e, leg: this.leg } as TimelineEvent));
    } catch {
      // A reporting failure is the sink's problem; the call goes on exactly as it would have.
    }
  }
}

/**
 * Wraps the media operations every side of a call has.
 *
 * The hang-up is reported the first time this side is seen hung up: when `ended` resolves, or
 * earlier, when an operation comes back to find the line gone. A SIP call resolves `ended` only after
 * its media is closed, by which time the flow may have finished the call; checking after each
 * operation puts "the caller hung up" where the flow learnt it, not after the call's end.
 */
class TimelineSide<T extends CallControlBase> implements CallControlBase {
  protected readonly r: Reporter;
  private readonly remote: 'caller' | 'callee';
  private endReason: CallEndReason | undefined;
  private hangupAsked = false;
  private hangupReported = false;

  constructor(
    protected readonly inner: T,
    sink: TimelineSink,
    leg: string | undefined,
  ) {
    this.r = new Reporter(sink, leg);
    this.remote = leg === undefined ? 'caller' : 'callee';
    inner.ended.then(
      (reason) => {
        this.endReason = reason;
        this.noticeHangup();
      },
      () => undefined,
    );
  }

  /** Reports the hang-up if the line is gone and it has not been reported yet. */
  noticeHangup(): void {
    if (this.hangupReported || (!this.inner.hungUp && this.endReason === undefined)) return;
    this.hangupReported = true;
    const reason = this.endReason ?? (this.hangupAsked ? 'local_hangup' : 'remote_hangup');
    this.r.report({ type: 'hangup', by: reason === 'remote_hangup' ? this.remote : reason === 'local_hangup' ? 'hookline' : 'failed' });
  }

  /** Runs one operation of the wrapped call, then looks whether the line went meanwhile. */
  protected async op<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } finally {
      this.noticeHangup();
    }
  }

  get sessionId(): string {
    return this.inner.sessionId;
  }

  get hungUp(): boolean {
    return this.inner.hungUp;
  }

  get ended(): Promise<CallEndReason> {
    return this.inner.ended;
  }

  async play(parts: PlayablePart[], opts?: { bargeIn?: boolean }): Promise<PlayResult> {
    if (!this.inner.hungUp) this.r.report({ type: 'prompt', parts });
    const result = await this.op(() => this.inner.play(parts, opts));
    if (result.interrupted) this.r.report({ type: 'prompt_interrupted' });
    return result;
  }

  async collectDigits(opts: CollectOptions): Promise<CollectResult> {
    const r = await this.op(() => this.inner.collectDigits(opts));
    this.r.report({ type: 'keys', digits: r.digits, reason: r.reason, ...(r.terminator !== undefined ? { terminator: r.terminator } : {}) });
    return r;
  }

  flushDigits(): void {
    this.inner.flushDigits();
  }

  async record(opts: RecordOptions): Promise<RecordResult> {
    this.r.report({ type: 'recording_started', path: opts.path, maxMs: opts.maxMs });
    const r = await this.op(() => this.inner.record(opts));
    this.r.report({ type: 'recording_ended', path: opts.path, durationMs: r.durationMs, reason: r.reason, ...(r.key !== undefined ? { key: r.key } : {}) });
    return r;
  }

  hangup(): Promise<void> {
    if (!this.inner.hungUp) this.hangupAsked = true;
    return this.op(() => this.inner.hangup());
  }
}

class TimelineLeg extends TimelineSide<Leg> implements Leg {
  get destination(): string {
    return this.inner.destination;
  }

  /** The leg the wrapped call dialled: its own bridge() accepts only that object. */
  get unwrapped(): Leg {
    return this.inner;
  }
}

class TimelineCall extends TimelineSide<CallControl> implements CallControl {
  constructor(
    inner: CallControl,
    private readonly sink: TimelineSink,
  ) {
    super(inner, sink, undefined);
  }

  get test(): boolean | undefined {
    return this.inner.test;
  }

  get direction(): 'inbound' | 'outbound' {
    return this.inner.direction;
  }

  get from(): string {
    return this.inner.from;
  }

  get to(): string {
    return this.inner.to;
  }

  async answer(): Promise<void> {
    await this.op(() => this.inner.answer());
    this.r.report({ type: 'answered' });
  }

  async dial(destination: string, opts: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    this.r.report({ type: 'dial', destination, timeoutMs: opts.timeoutMs });
    const r = await this.op(() => this.inner.dial(destination, opts));
    this.r.report({ type: 'dial_result', destination, outcome: r.outcome });
    return r.leg ? { outcome: r.outcome, leg: new TimelineLeg(r.leg, this.sink, destination) } : r;
  }

  async bridge(leg: Leg, opts?: BridgeOptions): Promise<BridgeResult> {
    this.r.report({ type: 'bridge_started', destination: leg.destination, recording: opts?.recordPath !== undefined });
    const r = await this.op(() => this.inner.bridge(leg instanceof TimelineLeg ? leg.unwrapped : leg, opts));
    if (leg instanceof TimelineLeg) leg.noticeHangup();
    this.r.report({ type: 'bridge_ended', destination: leg.destination, endedBy: r.endedBy, durationMs: r.durationMs, recordedMs: r.recordedMs });
    return r;
  }

  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void {
    return this.inner.startHoldAudio(kind);
  }
}

export interface TimelineCallControl extends CallControl {
  /** Reports the hang-up now if the line is gone (call it when the flow is done with the call). */
  noticeHangup(): void;
}

/** The call, reporting to `sink` as it goes. */
export function withTimeline(call: CallControl, sink: TimelineSink): TimelineCallControl {
  return new TimelineCall(call, sink);
}
