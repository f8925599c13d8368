import type { Clock } from '../lib/clock.js';
import { DigitBuffer } from './digits.js';
import type { CallerInput } from './sim-script.js';
import { SimulatedCall, type SimulatorOptions } from './simulator.js';
import type { CollectOptions, CollectResult, PlayablePart, RecordOptions, RecordResult } from './types.js';

/**
 * How long a prompt "plays" in an interactive simulation. Prompts take time so that the call behaves
 * like a phone: the first-digit timeout starts when the prompt ends (not while the tester is still
 * reading a long menu), and barge-in and typing ahead mean something. 60 ms a character is about the
 * pace of the text-to-speech voice; one part never takes longer than `maxPartMs`, so a long text does
 * not keep a tester waiting. `msPerChar: 0` plays every prompt at once (scripts, tests).
 */
export interface PromptTiming {
  msPerChar: number;
  maxPartMs: number;
  /** An audio library file: its length is not read (the simulator has no audio), so a fixed time. */
  audioMs: number;
  /** The record beep (calls/telephony plays 400 ms). */
  beepMs: number;
}

export const PHONE_PACE: PromptTiming = { msPerChar: 60, maxPartMs: 10_000, audioMs: 3000, beepMs: 400 };
export const INSTANT: PromptTiming = { msPerChar: 0, maxPartMs: 0, audioMs: 0, beepMs: 0 };

export function partMs(part: PlayablePart, t: PromptTiming): number {
  if ('text' in part) return Math.min(part.text.length * t.msPerChar, t.maxPartMs);
  if ('audioPath' in part) return t.audioMs;
  if ('tone' in part) return t.beepMs;
  return t.msPerChar === 0 ? 0 : part.silenceMs;
}

/**
 * A person's key presses as a CallerInput: keys go into a DigitBuffer as they are pressed, exactly as
 * a real call's keys do, so typed-ahead keys queue, barge-in stops a prompt and the first-digit and
 * inter-digit timeouts run on the clock.
 */
export class LiveInput implements CallerInput {
  private readonly digits: DigitBuffer;
  private readonly onClose = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly timing: PromptTiming,
  ) {
    this.digits = new DigitBuffer(clock);
  }

  get pending(): number {
    return this.digits.pending;
  }

  press(keys: string): void {
    for (const k of keys) this.digits.push(k);
  }

  /** Resolves after `ms`, at the first key when `onKey` says it counts, or when the call ends. */
  private wait<T>(ms: number, timedOut: T, closed: T, onKey?: (key: string) => T | undefined): Promise<T> {
    if (this.closed) return Promise.resolve(closed);
    return new Promise((resolve) => {
      const done = (v: T): void => {
        cancel();
        off();
        this.onClose.delete(close);
        resolve(v);
      };
      const close = (): void => done(closed);
      const cancel = this.clock.setTimer(ms, () => done(timedOut));
      const off = onKey
        ? this.digits.onKey((k) => {
            const v = onKey(k);
            if (v !== undefined) done(v);
          })
        : () => undefined;
      this.onClose.add(close);
    });
  }

  async hear(part: PlayablePart, bargeIn: boolean): Promise<boolean> {
    const ms = partMs(part, this.timing);
    if (ms === 0) return false;
    return this.wait(ms, false, false, bargeIn ? () => true : undefined);
  }

  collect(o: CollectOptions): Promise<CollectResult> {
    return this.digits.collect(o);
  }

  /**
   * The tester is taken to be speaking until they press a finish key (or the maximum passes), so a
   * recording never ends on silence: there is no audio to hear silence in.
   */
  async record(o: RecordOptions): Promise<RecordResult> {
    this.digits.flush();
    const started = this.clock.now();
    const end = await this.wait<{ reason: RecordResult['reason']; key?: string }>(o.maxMs, { reason: 'max' }, { reason: 'hangup' }, (k) =>
      o.finishKeys.includes(k) ? { reason: 'key', key: k } : undefined,
    );
    // Keys pressed while recording (the finish key included) are not answers to what comes next.
    this.digits.flush();
    return { durationMs: end.reason === 'max' ? o.maxMs : this.clock.now() - started, ...end };
  }

  flush(): void {
    this.digits.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.digits.close();
    for (const f of [...this.onClose]) f();
  }
}

export interface InteractiveOptions extends Omit<SimulatorOptions, 'keys'> {
  /** PHONE_PACE when absent. */
  timing?: PromptTiming;
}

/**
 * A simulated call whose caller is a person: keys arrive with `press` while the call runs, and
 * `callerHangup` is the person putting the phone down. Dialled numbers are scripted far ends.
 */
export class InteractiveCall extends SimulatedCall {
  private readonly live: LiveInput;
  readonly test = true;

  constructor(o: InteractiveOptions) {
    const live = new LiveInput(o.clock, o.timing ?? PHONE_PACE);
    super({ ...o, keys: live });
    this.live = live;
  }

  press(keys: string): void {
    if (!this.hungUp) this.live.press(keys);
  }

  callerHangup(): void {
    this.remoteHangup();
  }
}
