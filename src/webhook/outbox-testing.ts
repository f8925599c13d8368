/**
 * What the OutboxWorker tests share: receivers, stores and workers that are closed after each test
 * (`closeAll()` in the test file's afterEach), and ways to move fake time so that a poll runs when meant.
 */
import type { ServerResponse } from 'node:http';
import type { FakeClock } from '../lib/clock.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker.js';
import { TestReceiver, type Handler } from './testing.js';

export const HOUR = 3_600_000;

export class OutboxFixture {
  private cleanups: Array<() => Promise<void> | void> = [];

  /** Runs `fn` after the test, in reverse order of registration. */
  onCleanup(...fn: Array<() => Promise<void> | void>): void {
    this.cleanups.push(...fn);
  }

  async closeAll(): Promise<void> {
    for (const c of this.cleanups.reverse()) await c();
    this.cleanups = [];
  }

  async receiver(handler: Handler): Promise<TestReceiver> {
    const r = await TestReceiver.start(handler);
    this.onCleanup(() => r.close());
    return r;
  }

  /** A receiver that holds every response until released (for concurrency and stop()). */
  async holdingReceiver(): Promise<{ srv: TestReceiver; release(): void }> {
    const held: ServerResponse[] = [];
    const srv = await this.receiver((_r, res) => held.push(res));
    return { srv, release: () => held.splice(0).forEach((res) => res.end('ok')) };
  }

  async openStore(clock: FakeClock, path = ':memory:'): Promise<Store> {
    const store = await createSqliteStore(path, { clock });
    this.onCleanup(() => store.close());
    return store;
  }

  worker(store: Store, clock: FakeClock, over: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
    const w = new OutboxWorker({
      outbox: store.outbox,
      log: store.webhooks,
      networks: 'all',
      userAgentVersion: 'test',
      clock,
      random: () => 0,
      timeoutMs: 5_000,
      ...over,
    });
    this.onCleanup(() => w.stop());
    return w;
  }
}

/** Fake time forward, then wait (in real time) for the poll it triggered and its deliveries. */
export async function tick(clock: FakeClock, w: OutboxWorker, ms: number): Promise<void> {
  clock.advance(ms);
  await w.settled();
}

/**
 * Moves fake time to `target` so that a poll runs exactly then. A poll reads the clock when its timer
 * fires (1 s after the last poll), so one long advance would poll early, mid-jump: stop 1 s short first.
 */
export async function tickTo(clock: FakeClock, w: OutboxWorker, target: number): Promise<void> {
  if (target - clock.now() > 1_000) await tick(clock, w, target - clock.now() - 1_000);
  await tick(clock, w, Math.max(0, target - clock.now()));
}

export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
