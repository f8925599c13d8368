import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/** Whether `table` has `column`, in the current schema only (another schema may hold a table of that name). */
export async function hasColumn(db: Kysely<unknown>, flavor: SqlFlavor, table: string, column: string): Promise<boolean> {
  const q =
    flavor === 'sqlite'
      ? sql<{ n: number }>`select count(*) as n from pragma_table_info(${table}) where name = ${column}`
      : sql<{ n: number }>`select count(*) as n from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`;
  const r = await q.execute(db);
  return Number(r.rows[0]?.n ?? 0) > 0;
}

/**
 * Several nodes on one database (Postgres; SQLite has one node, and gets the same columns so the code is
 * the same):
 *
 * - `calls.node_id`: the node that runs (ran) the call. A start after a crash closes only its own open
 *   calls, and the console says which node holds a call in progress. '' for calls from before.
 * - `outbox.claimed_by`, `outbox.lease_until`: a node claims due items for a while (the lease) before
 *   sending them, so two nodes never send the same item at once, and a node that dies leaves its items to
 *   the others once the lease runs out (store/lease.ts).
 * - `nodes`: each node's heartbeat (and where it listens), so others can tell a live node from a dead one.
 * - `revisions`: counters bumped with each change of something every node caches (the configuration
 *   items); nodes poll the counter, a cheap primary-key read, and re-read the items when it moved.
 *
 * A rerun after a crash between the DDL and Kysely's bookkeeping (SQLite's DDL is not transactional
 * here) checks each column first; tables and indexes say `if not exists`.
 */
export function nodesMigration(flavor: SqlFlavor): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (!(await hasColumn(db, flavor, 'calls', 'node_id'))) {
        await db.schema.alterTable('calls').addColumn('node_id', 'text', (c) => c.notNull().defaultTo('')).execute();
      }
      // The open calls of one node, for its start after a crash.
      await db.schema.createIndex('calls_node_open').ifNotExists().on('calls').columns(['node_id', 'end_reason', 'started_at']).execute();

      if (!(await hasColumn(db, flavor, 'outbox', 'claimed_by'))) {
        await db.schema.alterTable('outbox').addColumn('claimed_by', 'text').execute();
      }
      if (!(await hasColumn(db, flavor, 'outbox', 'lease_until'))) {
        await db.schema.alterTable('outbox').addColumn('lease_until', 'bigint').execute();
      }

      await db.schema
        .createTable('nodes')
        .ifNotExists()
        .addColumn('node_id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addColumn('sip', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('http', 'text', (c) => c.notNull().defaultTo(''))
        .execute();

      await db.schema
        .createTable('revisions')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into revisions (name, value) values ('config', 0) on conflict (name) do nothing`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('revisions').ifExists().execute();
      await db.schema.dropTable('nodes').ifExists().execute();
      await db.schema.dropIndex('calls_node_open').ifExists().execute();
      await db.schema.alterTable('outbox').dropColumn('lease_until').execute();
      await db.schema.alterTable('outbox').dropColumn('claimed_by').execute();
      await db.schema.alterTable('calls').dropColumn('node_id').execute();
    },
  };
}
