import type { FrameClock, PacedSource } from './pacer.js';

/**
 * A pacer for tests that ticks only when told: each tick every registered source sends one frame, so a
 * test says "20 frames later" instead of sleeping 400 ms and hoping the timers kept time.
 */
export class ManualPacer implements FrameClock {
  private readonly sources = new Set<PacedSource>();
  ticks = 0;

  register(source: PacedSource): () => void {
    this.sources.add(source);
    return () => this.unregister(source);
  }

  unregister(source: PacedSource): void {
    this.sources.delete(source);
  }

  get size(): number {
    return this.sources.size;
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
