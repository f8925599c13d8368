import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * What the original platform's Administration API (`ibp_api.php`, docs/ibp-api.md) needs beyond the
 * configuration items:
 *
 * - `registered_numbers`: the caller ids an account registered (`registerednumbers.add`), kept by
 *   their E.164 form, with the description given.
 * - `recordings.findme_id`: which Find Me bridged a recorded call (`findme.get_recorded_calls_list`,
 *   `recording.list type=findme`). A recording's session alone does not say it: one call can run
 *   several Find Mes, and a dynamic Find Me (from a webhook) has no id, which stays null.
 *
 * Adding a nullable column is the same statement in SQLite and Postgres, and old rows read as null.
 * `if not exists` does not exist for ADD COLUMN in SQLite, so a rerun after a crash between the
 * ALTER and Kysely's bookkeeping checks for the column first.
 */
export function registeredMigration(_flavor: SqlFlavor): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('registered_numbers')
        .ifNotExists()
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      const recordings = (await db.introspection.getTables()).find((t) => t.name === 'recordings');
      if (!recordings?.columns.some((c) => c.name === 'findme_id')) {
        await db.schema.alterTable('recordings').addColumn('findme_id', 'integer').execute();
      }
      await db.schema.createIndex('recordings_findme_id').ifNotExists().on('recordings').column('findme_id').execute();
      await db.schema.createIndex('recordings_voicemail_id').ifNotExists().on('recordings').column('voicemail_id').execute();
      await db.schema.createIndex('interactions_ivr_started').ifNotExists().on('interactions').columns(['ivr_id', 'started_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const index of ['interactions_ivr_started', 'recordings_voicemail_id', 'recordings_findme_id']) {
        await db.schema.dropIndex(index).ifExists().execute();
      }
      await db.schema.alterTable('recordings').dropColumn('findme_id').execute();
      await db.schema.dropTable('registered_numbers').ifExists().execute();
    },
  };
}
