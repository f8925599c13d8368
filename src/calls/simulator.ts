import type { Clock } from '../lib/clock.js';
import type {
  BridgeOptions, BridgeResult, CallControl, CallControlBase, CallEndReason, CollectOptions, CollectResult,
  DialOptions, DialOutcome, Leg, PlayResult, PlayablePart, RecordOptions, RecordResult,
} from './types.js';
import { DEFAULT_FAR_END, ScriptedInput, type CallerInput, type FarEnd } from './sim-script.js';
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
  /** The caller's key script (see KeyScript), or keys arriving as a person presses them. */
  keys: string | CallerInput;
  clock: Clock;
  farEnds?: Map<string, FarEnd>;
  /** How numbers not in `farEnds` behave; DEFAULT_FAR_END when absent. */
  defaultFarEnd?: FarEnd;
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

  constructor(
    readonly sessionId: string,
    protected readonly input: CallerInput,
    protected readonly opts: SimulatorOptions,
    /** Set on far-end legs so that their events say which phone they are. */
    private readonly legName?: string,
  ) {
    this.ended = new Promise((r) => (this.resolveEnded = r));
  }

  protected emit(e: SimEvent): void {
    this.opts.onEvent?.(this.legName ? ({ ...e, leg: this.legName } as SimEvent) : e);
  }

  /** Each part is reported as it starts; a key typed ahead skips a barge-in prompt, as on a phone. */
  async play(parts: PlayablePart[], o: { bargeIn?: boolean } = {}): Promise<PlayResult> {
    const bargeIn = o.bargeIn ?? false;
    for (const p of parts) {
      if (this.hungUp) break;
      if (bargeIn && this.input.pending > 0) return { interrupted: true };
      this.emit({ type: 'prompt', text: describe(p) });
      if (await this.input.hear(p, bargeIn)) return { interrupted: true };
    }
    return { interrupted: false };
  }

  async collectDigits(o: CollectOptions): Promise<CollectResult> {
    const r = await this.input.collect(o);
    if (r.reason === 'hangup') this.remoteHangup();
    else this.emit({ type: 'digits', digits: r.digits, ...(r.terminator ? { terminator: r.terminator } : {}), timedOut: r.reason === 'timeout' });
    return r;
  }

  flushDigits(): void {
    this.input.flush();
  }

  async record(o: RecordOptions): Promise<RecordResult> {
    const result = await this.input.record(o);
    if (result.reason === 'hangup') this.remoteHangup();
    if (result.durationMs > 0) await this.opts.writeRecording(o.path, result.durationMs, 1);
    this.emit({ type: 'record', path: o.path, durationMs: result.durationMs });
    return result;
  }

  async hangup(): Promise<void> {
    this.end('hookline');
  }

  remoteHangup(): void {
    this.end(this.legName ? 'callee' : 'caller');
  }

  private end(by: 'caller' | 'hookline' | 'callee'): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.input.close();
    this.emit({ type: 'hangup', by });
    this.resolveEnded(by === 'hookline' ? 'local_hangup' : 'remote_hangup');
  }
}

class SimLeg extends SimPhone implements Leg {
  constructor(
    sessionId: string,
    readonly destination: string,
    readonly farEnd: FarEnd,
    opts: SimulatorOptions,
  ) {
    super(sessionId, new ScriptedInput(farEnd.keys, opts.clock), opts, destination);
  }
}

/** The simulator's CallControl: a scripted caller, scripted far ends, and the injected clock. */
export class SimulatedCall extends SimPhone implements CallControl {
  readonly direction = 'inbound' as const;
  readonly from: string;
  readonly to: string;
  private readonly budget: DialBudget;

  constructor(opts: SimulatorOptions) {
    super(opts.sessionId, typeof opts.keys === 'string' ? new ScriptedInput(opts.keys, opts.clock) : opts.keys, opts);
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
    const far = this.opts.farEnds?.get(destination) ?? this.opts.defaultFarEnd ?? DEFAULT_FAR_END;
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

  /** The callee talks for its talk time, then hangs up, unless the caller hangs up first. */
  async bridge(leg: Leg, o: BridgeOptions = {}): Promise<BridgeResult> {
    const talkMs = leg instanceof SimLeg ? leg.farEnd.talkMs : DEFAULT_FAR_END.talkMs;
    const started = this.opts.clock.now();
    let cancel = (): void => undefined;
    const talked = new Promise<'callee'>((r) => (cancel = this.opts.clock.setTimer(talkMs, () => r('callee'))));
    const endedBy = this.hungUp ? 'caller' : await Promise.race([talked, this.ended.then(() => 'caller' as const)]);
    cancel();
    const durationMs = endedBy === 'callee' ? talkMs : this.opts.clock.now() - started;
    if (endedBy === 'caller') await leg.hangup();
    else if (leg instanceof SimLeg) leg.remoteHangup();
    if (o.recordPath && durationMs > 0) await this.opts.writeRecording(o.recordPath, durationMs, 2);
    return { endedBy, durationMs, recordedMs: o.recordPath ? durationMs : 0 };
  }

  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void {
    const audio = kind === 'ringback' ? 'ringback' : kind.audioPath;
    this.emit({ type: 'hold', on: true, audio });
    return () => this.emit({ type: 'hold', on: false, audio });
  }
}
