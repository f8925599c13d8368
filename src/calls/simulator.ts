import type { Clock } from '../lib/clock.js';
import type {
  BridgeOptions, BridgeResult, CallControl, CallControlBase, CallEndReason, CollectOptions, CollectResult,
  DialOptions, DialOutcome, Leg, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from './types.js';
import { DEFAULT_FAR_END, KeyScript, type FarEnd } from './sim-script.js';
import { DEFAULT_DIAL_LIMITS, DialBudget, dialWithin, type DialLimits } from './dial-limits.js';

/** What the simulated phone line reports: what the caller (or a far-end phone) hears and does. */
export type SimEvent =
  | { type: 'answered' }
  | { type: 'prompt'; text: string; leg?: string }
  | { type: 'digits'; digits: string; terminator?: string; timedOut: boolean; leg?: string }
  | { type: 'record'; path: string; durationMs: number; leg?: string }
  | { type: 'ringing'; destination: string }
  /** hookline would not place the leg (a per-call dial limit): `reason` says which. */
  | { type: 'refused'; destination: string; reason: string }
  | { type: 'cancel'; destination: string }
  | { type: 'hold'; on: boolean; audio: string }
  | { type: 'hangup'; by: 'caller' | 'hookline' | 'callee'; leg?: string };

export interface SimulatorOptions {
  sessionId: string;
  from: string;
  to: string;
  keys: string;
  clock: Clock;
  farEnds?: Map<string, FarEnd>;
  /** Per-call limits on dialled legs, as the server applies them; DEFAULT_DIAL_LIMITS when absent. */
  dialLimits?: DialLimits;
  /** Writes a recording of the given length (the simulator has no real audio). */
  writeRecording(path: string, durationMs: number, channels: 1 | 2): Promise<void>;
  onEvent?(e: SimEvent): void;
}

function describe(part: PlayablePart): string {
  if ('text' in part) return part.text;
  if ('audioPath' in part) return `[audio ${part.audioPath}]`;
  if ('tone' in part) return '[beep]';
  return `[silence ${part.silenceMs} ms]`;
}

/** One simulated phone: the caller, or a far end reached by dial(). */
class SimPhone implements CallControlBase {
  hungUp = false;
  readonly ended: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;
  protected readonly script: KeyScript;

  constructor(
    readonly sessionId: string,
    keys: string,
    protected readonly opts: SimulatorOptions,
    /** Set on far-end legs so that their events say which phone they are. */
    private readonly legName?: string,
  ) {
    this.script = new KeyScript(keys);
    this.ended = new Promise((r) => (this.resolveEnded = r));
  }

  protected emit(e: SimEvent): void {
    this.opts.onEvent?.(this.legName ? ({ ...e, leg: this.legName } as SimEvent) : e);
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((r) => this.opts.clock.setTimer(ms, r));
  }

  async play(parts: PlayablePart[]): Promise<PlayResult> {
    if (!this.hungUp) for (const p of parts) this.emit({ type: 'prompt', text: describe(p) });
    return { interrupted: false };
  }

  async collectDigits(o: CollectOptions): Promise<CollectResult> {
    let digits = '';
    let waited = 0;
    for (;;) {
      if (this.hungUp) return { digits, reason: 'hangup' };
      const key = this.script.next();
      if (key === undefined) {
        this.remoteHangup();
        return { digits, reason: 'hangup' };
      }
      if (key === ',') {
        await this.sleep(1000);
        waited += 1000;
        if (waited >= (digits ? o.interDigitTimeoutMs : o.firstDigitTimeoutMs)) {
          this.emit({ type: 'digits', digits, timedOut: true });
          return { digits, reason: 'timeout' };
        }
        continue;
      }
      waited = 0;
      if (o.terminators.includes(key)) {
        this.emit({ type: 'digits', digits, terminator: key, timedOut: false });
        return { digits, terminator: key, reason: 'terminator' };
      }
      digits += key;
      if (digits.length >= o.maxDigits) {
        this.emit({ type: 'digits', digits, timedOut: false });
        return { digits, reason: 'max' };
      }
    }
  }

  flushDigits(): void {
    // Keys are only taken from the script when asked for, so there is never anything typed ahead.
  }

  /** `,` is one second of speech, a finish key ends, running out of keys is a hang-up. */
  async record(o: RecordOptions): Promise<RecordResult> {
    let ms = 0;
    let result: RecordResult | undefined;
    while (!result) {
      if (this.hungUp) result = { durationMs: ms, reason: 'hangup' };
      else if (ms >= o.maxMs) result = { durationMs: o.maxMs, reason: 'max' };
      else {
        const key = this.script.next();
        if (key === undefined) {
          this.remoteHangup();
          result = { durationMs: ms, reason: 'hangup' };
        } else if (key === ',') {
          await this.sleep(1000);
          ms += 1000;
        } else if (o.finishKeys.includes(key)) result = { durationMs: ms, reason: 'key', key };
      }
    }
    if (result.durationMs > 0) await this.opts.writeRecording(o.path, result.durationMs, 1);
    this.emit({ type: 'record', path: o.path, durationMs: result.durationMs });
    return result;
  }

  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    this.emit({ type: 'hangup', by: 'hookline' });
    this.resolveEnded('local_hangup');
  }

  remoteHangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.emit({ type: 'hangup', by: this.legName ? 'callee' : 'caller' });
    this.resolveEnded('remote_hangup');
  }
}

