import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { SqlFlavor } from './schema.js';

/**
 * Claiming durable work with a lease, shared by the queues the nodes work through together (the outbox,
 * and any other table with the same columns: a transcription job queue, say). Such a table has
 *
 *   id (integer key), state (text), a due time (bigint ms, `next_attempt_at` by default),
 *   claimed_by (text, null), lease_until (bigint ms, null)
 *
 * A node claims items that are pending, due, and not held by a lease still running, by writing its name
 * and `now + leaseMs` on them in one UPDATE ... RETURNING. While the lease runs no other node takes the
 * item; when the node records the outcome it clears the claim; when the node dies the lease runs out
 * and another node claims the item. The lease must be longer than one attempt can take (a delivery's
 * timeout), or a slow attempt could be claimed again while it is still in flight.
 *
 * Postgres: the rows are picked with `FOR UPDATE SKIP LOCKED`, so nodes claiming at the same moment each
 * get different rows instead of queueing behind each other's row locks. SQLite (one node): the single
 * statement is atomic, since SQLite runs one writer at a time.
 */
export interface ClaimSpec {
  table: string;
  owner: string;
  /** Epoch ms. */
  now: number;
  leaseMs: number;
  limit: number;
  flavor: SqlFlavor;
  /** Oldest first by these columns; default created_at, id. */
  orderBy?: readonly string[];
  /** The state of items waiting for work; default 'pending'. */
  pendingState?: string;
  /** The column holding when an item is due; default next_attempt_at. */
  dueColumn?: string;
}

/** The claimed rows, as the table stores them (in no particular order: sort them by what `orderBy` says). */
export async function claimDue<Row>(db: Kysely<never>, spec: ClaimSpec): Promise<Row[]> {
  if (spec.limit <= 0) return [];
  const t = sql.table(spec.table);
  const state = spec.pendingState ?? 'pending';
  const due = sql.ref(spec.dueColumn ?? 'next_attempt_at');
  const order = sql.join((spec.orderBy ?? ['created_at', 'id']).map((c) => sql.ref(c)));
  const lock: RawBuilder<unknown> = spec.flavor === 'postgres' ? sql`for update skip locked` : sql``;
  const r = await sql<Row>`
    update ${t} set claimed_by = ${spec.owner}, lease_until = ${spec.now + spec.leaseMs}
    where id in (
      select id from ${t}
      where state = ${state} and ${due} <= ${spec.now} and (lease_until is null or lease_until < ${spec.now})
      order by ${order}
      limit ${spec.limit}
      ${lock}
    )
    returning *`.execute(db);
  return r.rows;
}

/**
 * Gives back every claim `owner` holds on items still waiting (at a node's start, nothing of its own is
 * in flight: what a previous run of the same node claimed is free again at once, not after its lease).
 */
export async function releaseClaims(db: Kysely<never>, table: string, owner: string, pendingState = 'pending'): Promise<number> {
  const r = await sql`update ${sql.table(table)} set claimed_by = null, lease_until = null where claimed_by = ${owner} and state = ${pendingState}`.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}
