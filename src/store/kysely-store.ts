import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../lib/clock.js';
import { createCallRepo, createInteractionRepo } from './call-repos.js';
import type { RepoContext } from './codec.js';
import { StoreError, type ErrorClassifier } from './errors.js';
import { createRecordingRepo, createWebhookLogRepo } from './log-repos.js';
import { createOutboxRepo } from './outbox-repo.js';
import { createApiKeyRepo, createConfigItemRepo, createConsoleSessionRepo, createNodeRepo } from './admin-repos.js';
import { createRegisteredNumberRepo, createReportRepo } from './report-repos.js';
import { createCallHistoryRepo } from './history-repos.js';
import { createRecoveryRepo } from './recovery-repos.js';
import { createSourcetrakRepo } from './sourcetrak-repos.js';
import { createTranscriptionRepo } from './transcription-repos.js';
import type { Database, SqlFlavor } from './schema.js';
import type { Store } from './types.js';
import { preemptionPoint } from '../lib/preempt.js';

export interface KyselyStoreOptions {
  /** Stamps `createdAt` on outbox items; inject a FakeClock in tests. */
  clock?: Clock;
  /** Turns the dialect's driver errors into StoreError codes. */
  classify: ErrorClassifier;
  flavor: SqlFlavor;
  /**
   * This process's node id (HOOKLINE_NODE_ID): stamped on the calls it creates, on the outbox items it
   * claims, and the only calls its start after a crash closes. Default '' (a store nobody shares).
   */
  nodeId?: string;
}

/**
 * The repositories over any Kysely database that has run the migrations. Dialect-specific concerns
 * (opening, PRAGMAs, pools, error codes) stay in `sqlite.ts` and `postgres.ts`; the queries here are
 * the portable subset both understand (RETURNING, ON CONFLICT ... DO UPDATE).
 *
 * There are few explicit transactions: every repository method is a single statement, or a statement
 * followed by a read-only check (a configuration write and the revision it moves are the exception), and a single statement in autocommit mode is committed by the time
 * its promise resolves. That is what lets the flow write each event as it happens and lose nothing
 * already said or pressed when the process dies.
 */
export function createKyselyStore(db: Kysely<Database>, options: KyselyStoreOptions): Store {
  let closed = false;
  let closing: Promise<void> | undefined;

  const ctx: RepoContext = {
    clock: options.clock ?? systemClock,
    nodeId: options.nodeId ?? '',
    flavor: options.flavor,
    async run(operation, fn) {
      if (closed) throw new StoreError('closed', `${operation}: the store is closed`);
      try {
        const result = await fn(db);
        // SQLite runs the statement synchronously (its preemption point is in statement-cache.ts); a
        // Postgres answer arrives on a socket, and the flow's work resumes here.
        if (options.flavor === 'postgres') preemptionPoint();
        return result;
      } catch (err) {
        if (err instanceof StoreError) throw err;
        const detail = err instanceof Error ? err.message : String(err);
        // A query queued behind close() meets a closed driver; say so rather than "query_failed".
        throw new StoreError(closed ? 'closed' : options.classify(err), `${operation}: ${detail}`, { cause: err });
      }
    },
  };

  return {
    calls: createCallRepo(ctx),
    interactions: createInteractionRepo(ctx),
    webhooks: createWebhookLogRepo(ctx),
    recordings: createRecordingRepo(ctx),
    outbox: createOutboxRepo(ctx),
    config: createConfigItemRepo(ctx),
    apiKeys: createApiKeyRepo(ctx),
    sessions: createConsoleSessionRepo(ctx),
    reports: createReportRepo(ctx),
    registeredNumbers: createRegisteredNumberRepo(ctx),
    history: createCallHistoryRepo(ctx),
    recovery: createRecoveryRepo(ctx),
    sourcetrak: createSourcetrakRepo(ctx),
    transcriptions: createTranscriptionRepo(ctx),
    nodes: createNodeRepo(ctx),
    nodeId: ctx.nodeId,
    close() {
      // Idempotent, and calls made after close fail with a StoreError instead of a driver TypeError.
      closed = true;
      closing ??= db.destroy();
      return closing;
    },
  };
}
