import type { FrameClock, PacedSource } from './pacer.js';
import type { PacerTimers } from './pacer-plan.js';

/** One millisecond in the fake timers' nanoseconds. */
export const MS = 1_000_000n;

/**
 * A pacer for tests that ticks only when told: each tick every registered source sends one frame, so a
 * test says "20 frames later" instead of sleeping 400 ms and hoping the timers kept time.
 */
export class ManualPacer implements FrameClock {
  private readonly sources = new Set<PacedSource>();
  private readonly parked = new Set<PacedSource>();
  ticks = 0;

  register(source: PacedSource): () => void {
    this.parked.delete(source);
    this.sources.add(source);
    return () => this.unregister(source);
  }

  unregister(source: PacedSource): void {
    this.sources.delete(source);
    this.parked.delete(source);
  }

  park(source: PacedSource): void {
    if (this.sources.delete(source)) this.parked.add(source);
  }

  unpark(source: PacedSource): void {
    if (this.parked.delete(source)) this.sources.add(source);
  }

  /** Registered sources, parked ones included. */
  get size(): number {
    return this.sources.size + this.parked.size;
  }

  get parkedSize(): number {
    return this.parked.size;
  }

  /** `n` ticks, yielding to the event loop after each so that packets sent can arrive and promises settle. */
  async run(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.tick();
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Ticks until `p` settles (at most `max` ticks); resolves with the ticks it took. */
  async runUntil(p: Promise<unknown>, max = 5000): Promise<number> {
    let settled = false;
    void p.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise<void>((r) => setImmediate(r));
    let n = 0;
    while (!settled) {
      if (n >= max) throw new Error(`still not settled after ${max} ticks`);
      this.tick();
      n++;
      await new Promise<void>((r) => setImmediate(r));
    }
    return n;
  }

  private tick(): void {
    this.ticks++;
    for (const s of [...this.sources]) s.tick();
  }
}

/**
 * A fake event loop in nanoseconds: setTimeout fires `timerLateMs` after it was due (as real timers do),
 * and each setImmediate turn costs `turnNs`.
 */
export class FakeTimers implements PacerTimers {
  t = 0n;
  timerLateNs = 800_000n;
  turnNs = 30_000n;
  private queue: { at: bigint; fn: () => void; id: number }[] = [];
  private seq = 0;
  timeouts = 0;
  immediates = 0;

  nowNs(): bigint {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    this.timeouts++;
    return this.add(this.t + BigInt(ms) * MS + this.timerLateNs, fn);
  }
  setImmediate(fn: () => void): () => void {
    this.immediates++;
    return this.add(this.t + this.turnNs, fn);
  }
  pending(): number {
    return this.queue.length;
  }
  /** Runs callbacks in time order until `ns` has passed. */
  run(ns: bigint): void {
    const end = this.t + ns;
    for (;;) {
      this.queue.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      if (next.at > this.t) this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
  private add(at: bigint, fn: () => void): () => void {
    const e = { at, fn, id: ++this.seq };
    this.queue.push(e);
    return () => {
      this.queue = this.queue.filter((x) => x !== e);
    };
  }
}
