/** The store layer's public surface; other layers import from here, never from the files behind it. */
export type * from './types.js';
export { StoreError, classifySqliteError, classifyPostgresError, type ErrorClassifier, type StoreErrorCode } from './errors.js';
export { createSqliteStore, openSqliteDatabase, type SqliteStoreOptions } from './sqlite.js';
export { createPostgresStore, describePostgresUrl, type PostgresStoreOptions } from './postgres.js';
export { createKyselyStore, type KyselyStoreOptions } from './kysely-store.js';
export { migrateToLatest, migrationProvider } from './migrations/index.js';
export type { Database, SqlFlavor } from './schema.js';
