/**
 * The calls part of a graceful shutdown. New calls are already refused (the caller of drainCalls sees
 * to that); the calls in progress go on until they end, for at most `drainMs`. Those still up then
 * hear `goodbye` and are hung up, and their flows get `finishMs` to write their end and queue their
 * post-call actions (the store and the outbox are still open: nothing is dropped). An abort of `force`
 * (a second SIGTERM or SIGINT) skips what is left of the waiting and of the goodbyes.
 */
import type { CutOffOptions, RunningCalls } from '../calls/running.js';
import type { PlayablePart } from '../calls/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

/** What callers hear when the drain time is over. */
export const RESTARTING = 'We are sorry, this service is restarting. Goodbye.';

/** The longest the goodbye may take to say before the BYE goes anyway. */
export const GOODBYE_MAX_MS = 10_000;
/**
 * How long flows may take after their calls are hung up: an IVR webhook of a call cut mid-IVR is still
 * sent (its own timeout is 1-30 s), then the call's end is written and its post-call actions queued.
 */
export const FINISH_MS = 35_000;

export interface DrainOptions {
  calls: RunningCalls;
  clock: Clock;
  logger: Logger;
  /** HOOKLINE_DRAIN_S in milliseconds. */
  drainMs: number;
  force?: AbortSignal;
  goodbye?: PlayablePart[];
  goodbyeMaxMs?: number;
  finishMs?: number;
}

export interface DrainReport {
  /** Calls in progress when the drain began. */
  calls: number;
  /** Calls that were ended by the drain (the others ended on their own). */
  cutOff: number;
  /** Calls whose flows had not finished when the drain gave up waiting (their end is not written). */
  unfinished: number;
  /** Whether a second signal cut the waiting short. */
  forced: boolean;
  ms: number;
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts; `cancel` drops the timer. */
function pause(clock: Clock, ms: number, signal: AbortSignal | undefined): { done: Promise<void>; cancel(): void } {
  let cancelTimer = (): void => undefined;
  let onAbort = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    cancelTimer = clock.setTimer(ms, resolve);
    onAbort = resolve;
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    done,
    cancel: () => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Waits for `done`, or until `ms` (or `signal`). */
async function within(done: Promise<void>, clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const p = pause(clock, ms, signal);
  await Promise.race([done, p.done]);
  p.cancel();
}

export async function drainCalls(o: DrainOptions): Promise<DrainReport> {
  const started = o.clock.now();
  const calls = o.calls.size;
  const report = (cutOff: number): DrainReport => ({ calls, cutOff, unfinished: o.calls.size, forced: o.force?.aborted === true, ms: o.clock.now() - started });
  if (calls === 0) return report(0);
  o.logger.info({ calls, drainS: o.drainMs / 1000 }, `draining: ${calls} call(s) in progress may go on for up to ${o.drainMs / 1000} s; new calls are refused`);
  await within(o.calls.whenIdle(), o.clock, o.drainMs, o.force);
  if (o.calls.size === 0) return report(0);

  const cut = o.calls.size;
  const forced = o.force?.aborted === true;
  o.logger.warn({ calls: cut, forced }, forced ? `second signal: ending ${cut} call(s) now` : `drain time over: ending ${cut} call(s) with a goodbye`);
  const cutOff: CutOffOptions = { maxMs: o.goodbyeMaxMs ?? GOODBYE_MAX_MS, clock: o.clock, ...(o.force ? { signal: o.force } : {}) };
  void o.calls.cutOffAll(forced ? [] : (o.goodbye ?? [{ text: RESTARTING }]), cutOff);
  // Until each goodbye is said and its BYE sent, and each flow has written the call's end and queued its
  // post-call actions (a flow may finish before its goodbye does: it sees the line gone at once). A
  // second signal no longer skips this wait: it cuts the goodbyes short, and the writes take a moment.
  await within(o.calls.whenSettled(), o.clock, (o.finishMs ?? FINISH_MS) + cutOff.maxMs, undefined);
  return report(cut);
}
