import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * The first schema. Every statement says `if not exists` because SQLite DDL here runs outside a
 * transaction (Kysely treats SQLite as lacking transactional DDL): if the process dies after the tables
 * exist but before Kysely records the migration, the next start re-runs it and must not fail.
 *
 * Foreign keys cascade on delete so that a future retention job can drop a call with one statement.
 * The webhook log has none on purpose: a log write must never fail because of what it logs.
 */
export function initialMigration(flavor: SqlFlavor): Migration {
  // SQLite's AUTOINCREMENT (not just INTEGER PRIMARY KEY) guarantees an id is never handed out twice,
  // even after the row holding the highest id is deleted; ivr_response_id must stay unique forever.
  const id = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    flavor === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('calls')
        .ifNotExists()
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('from_addr', 'text', (c) => c.notNull())
        .addColumn('to_addr', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('end_reason', 'text')
        .addColumn('pass_through', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('monitored_seconds', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('calls_started_at').ifNotExists().on('calls').column('started_at').execute();

      await db.schema
        .createTable('interactions')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('session_id', 'text', (c) => c.notNull().references('calls.session_id').onDelete('cascade'))
        .addColumn('ivr_id', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('opted_out', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('interactions_session_id')
        .ifNotExists()
        .on('interactions')
        .column('session_id')
        .execute();

      await db.schema
        .createTable('answers')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('response_id', 'integer', (c) => c.notNull().references('interactions.id').onDelete('cascade'))
        .addColumn('question_no', 'integer', (c) => c.notNull())
        .addColumn('question_type', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('keys', 'text')
        .addColumn('duration_ms', 'integer')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      // One answer per question: a re-asked question replaces its answer (upsert on this key).
      await db.schema
        .createIndex('answers_response_question')
        .ifNotExists()
        .unique()
        .on('answers')
        .columns(['response_id', 'question_no'])
        .execute();

      await db.schema
        .createTable('webhook_log')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('session_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('latency_ms', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('failure', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createIndex('webhook_log_session_id')
        .ifNotExists()
        .on('webhook_log')
        .column('session_id')
        .execute();
      await db.schema.createIndex('webhook_log_sent_at').ifNotExists().on('webhook_log').column('sent_at').execute();

      await db.schema
        .createTable('recordings')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('session_id', 'text', (c) => c.notNull().references('calls.session_id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('caller_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('response_id', 'integer', (c) => c.references('interactions.id').onDelete('cascade'))
        .addColumn('question_no', 'integer')
        .addColumn('voicemail_id', 'integer')
        .execute();
      await db.schema
        .createIndex('recordings_session_id')
        .ifNotExists()
        .on('recordings')
        .column('session_id')
        .execute();

      await db.schema
        .createTable('outbox')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('last_error', 'text')
        .execute();
      // Serves `due`: equality on state, range on next_attempt_at.
      await db.schema
        .createIndex('outbox_due')
        .ifNotExists()
        .on('outbox')
        .columns(['state', 'next_attempt_at'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      // Children before parents, for the foreign keys.
      for (const table of ['answers', 'recordings', 'interactions', 'webhook_log', 'outbox', 'calls']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
