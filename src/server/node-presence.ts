import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NodeLoad, Store } from '../store/types.js';

/** How often each node writes its heartbeat; the others count it gone after NODE_GONE_MS (admin/history.ts). */
export const HEARTBEAT_MS = 2_000;

/**
 * Writes this node's heartbeat (its row in `nodes`: where it takes SIP and HTTP, when it was last seen,
 * and its load) every HEARTBEAT_MS until stopped. The beat is also what notices the database going away and
 * coming back while no call writes anything (the resilient store watches every statement). A failed beat
 * is logged once per outage.
 */
export function startHeartbeat(o: { store: Store; clock: Clock; logger: Logger; sip: string; http: string; load?: () => Promise<NodeLoad> }): () => void {
  const startedAt = new Date(o.clock.now());
  let stopped = false;
  let cancel: (() => void) | undefined;
  let failing = false;
  const beat = (): void => {
    // The load is the console's and the API's view of every node; a beat without it still says "alive".
    void (o.load?.().catch(() => undefined) ?? Promise.resolve(undefined))
      .then((load) => o.store.nodes.heartbeat({ startedAt, sip: o.sip, http: o.http, ...(load ? { load } : {}) }))
      .then(
        () => (failing = false),
        (err: unknown) => {
          if (!failing) o.logger.warn({ err }, 'node heartbeat: cannot write to the store');
          failing = true;
        },
      )
      .finally(() => {
        if (!stopped) cancel = o.clock.setTimer(HEARTBEAT_MS, beat);
      });
  };
  beat();
  return () => {
    stopped = true;
    cancel?.();
  };
}
