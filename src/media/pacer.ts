/**
 * The one pacing clock: every 20 ms it calls `tick()` on every active call's media source, which sends that
 * call's next frame. One loop for the whole process instead of a timer per call keeps frames evenly spaced and
 * the event loop quiet.
 *
 * Ticks are scheduled against start + n × interval on process.hrtime.bigint(), never "20 ms after the last",
 * so lateness does not accumulate. setTimeout alone fires 1-2 ms late and with ~1 ms granularity, so the loop
 * sleeps until `spinMs` before the deadline and finishes with setImmediate turns (which still let I/O run).
 * The scheduling decision is the pure function `plan` (pacer-plan.ts), tested with a fake clock.
 *
 * Sources are grouped in slots of at most `slotSize`, each slot ticking at its own offset in the interval
 * (slot k at k × interval / maxSlots). One tick sending every call's packet back to back takes ~7 µs a call
 * (dgram and the kernel's sendto), 7 ms at 1,000 calls, and its length varies from tick to tick (p99 17 ms
 * on the project's VM): a call late in the tick inherits all of that as jitter. Slots of 100 bound what any
 * call waits behind (slot p99 4 ms at 1,000 calls, measured the same way). Slots fill in order, so up to
 * `slotSize` calls the loop wakes once per interval exactly as with one slot.
 *
 * The spin is a budget per interval, shared by the slots that have sources: with one slot it is spent
 * before its one deadline; with ten, a tenth before each. Spent whole before every slot it kept the core
 * busy half the time at 1,000 calls doing nothing (bench/pacer-cost.ts: 46 % of a core for the loop
 * alone, 4.5 % at 100 calls), while the timer alone is late by at most ~1 ms, far inside the jitter that
 * matters at that load.
 */
import { plan, realTimers, type PacerTimers, type PlanAction } from './pacer-plan.js';
import { RecentMax } from './recent-max.js';
import { TickHistogram, type Distribution } from './tick-histogram.js';

export type { Distribution } from './tick-histogram.js';

export interface PacedSource {
  /** Sends this source's next frame. Must be quick and must not throw (errors are caught and counted). */
  tick(): void;
}

/** What a call's media needs of the pacer: a slot to tick in (tests tick by hand: media/testing.ts). */
export interface FrameClock {
  register(source: PacedSource): () => void;
  unregister(source: PacedSource): void;
  /**
   * The source has nothing to send for now (the RTP addon's thread has its frames): it is not ticked, and
   * keeps its slot, until unpark() or register(). Nothing for a source that is not registered.
   */
  park(source: PacedSource): void;
  /** Ticks a parked source again from its slot's next tick; nothing for one that is not parked. */
  unpark(source: PacedSource): void;
}

export interface PacerOptions {
  /** Default 20 ms: one G.711 frame. */
  intervalMs?: number;
  /**
   * How long per interval to spin with setImmediate before deadlines instead of sleeping, shared by the slots
   * with sources (see the top of the file); 0 sleeps all the way. Default 1 ms.
   * Measured on a 2-vCPU VM, one process, 4 s per setting (lateness mean / p99, CPU of one core while running):
   * 0 ms → 0.62 / 1.20 ms, 1.4 %; 1 ms → 0.04 / 1.23 ms, 4.4 %; 2 ms → 0.01 / 0.35 ms, 10.7 %; 3 ms → 14.4 %.
   * Any of these is far inside a receiver's jitter buffer; the spin buys exact median spacing for little CPU.
   */
  spinMs?: number;
  /** Overdue ticks run back-to-back up to this many intervals; more are dropped. Default 5 (100 ms). */
  maxCatchUp?: number;
  /** Most sources in one slot, default 100. */
  slotSize?: number;
  /** Slots per interval, default 10 (a slot every 2 ms); past slotSize × maxSlots sources slots grow. */
  maxSlots?: number;
  timers?: PacerTimers;
  onError?: (err: unknown, source: PacedSource) => void;
  /** Told how late each slot's tick ran, in seconds (a cumulative histogram in /metrics). */
  onLateness?: (seconds: number) => void;
}

export interface PacerStats {
  sources: number;
  ticks: number;
  /** Slot ticks dropped after stalls longer than maxCatchUp intervals. */
  skipped: number;
  errors: number;
  /** Time between the starts of consecutive ticks (ideal: intervalMs exactly). */
  interval: Distribution;
  /** How late each tick started against its deadline. */
  lateness: Distribution;
  /** How long one tick of all sources took. */
  tickDuration: Distribution;
}

