import type { Kysely, Selectable, Updateable } from 'kysely';
import { StoreError } from './errors.js';
import type { Database, OutboxTable } from './schema.js';
import type { OutboxItem, OutboxRepo } from './types.js';
import { checkLimit, fromMs, opt, toMs, type RepoContext } from './codec.js';

function toItem(r: Selectable<OutboxTable>): OutboxItem {
  return {
    id: r.id,
    kind: r.kind,
    payload: r.payload,
    attempts: r.attempts,
    nextAttemptAt: fromMs(r.next_attempt_at),
    createdAt: fromMs(r.created_at),
    expiresAt: fromMs(r.expires_at),
    state: r.state as OutboxItem['state'],
    lastError: opt(r.last_error),
  };
}

/**
 * Moves a pending item to its next state and counts the attempt that decided it. The update only
 * matches `state = 'pending'`: once delivered or failed an item is final, so a late `markRetry` racing a
 * `markDelivered` (two deliverers, or a timeout that fired after the 2xx arrived) cannot put a delivered
 * request back in the queue and send it twice. Such a late call is a no-op; an unknown id is an error.
 * `lastError` survives delivery, so the console can still say why the earlier attempts failed.
 */
async function transition(
  db: Kysely<Database>,
  id: number,
  set: Omit<Updateable<OutboxTable>, 'attempts'>,
): Promise<void> {
  const r = await db
    .updateTable('outbox')
    .set((eb) => ({ ...set, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (r.numUpdatedRows > 0n) return;
  const exists = await db.selectFrom('outbox').select('id').where('id', '=', id).executeTakeFirst();
  if (exists === undefined) throw new StoreError('not_found', `outbox item ${id} not found`);
}

/**
 * The store does not expire items by itself: `due` returns pending items past `expiresAt` too, and the
 * deliverer, which knows whether one last try is worth it, calls `markFailed`. The deliverer is the only
 * consumer in a process, so `due` does not lease items; a second server on the same database would need
 * a claim step (`update ... returning` with a lease column) before it could share the queue.
 */
export function createOutboxRepo(ctx: RepoContext): OutboxRepo {
  return {
    enqueue: (item) =>
      ctx.run('outbox.enqueue', async (db) => {
        const row = await db
          .insertInto('outbox')
          .values({
            kind: item.kind,
            payload: item.payload,
            attempts: 0,
            next_attempt_at: toMs(item.nextAttemptAt, 'nextAttemptAt'),
            created_at: ctx.clock.now(),
            expires_at: toMs(item.expiresAt, 'expiresAt'),
            state: 'pending',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      }),

    due: (now, limit) =>
      ctx.run('outbox.due', async (db) => {
        const rows = await db
          .selectFrom('outbox')
          .selectAll()
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', toMs(now, 'now'))
          // Oldest first by enqueue order, so post-backs go out in the order their events happened;
          // id breaks ties within the same millisecond.
          .orderBy('created_at')
          .orderBy('id')
          .limit(checkLimit(limit))
          .execute();
        return rows.map(toItem);
      }),

    markDelivered: (id) =>
      ctx.run('outbox.markDelivered', (db) => transition(db, id, { state: 'delivered' })),

    markRetry: (id, nextAttemptAt, error) =>
      ctx.run('outbox.markRetry', (db) =>
        transition(db, id, { next_attempt_at: toMs(nextAttemptAt, 'nextAttemptAt'), last_error: error }),
      ),

    markFailed: (id, error) =>
      ctx.run('outbox.markFailed', (db) => transition(db, id, { state: 'failed', last_error: error })),

    get: (id) =>
      ctx.run('outbox.get', async (db) => {
        const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toItem(row);
      }),

    pendingCount: () =>
      ctx.run('outbox.pendingCount', async (db) => {
        const row = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow();
        return Number(row.n);
      }),
  };
}
