import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * `calls.test`: 1 for a call run from the console's Test panel or `POST /api/v1/test-calls`. Test calls
 * go through the same flow as real ones (their webhooks are real), so they are stored and listed like
 * them; the flag lets history, stats and reports tell them apart.
 *
 * SQLite has no ADD COLUMN IF NOT EXISTS: a rerun after a crash between the ALTER and Kysely's
 * bookkeeping checks for the column first.
 */
export function testCallsMigration(_flavor: SqlFlavor): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const calls = (await db.introspection.getTables()).find((t) => t.name === 'calls');
      if (!calls?.columns.some((c) => c.name === 'test')) {
        await db.schema.alterTable('calls').addColumn('test', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('calls').dropColumn('test').execute();
    },
  };
}