export class Pacer implements FrameClock {
  private readonly intervalNs: bigint;
  private readonly spinNs: bigint;
  private readonly maxCatchUp: number;
  private readonly timers: PacerTimers;
  private readonly onError: ((err: unknown, source: PacedSource) => void) | undefined;
  private readonly onLateness: ((seconds: number) => void) | undefined;
  private readonly slotSize: number;
  /** Each slot's sources that tick (parked ones are not in it); a source's slot for its whole life. */
  private readonly slots: Array<Set<PacedSource>>;
  /** Every registered source's slot, parked or not. */
  private readonly slotOf = new Map<PacedSource, number>();
  /** Registered sources per slot, parked ones included: where a new source goes. */
  private readonly slotCount: number[];
  private readonly parked = new Set<PacedSource>();
  /** Slots with at least one source that ticks: the spin budget is shared among them. */
  private activeSlots = 0;
  /** When each slot last ticked, for the interval histogram. */
  private readonly lastSlotTickNs: Array<bigint | undefined>;
  private running = false;
  /** Bumped on every start, so that a loop stopped and restarted from inside a tick does not run twice. */
  private generation = 0;
  private cancel: (() => void) | undefined;
  private startNs = 0n;
  /** Sub-tick counter: sub-tick n is slot n % slots.length, due at start + n × interval / slots.length. */
  private n = 0;
  /** The next sub-tick's deadline as last planned: runDue() does nothing before it. */
  private nextDueNs = 0n;
  /** When advance() last planned (after the ticks it ran): the loop's timer is armed from then. */
  private plannedNs = 0n;
  /** True while ticks run, so that a preemption point reached from inside a tick does not tick again. */
  private ticking = false;
  private readonly subIntervalNs: bigint;
  private counters = { ticks: 0, skipped: 0, errors: 0 };
  private hist = { interval: new TickHistogram(), lateness: new TickHistogram(), tickDuration: new TickHistogram() };
  /** Tick lateness (ns) over the last one to two seconds, for recentLatenessMs(). */
  private readonly recent = new RecentMax(1_000_000_000n);
  /** When the loop's pending timer or turn was meant to run (0n: none armed by the loop itself). */
  private wakeNs = 0n;
  /** How late the loop's own callbacks ran (ns) over the last one to two seconds, for recentLoopLagMs(). */
  private readonly recentLag = new RecentMax(1_000_000_000n);

  constructor(opts: PacerOptions = {}) {
    this.intervalNs = BigInt(Math.round((opts.intervalMs ?? 20) * 1e6));
    this.spinNs = BigInt(Math.round((opts.spinMs ?? 1) * 1e6));
    this.slotSize = Math.max(1, opts.slotSize ?? 100);
    const slots = Math.max(1, Math.trunc(opts.maxSlots ?? 10));
    this.slots = Array.from({ length: slots }, () => new Set<PacedSource>());
    this.lastSlotTickNs = new Array<bigint | undefined>(slots).fill(undefined);
    this.slotCount = new Array<number>(slots).fill(0);
    this.subIntervalNs = this.intervalNs / BigInt(slots);
    this.maxCatchUp = (opts.maxCatchUp ?? 5) * slots;
    this.timers = opts.timers ?? realTimers;
    this.onError = opts.onError;
    this.onLateness = opts.onLateness;
  }

  /**
   * Adds a source; it ticks from the next deadline on. Returns its unregister function. O(1).
   * The loop runs only while there are sources, so an idle server spends nothing on pacing.
   */
  register(source: PacedSource): () => void {
    if (this.parked.has(source)) this.unpark(source);
    else if (!this.slotOf.has(source)) {
      // The first slot with room; when all are full, the smallest (past slotSize × slots sources).
      const counts = this.slotCount;
      let k = counts.findIndex((c) => c < this.slotSize);
      if (k < 0) k = counts.reduce((best, c, i) => (c < (counts[best] as number) ? i : best), 0);
      this.slotOf.set(source, k);
      counts[k] = (counts[k] as number) + 1;
      this.addToSlot(source, k);
    }
    if (!this.running) this.startLoop();
    return () => this.unregister(source);
  }

  unregister(source: PacedSource): void {
    const k = this.slotOf.get(source);
    if (k === undefined) return;
    this.slotOf.delete(source);
    this.slotCount[k] = (this.slotCount[k] as number) - 1;
    if (!this.parked.delete(source)) this.removeFromSlot(source, k);
    if (this.slotOf.size === 0) this.stopLoop();
  }

