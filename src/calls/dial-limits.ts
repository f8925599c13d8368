import type { DialOutcome } from './types.js';

/**
 * Per-call limits on outbound legs (HOOKLINE_DIAL_PER_CALL, HOOKLINE_DIAL_SIMULTANEOUS). The trunk's
 * own limit (100 legs at once) keeps the server as a whole within the trunk's channels; these keep
 * one call from taking them all, or from running up a bill leg after leg: a webhook that answers
 * every transfer with another transfer, or a dynamic Find Me with a long list rung all at once.
 */
export interface DialLimits {
  /** Legs one call may place over its whole life (every attempt counts, answered or not). */
  perCall: number;
  /** Legs one call may have at once: ringing, or answered and not yet hung up. */
  simultaneous: number;
}

/**
 * Defaults. 10 at once covers every Find Me the original platform allowed (at most 9 numbers rung
 * together); 20 over a call's life covers, say, a five-number Find Me tried three times and a
 * transfer after it. A flows file that rings more at once raises the limits (see `withFindMeFloor`).
 */
export const DEFAULT_DIAL_LIMITS: Readonly<DialLimits> = { perCall: 20, simultaneous: 10 };

/**
 * The limits a server runs with: never fewer simultaneous legs than the largest `simultaneous` of a
 * Find Me in the flows file (the operator's own configuration must not be cut short by a default it
 * never heard of; it is webhook-made Find Mes that the limit is for), and never fewer legs per call
 * than one full group of them.
 */
export function withFindMeFloor(limits: DialLimits, largestSimultaneous: number): DialLimits {
  const simultaneous = Math.max(limits.simultaneous, largestSimultaneous);
  return { simultaneous, perCall: Math.max(limits.perCall, simultaneous) };
}

/** A leg the budget allowed: `release` once it has ended (called more than once, it counts once). */
export interface DialSlot {
  release(): void;
}

/** One call's count of legs against its limits. */
export class DialBudget {
  private placed = 0;
  private active = 0;

  constructor(readonly limits: DialLimits = DEFAULT_DIAL_LIMITS) {}

  /** Legs placed so far, and legs up right now (for logs and tests). */
  get counts(): { placed: number; active: number } {
    return { placed: this.placed, active: this.active };
  }

  /** Takes a slot for one more leg, or says which limit refuses it (a sentence for the log). */
  take(): DialSlot | string {
    if (this.placed >= this.limits.perCall) {
      return `this call has already placed ${this.placed} outbound legs (the per-call limit, HOOKLINE_DIAL_PER_CALL=${this.limits.perCall})`;
    }
    if (this.active >= this.limits.simultaneous) {
      return `this call already has ${this.active} outbound legs up at once (the per-call simultaneous limit, HOOKLINE_DIAL_SIMULTANEOUS=${this.limits.simultaneous})`;
    }
    this.placed++;
    this.active++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active--;
      },
    };
  }
}

/**
 * Places one leg within the budget: refused at once (with `onRefused` told why) when over a limit,
 * else dialled, the slot held until the answered leg ends or released at once when nobody answered.
 */
export async function dialWithin<R extends { outcome: DialOutcome; leg?: { readonly ended: Promise<unknown> } }>(
  budget: DialBudget,
  dial: () => Promise<R>,
  onRefused: (why: string) => void,
): Promise<R | { outcome: 'refused' }> {
  const slot = budget.take();
  if (typeof slot === 'string') {
    onRefused(slot);
    return { outcome: 'refused' };
  }
  let result: R;
  try {
    result = await dial();
  } catch (err) {
    slot.release();
    throw err;
  }
  // `ended` only ever resolves, and release() cannot throw: nothing here can reject.
  if (result.leg) void result.leg.ended.then(() => slot.release());
  else slot.release();
  return result;
}
