import type { Clock } from '../lib/clock.js';
import type { CallControl, PlayablePart } from './types.js';

/** What a call that can say goodbye before it is hung up offers (a SIP call: telephony/sip-party.ts). */
export interface CuttableCall {
  cutOff(goodbye: PlayablePart[], o: CutOffOptions): Promise<void>;
}

export interface CutOffOptions {
  /** The longest the goodbye may take. */
  maxMs: number;
  clock: Pick<Clock, 'setTimer'>;
  /** Aborted: stop the goodbye where it is and hang up now (a second signal). */
  signal?: AbortSignal;
}

/** The end reason of a call the server ended because it was shutting down. */
export const SHUTDOWN = 'shutdown';

interface Entry {
  call: CallControl;
  reason: string | undefined;
  /** The call's cut-off, once started. */
  cutting: Promise<void> | undefined;
}

function cuttable(call: CallControl): call is CallControl & CuttableCall {
  return typeof (call as Partial<CuttableCall>).cutOff === 'function';
}

/**
 * The calls App.runCall is running, so that a shutdown can wait for them to end and end those that
 * do not. Once `cutOffAll` has run, a call that starts later (an API call whose first leg answers in
 * the meantime) is cut off as it starts.
 */
export class RunningCalls {
  private readonly calls = new Map<string, Entry>();
  private idle: Array<() => void> = [];
  private cutting: { goodbye: PlayablePart[]; o: CutOffOptions } | undefined;
  /** Cut-offs under way: a goodbye still playing, a BYE not sent yet (the flow may be done already). */
  private readonly cuts = new Set<Promise<void>>();

  get size(): number {
    return this.calls.size;
  }

  /**
   * A call starts. `reason()` is undefined while the flow runs it, or the end reason to record once the
   * server has cut it off; call `done()` when the flow is through with it.
   */
  add(call: CallControl): { reason(): string | undefined; done(): void } {
    const entry: Entry = { call, reason: undefined, cutting: undefined };
    this.calls.set(call.sessionId, entry);
    if (this.cutting) this.cut(entry, this.cutting.goodbye, this.cutting.o);
    return {
      reason: () => entry.reason,
      done: () => {
        if (this.calls.get(call.sessionId) !== entry) return;
        this.calls.delete(call.sessionId);
        if (this.calls.size === 0) for (const f of this.idle.splice(0)) f();
      },
    };
  }

  /** Resolves once no call is running (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Resolves once no call is running and every cut-off has sent its BYE. */
  async whenSettled(): Promise<void> {
    while (this.calls.size > 0 || this.cuts.size > 0) await Promise.all([this.whenIdle(), ...this.cuts]);
  }

  /**
   * Ends every call, now and from now on: each hears `goodbye` (when it can: a simulated call is
   * simply hung up) and is hung up. Resolves when each is hung up; their flows finish after that.
   */
  async cutOffAll(goodbye: PlayablePart[], o: CutOffOptions): Promise<void> {
    this.cutting = { goodbye, o };
    await Promise.all([...this.calls.values()].map((e) => this.cut(e, goodbye, o)));
  }

  private cut(e: Entry, goodbye: PlayablePart[], o: CutOffOptions): Promise<void> {
    // A call whose flow already hung up ended on its own: it keeps the flow's end reason.
    if (!e.call.hungUp) e.reason ??= SHUTDOWN;
    if (!e.cutting) {
      const p = (cuttable(e.call) ? e.call.cutOff(goodbye, o) : e.call.hangup()).catch(() => undefined);
      e.cutting = p;
      this.cuts.add(p);
      void p.then(() => this.cuts.delete(p));
    }
    return e.cutting;
  }
}
