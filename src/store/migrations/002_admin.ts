import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * What the operator's side keeps: building blocks made through the Administration API or the console
 * (`config_items`), API keys beyond HOOKLINE_API_KEY (`api_keys`), and console login sessions.
 *
 * A configuration item is one entry of the flows file (an IVR, a Find Me, a number's route...) kept as
 * the JSON of its flows-file shape, so that the same loader validates it and `hookline export` writes it
 * back as YAML unchanged. Keys are text because numbers are (`+18005550100`), and ids are stored as text
 * too so one table serves every kind.
 */
export function adminMigration(flavor: SqlFlavor): Migration {
  const id = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    flavor === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('config_items')
        .ifNotExists()
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('config_items_pk', ['kind', 'key'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .ifNotExists()
        .addColumn('id', 'integer', id)
        .addColumn('name', 'text', (c) => c.notNull())
        // The first characters of the key, shown in lists so a person can tell keys apart.
        .addColumn('prefix', 'text', (c) => c.notNull())
        // SHA-256 of the whole key: keys are 256 random bits, so a slow password hash adds nothing.
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();

      await db.schema
        .createTable('console_sessions')
        .ifNotExists()
        // SHA-256 of the cookie's token: a copy of the database does not log anyone in.
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['console_sessions', 'api_keys', 'config_items']) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
