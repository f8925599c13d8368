/**
 * When the pacer's next tick runs: the pure scheduling decision (`plan`, tested with a fake clock) and the
 * timers it is carried out with. Who ticks, in which slot, is the pacer's (pacer.ts).
 */
export interface PacerTimers {
  nowNs(): bigint;
  setTimeout(fn: () => void, ms: number): () => void;
  setImmediate(fn: () => void): () => void;
}

export const realTimers: PacerTimers = {
  nowNs: () => process.hrtime.bigint(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  setImmediate(fn) {
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  },
};

export type PlanAction =
  /** Run the due tick now; `skip` ticks are dropped first because we are too far behind to catch up. */
  | { kind: 'tick'; skip: number }
  /** Sleep with setTimeout for `ms`, then plan again. */
  | { kind: 'sleep'; ms: number }
  /** Close to the deadline: yield one event-loop turn (setImmediate) and plan again. */
  | { kind: 'spin' };

/**
 * What to do at `nowNs` when the next tick is due at `deadlineNs`.
 * A tick more than `maxCatchUp` intervals overdue has the backlog beyond that dropped (a burst of dozens of
 * frames after a stall would only overflow the far end's jitter buffer); a smaller backlog is caught up with
 * back-to-back ticks so that every call's timeline stays whole.
 */
export function plan(nowNs: bigint, deadlineNs: bigint, intervalNs: bigint, spinNs: bigint, maxCatchUp: number): PlanAction {
  const early = deadlineNs - nowNs;
  if (early <= 0n) {
    const behind = Number(-early / intervalNs); // whole intervals overdue beyond this tick
    return { kind: 'tick', skip: Math.max(0, behind - maxCatchUp) };
  }
  if (early <= spinNs) return { kind: 'spin' };
  // Whole milliseconds, rounded down so the timer never overshoots the spin window.
  return { kind: 'sleep', ms: Math.max(0, Math.floor(Number(early - spinNs) / 1e6)) };
}
