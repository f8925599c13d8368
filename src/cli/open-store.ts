import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { ConfigError } from '../config/errors.js';
import type { Store } from '../store/types.js';
import { createSqliteStore } from '../store/sqlite.js';

/** SQLite in the data dir by default; Postgres is not built yet, so asking for it is a clear error. */
export async function openStore(settings: Settings): Promise<Store> {
  if (settings.databaseUrl) {
    throw new ConfigError({ key: 'HOOKLINE_DATABASE_URL', message: `Postgres is not supported yet; unset it to use SQLite in ${settings.dataDir}` });
  }
  return createSqliteStore(path.join(settings.dataDir, 'hookline.db'));
}
