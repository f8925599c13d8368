import type { Clock } from '../lib/clock.js';
import type { CollectOptions, CollectResult, PlayablePart, RecordOptions, RecordResult } from './types.js';

/**
 * Where a simulated phone's keys come from: a script written up front (`hookline simulate --keys`,
 * far ends) or a person pressing them as the call goes (test calls from the console). The phone
 * itself (calls/simulator) reports what happens; the input decides how long things take.
 */
export interface CallerInput {
  /** Keys pressed and not yet collected: a prompt that allows barge-in is not played at all. */
  readonly pending: number;
  /** The caller hears one part of a prompt; resolves true when a key stopped it (barge-in). */
  hear(part: PlayablePart, bargeIn: boolean): Promise<boolean>;
  /** `hangup` means the caller has gone (the phone then reports the hang-up). */
  collect(o: CollectOptions): Promise<CollectResult>;
  record(o: RecordOptions): Promise<RecordResult>;
  flush(): void;
  /** The call ended: whatever waits for the caller returns. */
  close(): void;
}

/**
 * The simulator's scripted caller (`--keys "1234#2"`): keys are consumed as questions ask for them,
 * `,` is one second with no key, and running out of keys is the caller hanging up.
 */
export class KeyScript {
  private pos = 0;
  constructor(private readonly keys: string) {}

  next(): string | undefined {
    // White space is allowed in scripts for readability and means nothing.
    while (this.pos < this.keys.length && /\s/.test(this.keys[this.pos] as string)) this.pos++;
    return this.pos < this.keys.length ? this.keys[this.pos++] : undefined;
  }
}

/** A key script as a CallerInput: prompts take no time, and time passes only at a `,`. */
export class ScriptedInput implements CallerInput {
  /** Keys are only taken from the script when asked for, so there is never anything typed ahead. */
  readonly pending = 0;
  private readonly script: KeyScript;
  private closed = false;

  constructor(
    keys: string,
    private readonly clock: Clock,
  ) {
    this.script = new KeyScript(keys);
  }

  hear(): Promise<boolean> {
    return Promise.resolve(false);
  }

  flush(): void {}

  close(): void {
    this.closed = true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimer(ms, r));
  }

  async collect(o: CollectOptions): Promise<CollectResult> {
    let digits = '';
    let waited = 0;
    for (;;) {
      if (this.closed) return { digits, reason: 'hangup' };
      const key = this.script.next();
      if (key === undefined) return { digits, reason: 'hangup' };
      if (key === ',') {
        await this.sleep(1000);
        waited += 1000;
        if (waited >= (digits ? o.interDigitTimeoutMs : o.firstDigitTimeoutMs)) return { digits, reason: 'timeout' };
        continue;
      }
      waited = 0;
      if (o.terminators.includes(key)) return { digits, terminator: key, reason: 'terminator' };
      digits += key;
      if (digits.length >= o.maxDigits) return { digits, reason: 'max' };
    }
  }

  /** `,` is one second of speech, a finish key ends, running out of keys is a hang-up. */
  async record(o: RecordOptions): Promise<RecordResult> {
    let ms = 0;
    for (;;) {
      if (this.closed) return { durationMs: ms, reason: 'hangup' };
      if (ms >= o.maxMs) return { durationMs: o.maxMs, reason: 'max' };
      const key = this.script.next();
      if (key === undefined) return { durationMs: ms, reason: 'hangup' };
      if (key === ',') {
        await this.sleep(1000);
        ms += 1000;
      } else if (o.finishKeys.includes(key)) return { durationMs: ms, reason: 'key', key };
    }
  }
}

/** How a simulated far-end phone behaves when dialled. */
export interface FarEnd {
  outcome: 'answer' | 'busy' | 'no_answer' | 'failed';
  /** Ringing time before it answers. */
  answerAfterMs: number;
  /** Keys it presses when asked (e.g. "1" to accept a Find Me call). */
  keys: string;
  /** How long it talks once bridged before hanging up. */
  talkMs: number;
}

export const DEFAULT_FAR_END: FarEnd = { outcome: 'answer', answerAfterMs: 0, keys: '1', talkMs: 1000 };

/**
 * Parses `--far-end "3125550101=answer@2:1,3125550102=busy"`: per number an outcome, optionally
 * `@seconds` of ringing before answering and `:keys` pressed when asked; what an item leaves out is
 * as `fallback`. `label` (the option the spec came from) starts the error message when not empty.
 */
export function parseFarEnds(spec: string, label = '--far-end', fallback: FarEnd = DEFAULT_FAR_END): Map<string, FarEnd> {
  const out = new Map<string, FarEnd>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\+?[0-9]+)=(answer|busy|no_answer|failed)(?:@([0-9.]+))?(?::([0-9*#,]*))?$/.exec(item);
    if (!m) throw new Error(`${label ? `${label}: ` : ''}cannot read "${item}" (expected NUMBER=answer[@SECONDS][:KEYS], busy, no_answer or failed)`);
    out.set(m[1] as string, {
      outcome: m[2] as FarEnd['outcome'],
      answerAfterMs: m[3] ? Math.round(Number(m[3]) * 1000) : fallback.answerAfterMs,
      keys: m[4] ?? fallback.keys,
      talkMs: fallback.talkMs,
    });
  }
  return out;
}
