import { silentLogger, type Logger } from '../lib/logger.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { StoreError } from './errors.js';
import type { Store } from './types.js';

export interface ResilientStoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** Writes held at most while the database is away; past that the oldest are dropped and counted. */
  maxQueued?: number;
  /** How often a held write is tried again; default 1 s. */
  retryMs?: number;
}

export interface ResilientStore extends Store {
  /** False from a failure to reach the database until a statement gets through again. */
  readonly reachable: boolean;
  /** Writes held in memory, waiting for the database. */
  readonly queued: number;
  /** Writes dropped because the queue was full, since the start. */
  readonly dropped: number;
  /** Resolves once the queue is empty (tests; a clean stop). */
  flushed(): Promise<void>;
}

/**
 * The writes a call makes as it goes whose answer nobody waits for: while the database is away
 * (Postgres restarting, the network to it gone) they are held in memory, in order, and written when it
 * answers again, so the calls in progress go on. A recording's row and an outbox item (a post-call
 * action, a voicemail notification) are among them: their new id is not used by the flow, and a held
 * one resolves 0 (not stored yet). Writes whose id the call needs (its own row, an IVR run, whose id is
 * the webhook's ivr_response_id) cannot be answered without the database and fail as before; new calls
 * are refused meanwhile (`reachable`), which covers the call's own row.
 */
const HELD: ReadonlyArray<[keyof Store, string]> = [
  ['recordings', 'add'],
  ['outbox', 'enqueue'],
  ['calls', 'update'],
  ['interactions', 'addAnswer'],
  ['interactions', 'finish'],
  ['webhooks', 'logOutcome'],
  ['history', 'appendEvents'],
  ['history', 'addBlock'],
  ['outbox', 'markDelivered'],
  ['outbox', 'markRetry'],
  ['outbox', 'markFailed'],
];

const isUnavailable = (err: unknown): boolean => err instanceof StoreError && err.code === 'unavailable';

/**
 * Wraps a store so that losing the database while running degrades instead of failing calls: the writes
 * above are queued (bounded by `maxQueued`; the loss past it is logged by count) and flushed in order
 * when the database answers; `reachable` tells the server to refuse new calls (503) until then.
 *
 * Order is kept: once a write is held, later held-kind writes queue behind it rather than overtake it,
 * since an answer written before its IVR run's end must not land after it.
 */
export function resilientStore(inner: Store, o: ResilientStoreOptions = {}): ResilientStore {
  const logger = o.logger ?? silentLogger;
  const clock = o.clock ?? systemClock;
  const max = o.maxQueued ?? 10_000;
  const retryMs = o.retryMs ?? 1_000;
  const queue: Array<{ run: () => Promise<unknown>; what: string }> = [];
  let reachable = true;
  let dropped = 0;
  let droppedLogged = 0;
  let flushing: Promise<void> | undefined;
  /** Ends the wait before the next retry (close() must not leave a flush waiting on a timer). */
  let wake: (() => void) | undefined;
  let closed = false;

  const lost = (err: unknown): void => {
    if (!reachable) return;
    reachable = false;
    logger.error({ err }, 'store: the database cannot be reached; new calls are refused, the writes of calls in progress are held in memory');
  };
  const back = (): void => {
    if (reachable) return;
    reachable = true;
    logger.info('store: the database answers again');
  };

  const flush = (): Promise<void> => {
    flushing ??= (async () => {
      while (queue.length > 0 && !closed) {
        const head = queue[0]!;
        try {
          await head.run();
          // A full queue may have dropped the head while it ran: remove it only if it is still there.
          if (queue[0] === head) queue.shift();
          back();
        } catch (err) {
          if (isUnavailable(err)) {
            lost(err);
            await new Promise<void>((resolve) => {
              const cancel = clock.setTimer(retryMs, resolve);
              wake = () => {
                cancel();
                resolve();
              };
            });
            continue;
          }
          // Anything else (a constraint, a bug) would fail the same way again: drop it, say so.
          if (queue[0] === head) queue.shift();
          logger.error({ err, write: head.what }, 'store: a held write failed when written; dropped');
        }
      }
      if (dropped > droppedLogged) {
        logger.error({ dropped: dropped - droppedLogged }, `store: ${dropped - droppedLogged} write(s) of calls in progress were lost while the database was away (the queue holds ${max})`);
        droppedLogged = dropped;
      } else if (queue.length === 0 && !closed) logger.info('store: the writes held while the database was away are written');
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  const hold = (run: () => Promise<unknown>, what: string): void => {
    if (queue.length >= max) {
      queue.shift();
      dropped++;
    }
    queue.push({ run, what });
    void flush();
  };

  /** Watches every call for lost connections and successes, so `reachable` follows the database. */
  const watched = <F extends (...args: never[]) => Promise<unknown>>(fn: F): F =>
    (async (...args: never[]) => {
      try {
        const r = await fn(...args);
        if (queue.length === 0) back();
        return r;
      } catch (err) {
        if (isUnavailable(err)) lost(err);
        throw err;
      }
    }) as F;

  const heldFn = <F extends (...args: never[]) => Promise<unknown>>(fn: F, what: string): F =>
    (async (...args: never[]) => {
      // Held: `undefined` for the void writes, 0 for the two that return an id nobody reads.
      const placeholder = what === 'recordings.add' || what === 'outbox.enqueue' ? 0 : undefined;
      if (queue.length > 0) {
        hold(() => fn(...args), what);
        return placeholder;
      }
      try {
        const r = await fn(...args);
        back();
        return r;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        lost(err);
        hold(() => fn(...args), what);
        return placeholder;
      }
    }) as F;

  const wrapped: Record<string, unknown> = {};
  for (const [repoName, repo] of Object.entries(inner)) {
    if (repo === null || typeof repo !== 'object') continue;
    const copy: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(repo as Record<string, unknown>)) {
      if (typeof fn !== 'function') continue;
      const bound = (fn as (...a: never[]) => Promise<unknown>).bind(repo);
      const what = `${repoName}.${name}`;
      copy[name] = HELD.some(([r, m]) => r === repoName && m === name) ? heldFn(bound, what) : watched(bound);
    }
    wrapped[repoName] = copy;
  }

  return {
    ...(wrapped as unknown as Store),
    nodeId: inner.nodeId,
    get reachable() {
      return reachable;
    },
    get queued() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
    async flushed() {
      while (queue.length > 0 && !closed) await flush();
    },
    async close() {
      // What the database did not take by now is lost with the process: say how much.
      if (queue.length > 0) logger.error({ writes: queue.length }, `store: closing with ${queue.length} write(s) never written (the database did not come back)`);
      closed = true;
      wake?.();
      await inner.close();
    },
  };
}
