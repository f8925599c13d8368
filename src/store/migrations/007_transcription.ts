import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * `transcription_jobs`: one row per recorded answer whose question asks for a transcription
 * (`transcribe: standard | human`). The row is written when the recording is stored, during the call,
 * and worked off the call path: an engine takes the `standard` ones, people the `human` ones. It is the
 * durable queue (a restart resumes what is pending) and where the text is kept afterwards.
 *
 * The post-back's URL, secret and time zone are copied in when the job is made, so a configuration
 * change while a job waits does not send its text somewhere the caller's IVR never pointed.
 *
 * Cascades from `calls`, so retention that deletes a call takes its jobs with it.
 */
export function transcriptionMigration(flavor: SqlFlavor): Migration {
  const id = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    flavor === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('transcription_jobs')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('session_id', 'text', (c) => c.notNull().references('calls.session_id').onDelete('cascade'))
        .addColumn('ivr_id', 'integer', (c) => c.notNull())
        .addColumn('response_id', 'integer', (c) => c.notNull())
        .addColumn('question_no', 'integer', (c) => c.notNull())
        // Relative to the data dir, as in `recordings.path`.
        .addColumn('recording_path', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        // standard | human
        .addColumn('mode', 'text', (c) => c.notNull())
        // pending | done | failed | skipped
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        // Who is typing a human job, and until when the claim holds.
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'bigint')
        .addColumn('text', 'text')
        // The engine (`http`, `local`) or `human` that produced the text.
        .addColumn('engine', 'text')
        .addColumn('last_error', 'text')
        .addColumn('postback_url', 'text')
        .addColumn('postback_secret', 'text')
        .addColumn('timezone', 'text', (c) => c.notNull())
        // The outbox item of the post-back, once queued: the mark that it is sent at most once.
        .addColumn('outbox_id', 'integer')
        .execute();
      // The worker's scan (pending jobs of one mode, oldest due first) and the human queue's list.
      await db.schema.createIndex('transcription_jobs_due').ifNotExists().on('transcription_jobs').columns(['state', 'mode', 'next_attempt_at', 'id']).execute();
      await db.schema.createIndex('transcription_jobs_session').ifNotExists().on('transcription_jobs').columns(['session_id', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('transcription_jobs').ifExists().execute();
    },
  };
}
