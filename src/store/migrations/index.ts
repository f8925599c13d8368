import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StoreError } from '../errors.js';
import type { Database, SqlFlavor } from '../schema.js';
import { initialMigration } from './001_initial.js';
import { adminMigration } from './002_admin.js';
import { historyMigration } from './003_history.js';
import { registeredMigration } from './004_registered.js';
import { testCallsMigration } from './005_test_calls.js';
import { transcriptionMigration } from './007_transcription.js';
import { sourcetrakMigration } from './008_sourcetrak.js';
import { nodesMigration } from './009_nodes.js';
import { nodeLoadMigration } from './010_node_load.js';

/**
 * Migrations live in code rather than being discovered on disk (Kysely's FileMigrationProvider), so they
 * ship inside the build and need no path juggling between `src/` under tsx and `dist/` in production.
 * Names sort lexically and Kysely refuses to run them out of order: always append with the next number.
 */
export function migrationProvider(flavor: SqlFlavor): MigrationProvider {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '001_initial': initialMigration(flavor),
      '002_admin': adminMigration(flavor),
      '003_history': historyMigration(flavor),
      '004_registered': registeredMigration(flavor),
      '005_test_calls': testCallsMigration(flavor),
      '007_transcription': transcriptionMigration(flavor),
      '008_sourcetrak': sourcetrakMigration(flavor),
      '009_nodes': nodesMigration(flavor),
      '010_node_load': nodeLoadMigration(flavor),
    }),
  };
}

/**
 * Brings the schema up to date; run at every open, a no-op when nothing is pending. Kysely reports a
 * failure in the result rather than throwing, so it is turned into a StoreError naming the migration.
 */
export async function migrateToLatest(db: Kysely<Database>, flavor: SqlFlavor): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(flavor) });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  const detail = error instanceof Error ? error.message : String(error);
  throw new StoreError('migration_failed', `migration ${failed ?? '(none started)'} failed: ${detail}`, { cause: error });
}