class SimLeg extends SimPhone implements Leg {
  constructor(
    sessionId: string,
    readonly destination: string,
    readonly farEnd: FarEnd,
    opts: SimulatorOptions,
  ) {
    super(sessionId, farEnd.keys, opts, destination);
  }
}

/** The simulator's CallControl: a scripted caller, scripted far ends, and the injected clock. */
export class SimulatedCall extends SimPhone implements CallControl {
  readonly direction = 'inbound' as const;
  readonly from: string;
  readonly to: string;
  private readonly budget: DialBudget;

  constructor(opts: SimulatorOptions) {
    super(opts.sessionId, opts.keys, opts);
    this.from = opts.from;
    this.to = opts.to;
    this.budget = new DialBudget(opts.dialLimits ?? DEFAULT_DIAL_LIMITS);
  }

  async answer(): Promise<void> {
    this.emit({ type: 'answered' });
  }

  /** Early media is not modelled: the caller hears the hold audio until the far end answers. */
  dial(destination: string, o: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    return dialWithin(this.budget, () => this.ringFarEnd(destination, o), (reason) => this.emit({ type: 'refused', destination, reason }));
  }

  private async ringFarEnd(destination: string, o: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }> {
    const far = this.opts.farEnds?.get(destination) ?? DEFAULT_FAR_END;
    if (far.outcome === 'busy' || far.outcome === 'failed') return { outcome: far.outcome };
    this.emit({ type: 'ringing', destination });
    const ringMs = far.outcome === 'answer' ? Math.min(far.answerAfterMs, o.timeoutMs) : o.timeoutMs;
    const aborted = await this.ring(ringMs, o.signal);
    if (aborted) {
      this.emit({ type: 'cancel', destination });
      return { outcome: 'canceled' };
    }
    if (far.outcome !== 'answer' || far.answerAfterMs >= o.timeoutMs) {
      this.emit({ type: 'cancel', destination });
      return { outcome: 'no_answer' };
    }
    return { outcome: 'answered', leg: new SimLeg(this.sessionId, destination, far, this.opts) };
  }

  /** Resolves true when the attempt was cancelled before `ms` of ringing. */
  private ring(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        cancel();
        resolve(true);
      };
      const cancel = this.opts.clock.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(false);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The callee talks for its talk time, then hangs up (or the caller's script ends first: not modelled). */
  async bridge(leg: Leg, o: BridgeOptions = {}): Promise<BridgeResult> {
    const talkMs = leg instanceof SimLeg ? leg.farEnd.talkMs : DEFAULT_FAR_END.talkMs;
    await this.sleep(talkMs);
    if (leg instanceof SimLeg) leg.remoteHangup();
    if (o.recordPath) await this.opts.writeRecording(o.recordPath, talkMs, 2);
    return { endedBy: 'callee', durationMs: talkMs, recordedMs: o.recordPath ? talkMs : 0 };
  }

  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void {
    const audio = kind === 'ringback' ? 'ringback' : kind.audioPath;
    this.emit({ type: 'hold', on: true, audio });
    return () => this.emit({ type: 'hold', on: false, audio });
  }
}
