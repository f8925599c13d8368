import type { Kysely, Selectable, Updateable } from 'kysely';
import { StoreError } from './errors.js';
import type { Database, OutboxTable } from './schema.js';
import type { OutboxItem, OutboxRepo } from './types.js';
import { checkLimit, fromMs, opt, toMs, type RepoContext } from './codec.js';
import { claimDue, releaseClaims } from './lease.js';

function toItem(r: Selectable<OutboxTable>): OutboxItem {
  return {
    ...(r.claimed_by !== null && r.claimed_by !== undefined ? { claimedBy: r.claimed_by } : {}),
    ...(r.lease_until !== null && r.lease_until !== undefined ? { leaseUntil: fromMs(r.lease_until) } : {}),
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
 * Moves a pending item to its next state, counts the attempt that decided it, and frees its claim. The
 * update only matches `state = 'pending'`: once delivered or failed an item is final, so a late
 * `markRetry` racing a `markDelivered` (a timeout that fired after the 2xx arrived, or a node whose lease
 * ran out while another took the item over) cannot put a delivered request back in the queue and send it
 * twice. With `owner`, it also only matches while that node holds the claim (or nobody does): a node
 * whose lease ran out must not reschedule an item another node is sending now. Such a late call is a
 * no-op; an unknown id is an error. `lastError` survives delivery, so the console can still say why the
 * earlier attempts failed.
 */
async function transition(
  db: Kysely<Database>,
  id: number,
  set: Omit<Updateable<OutboxTable>, 'attempts' | 'claimed_by' | 'lease_until'>,
  owner?: string,
): Promise<void> {
  let q = db
    .updateTable('outbox')
    .set((eb) => ({ ...set, claimed_by: null, lease_until: null, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'pending');
  if (owner !== undefined) q = q.where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_by', '=', owner)]));
  const r = await q.executeTakeFirst();
  if (r.numUpdatedRows > 0n) return;
  const exists = await db.selectFrom('outbox').select('id').where('id', '=', id).executeTakeFirst();
  if (exists === undefined) throw new StoreError('not_found', `outbox item ${id} not found`);
}

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

    claim: (now, limit, leaseMs) =>
      ctx.run('outbox.claim', async (db) => {
        const rows = await claimDue<Selectable<OutboxTable>>(db as unknown as Kysely<never>, {
          table: 'outbox',
          owner: ctx.nodeId,
          now: toMs(now, 'now'),
          leaseMs,
          limit: checkLimit(limit),
          flavor: ctx.flavor,
        });
        // RETURNING comes in no promised order: oldest first by enqueue order, as `due`.
        return rows.map(toItem).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
      }),

    releaseClaims: () => ctx.run('outbox.releaseClaims', (db) => releaseClaims(db as unknown as Kysely<never>, 'outbox', ctx.nodeId)),

    markDelivered: (id) =>
      ctx.run('outbox.markDelivered', (db) => transition(db, id, { state: 'delivered' })),

    markRetry: (id, nextAttemptAt, error) =>
      ctx.run('outbox.markRetry', (db) =>
        transition(db, id, { next_attempt_at: toMs(nextAttemptAt, 'nextAttemptAt'), last_error: error }, ctx.nodeId),
      ),

    markFailed: (id, error) =>
      ctx.run('outbox.markFailed', (db) => transition(db, id, { state: 'failed', last_error: error }, ctx.nodeId)),

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
