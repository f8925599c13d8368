import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * What the console's call history needs beyond the records the flow already writes:
 *
 * - `call_events`: the call's timeline (prompts played, keys pressed, dials, bridges, moves between
 *   building blocks, hang-up), appended in batches as the call goes. Read back per call in id order,
 *   hence the (session_id, id) index.
 * - `call_blocks`: one row per building block a call entered, carrying the call's start time so that
 *   "calls that went through ivr/10, newest first" is one range scan of one index, however rare the
 *   block is among all calls.
 * - Indexes on `calls` that end in (started_at, session_id), the history's sort order and cursor, so
 *   that every filter of the history list reads exactly one page of index entries.
 * - `webhook_log.replay_of`: a request sent again from the console names the entry it repeats.
 *
 * Both new tables cascade from `calls`, so deleting a call (retention) takes its timeline with it.
 */
export function historyMigration(flavor: SqlFlavor): Migration {
  const id = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    flavor === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  const callIndexes: Array<[string, string[]]> = [
    ['calls_started', ['started_at', 'session_id']],
    ['calls_to', ['to_addr', 'started_at', 'session_id']],
    ['calls_from', ['from_addr', 'started_at', 'session_id']],
    ['calls_end_reason', ['end_reason', 'started_at', 'session_id']],
    ['calls_direction', ['direction', 'started_at', 'session_id']],
  ];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('call_events')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('session_id', 'text', (c) => c.notNull().references('calls.session_id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        // JSON object: the event's details as the API shows them.
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('call_events_session').ifNotExists().on('call_events').columns(['session_id', 'id']).execute();

      await db.schema
        .createTable('call_blocks')
        .ifNotExists()
        .addColumn('session_id', 'text', (c) => c.notNull().references('calls.session_id').onDelete('cascade'))
        .addColumn('block', 'text', (c) => c.notNull())
        // calls.started_at copied: the sort key of the history, so the block index serves the order.
        .addColumn('call_started_at', 'bigint', (c) => c.notNull())
        // When the call first entered the block.
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('call_blocks_pk', ['session_id', 'block'])
        .execute();
      await db.schema
        .createIndex('call_blocks_block')
        .ifNotExists()
        .on('call_blocks')
        .columns(['block', 'call_started_at', 'session_id'])
        .execute();

      for (const [name, columns] of callIndexes) await db.schema.createIndex(name).ifNotExists().on('calls').columns(columns).execute();
      // calls_started covers it (same leading column), and every index costs each call's writes.
      await db.schema.dropIndex('calls_started_at').ifExists().execute();

      // No `if not exists` for a column in SQLite: a re-run after a crash finds it already there.
      const hasReplayOf = await sql<{ n: number }>`select count(*) as n from ${sql.raw(
        flavor === 'sqlite' ? `pragma_table_info('webhook_log') where name = 'replay_of'` : `information_schema.columns where table_schema = current_schema() and table_name = 'webhook_log' and column_name = 'replay_of'`,
      )}`.execute(db);
      if (Number(hasReplayOf.rows[0]?.n ?? 0) === 0) await db.schema.alterTable('webhook_log').addColumn('replay_of', 'integer').execute();
      await db.schema.createIndex('webhook_log_kind').ifNotExists().on('webhook_log').columns(['kind', 'id']).execute();
      // Only failed requests are indexed: "show me the failures" stays fast however many succeed.
      await db.schema
        .createIndex('webhook_log_failed')
        .ifNotExists()
        .on('webhook_log')
        .column('id')
        .where(sql.ref('failure'), 'is not', null)
        .execute();

      await db.schema.createIndex('recordings_kind').ifNotExists().on('recordings').columns(['kind', 'id']).execute();
      await db.schema.createIndex('recordings_voicemail').ifNotExists().on('recordings').columns(['voicemail_id', 'id']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ['recordings_voicemail', 'recordings_kind', 'webhook_log_failed', 'webhook_log_kind', ...callIndexes.map(([n]) => n)]) {
        await db.schema.dropIndex(name).ifExists().execute();
      }
      await db.schema.alterTable('webhook_log').dropColumn('replay_of').execute();
      await db.schema.createIndex('calls_started_at').ifNotExists().on('calls').column('started_at').execute();
      await db.schema.dropTable('call_blocks').ifExists().execute();
      await db.schema.dropTable('call_events').ifExists().execute();
    },
  };
}
