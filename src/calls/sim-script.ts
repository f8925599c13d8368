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
 * `@seconds` of ringing before answering and `:keys` pressed when asked.
 */
export function parseFarEnds(spec: string): Map<string, FarEnd> {
  const out = new Map<string, FarEnd>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\+?[0-9]+)=(answer|busy|no_answer|failed)(?:@([0-9.]+))?(?::([0-9*#,]*))?$/.exec(item);
    if (!m) throw new Error(`--far-end: cannot read "${item}" (expected NUMBER=answer[@SECONDS][:KEYS], busy, no_answer or failed)`);
    out.set(m[1] as string, {
      outcome: m[2] as FarEnd['outcome'],
      answerAfterMs: m[3] ? Math.round(Number(m[3]) * 1000) : 0,
      keys: m[4] ?? DEFAULT_FAR_END.keys,
      talkMs: DEFAULT_FAR_END.talkMs,
    });
  }
  return out;
}