  /**
   * A parked source costs nothing per tick: at 1,000 calls whose frames the addon's thread sends, ticking
   * each only to hear "nothing to send" was 50,000 calls a second on the event loop and a wake-up of the
   * loop for every slot. The loop itself goes on while any source is registered, once per interval when
   * every one is parked, so that its lateness still tells admission control how busy the event loop is.
   */
  park(source: PacedSource): void {
    const k = this.slotOf.get(source);
    if (k === undefined || this.parked.has(source)) return;
    this.removeFromSlot(source, k);
    this.parked.add(source);
  }

  unpark(source: PacedSource): void {
    if (!this.parked.delete(source)) return;
    this.addToSlot(source, this.slotOf.get(source) as number);
  }

  private addToSlot(source: PacedSource, k: number): void {
    const slot = this.slots[k] as Set<PacedSource>;
    if (slot.size === 0) this.activeSlots++;
    slot.add(source);
  }

  private removeFromSlot(source: PacedSource, k: number): void {
    const slot = this.slots[k] as Set<PacedSource>;
    if (slot.delete(source) && slot.size === 0) this.activeSlots--;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** How many of the registered sources are parked. */
  get parkedSize(): number {
    return this.parked.size;
  }

  /** How many sources each slot holds, parked ones included (slot 0 first). */
  slotSizes(): number[] {
    return [...this.slotCount];
  }

  /** Stops the loop and forgets every source. */
  close(): void {
    for (const s of this.slots) s.clear();
    this.slotOf.clear();
    this.parked.clear();
    this.slotCount.fill(0);
    this.activeSlots = 0;
    this.stopLoop();
  }

  stats(): PacerStats {
    return {
      sources: this.slotOf.size,
      ...this.counters,
      interval: this.hist.interval.snapshot(),
      lateness: this.hist.lateness.snapshot(),
      tickDuration: this.hist.tickDuration.snapshot(),
    };
  }

  /**
   * How late, at most, a tick started over the last one to two seconds, in milliseconds (0 when nothing
   * was paced then): how late audio leaves now, which the stats (kept since their last reset) do not say.
   * Admission control reads it (HOOKLINE_OVERLOAD_LATE_MS).
   */
  recentLatenessMs(): number {
    return this.recent.value(this.timers.nowNs()) / 1e6;
  }

  /**
   * How late, at most, the loop's own timer ran against when it was armed, over the last one to two
   * seconds, in milliseconds: how long the event loop's other work kept it waiting. With frames run only
   * by the loop this is about recentLatenessMs(); with frames also run at the control plane's preemption
   * points (HOOKLINE_MEDIA_PRIORITY=audio) the frames stay on time while the control work queues, and this
   * is what still shows that the core is full (admission control reads both).
   */
  recentLoopLagMs(): number {
    return this.recentLag.value(this.timers.nowNs()) / 1e6;
  }

  resetStats(): void {
    this.counters = { ticks: 0, skipped: 0, errors: 0 };
    this.hist = { interval: new TickHistogram(), lateness: new TickHistogram(), tickDuration: new TickHistogram() };
  }

  private startLoop(): void {
    this.running = true;
    this.generation++;
    this.startNs = this.timers.nowNs();
    // The first tick is one interval from now: sources registered now sent nothing yet.
    this.n = this.slots.length;
    this.lastSlotTickNs.fill(undefined);
    this.schedule();
  }

  private stopLoop(): void {
    this.running = false;
    this.wakeNs = 0n;
    this.cancel?.();
    this.cancel = undefined;
  }

  private schedule(): void {
    this.cancel = undefined;
    if (this.wakeNs > 0n) {
      const now = this.timers.nowNs();
      this.recentLag.note(now, Number(now - this.wakeNs));
      this.wakeNs = 0n;
    }
    const next = this.advance();
    if (next === undefined) return;
    // Armed from when advance() planned, after the ticks ran: their own length is not lag.
    if (next.kind === 'sleep') {
      this.wakeNs = this.plannedNs + BigInt(next.ms) * 1_000_000n;
      this.cancel = this.timers.setTimeout(() => this.schedule(), next.ms);
    } else {
      this.wakeNs = this.plannedNs;
      this.cancel = this.timers.setImmediate(() => this.schedule());
    }
  }

  /**
   * Runs the sub-ticks that are due now, if any, without waiting for the loop's timer: called at
   * preemption points of the control plane (lib/preempt.ts), so that a burst of control work delays the
   * audio by one task at most, not by the whole burst. The loop's pending timer stays armed and plans
   * again from wherever this left the counter. Cheap when nothing is due: one clock read.
   * A backlog of a whole interval or more is left to the loop: it catches up only as much as its window
   * allows and lets I/O run between, so an overloaded core sheds audio frames rather than starving the
   * control plane from every preemption point.
   */
  runDue(): void {
    if (!this.running || this.ticking) return;
    const late = this.timers.nowNs() - this.nextDueNs;
    if (late < 0n || late >= this.intervalNs) return;
    this.advance();
  }

  /**
   * Runs due sub-ticks back to back and returns what to wait for next: a sleep, a spin turn, or (the
   * catch-up window used up) a turn for I/O before going on; undefined once the loop stopped or was
   * restarted from inside a tick.
   *
   * A loop, not recursion: a loop that stays behind (an overloaded core) once ran out of stack. Catch-up
   * runs back to back for at most the catch-up window (maxCatchUp intervals' sub-ticks) in one turn, so that
   * audio keeps its priority over a burst of control-plane work; then I/O gets its turn before it goes on,
   * so an overload that never ends slows the audio instead of stopping everything else. (Yielding after one
   * interval instead was measured: at 1,000 calls the webhook tail fell from 482 to 155 ms but send jitter
   * p99 rose from 14 to 41 ms.)
   */
  private advance(): Exclude<PlanAction, { kind: 'tick' }> | undefined {
    // Restored, not cleared, at the end: a loop restarted from inside a tick runs inside that tick.
    const outer = this.ticking;
    this.ticking = true;
    try {
      for (let ran = 0; this.running; ran++) {
        // Empty slots have nothing to send: plan for the next sub-tick whose slot has sources. With every
        // source parked, slot 0's sub-tick runs (empty) once per interval, to measure how late the loop runs.
        const len = this.slots.length;
        if (this.activeSlots === 0) this.n += (len - (this.n % len)) % len;
        else for (let i = 0; i < len && (this.slots[this.n % len] as Set<PacedSource>).size === 0; i++) this.n++;
        const now = this.timers.nowNs();
        this.plannedNs = now;
        const deadline = this.deadlineOf(this.n);
        this.nextDueNs = deadline;
        // Every source parked: the tick only measures the loop's lateness, which needs no exact spacing.
        const spin = this.activeSlots === 0 ? 0n : this.activeSlots > 1 ? this.spinNs / BigInt(this.activeSlots) : this.spinNs;
        const action = plan(now, deadline, this.subIntervalNs, spin, this.maxCatchUp);
        if (action.kind === 'sleep' || action.kind === 'spin') return action;
        if (ran >= this.maxCatchUp) return { kind: 'spin' };
        const generation = this.generation;
        // Dropped: the skipped sub-ticks of slots with sources (one frame of each of their sources).
        for (let m = this.n; m < this.n + action.skip; m++) if ((this.slots[m % this.slots.length] as Set<PacedSource>).size > 0) this.counters.skipped++;
        this.n += action.skip;
        this.runTick(now, this.deadlineOf(this.n), this.n % this.slots.length);
        if (generation !== this.generation) return undefined; // a source stopped and restarted the loop: that loop goes on
        this.n++;
      }
      return undefined;
    } finally {
      this.ticking = outer;
    }
  }

  /** Sub-tick n's deadline: whole intervals from the start, plus its slot's offset (no drift when the interval does not divide evenly). */
  private deadlineOf(n: number): bigint {
    const s = this.slots.length;
    return this.startNs + BigInt(Math.floor(n / s)) * this.intervalNs + BigInt(n % s) * this.subIntervalNs;
  }

  private runTick(now: bigint, deadline: bigint, slot: number): void {
    const last = this.lastSlotTickNs[slot];
    if (last !== undefined) this.hist.interval.add(Number(now - last));
    this.lastSlotTickNs[slot] = now;
    const late = Number(now - deadline);
    this.hist.lateness.add(late);
    this.recent.note(now, late);
    this.onLateness?.(late / 1e9);
    for (const s of this.slots[slot] as Set<PacedSource>) {
      try {
        s.tick();
      } catch (err) {
        this.counters.errors++;
        this.onError?.(err, s);
      }
    }
    this.counters.ticks++;
    this.hist.tickDuration.add(Number(this.timers.nowNs() - now));
  }
}
