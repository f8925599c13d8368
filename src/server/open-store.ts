import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import type { Store } from '../store/types.js';
import { createSqliteStore } from '../store/sqlite.js';
import { createPostgresStore } from '../store/postgres.js';
import { StoreError } from '../store/errors.js';
import { StartupError } from './startup-error.js';

const DATA_DIR_SETTING = '--data-dir or HOOKLINE_DATA_DIR';

/** Why a data dir cannot be used, in words (the errno codes people meet there). */
function dataDirProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way where a directory should be';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: hookline must be able to read and write it';
    case 'EROFS':
      return 'it is on a read-only file system';
    default:
      return err.message;
  }
}

/**
 * The data dir exists (it is created if not) and can be read and written: checked before anything is
 * opened in it, so that a mistake there is one line naming the directory, not an error from SQLite.
 */
export function checkDataDir(dataDir: string): void {
  const dir = path.resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(`cannot use the data dir ${dataDir}: ${dataDirProblem(err as NodeJS.ErrnoException)} (set ${DATA_DIR_SETTING})`, { cause: err });
  }
}

/**
 * SQLite in the data dir by default; Postgres when HOOKLINE_DATABASE_URL names one (several nodes share
 * it). A database that cannot be reached or migrated is one line naming host, port and database (never
 * the password), and the process exits 2 like for every other start-up error.
 */
export async function openStore(settings: Settings): Promise<Store> {
  if (settings.databaseUrl) {
    try {
      return await createPostgresStore(settings.databaseUrl, { nodeId: settings.nodeId });
    } catch (err) {
      if (err instanceof StoreError) throw new StartupError(`${err.message} (set --database-url or HOOKLINE_DATABASE_URL)`, { cause: err });
      throw err;
    }
  }
  checkDataDir(settings.dataDir);
  try {
    return await createSqliteStore(path.join(settings.dataDir, 'hookline.db'), { nodeId: settings.nodeId });
  } catch (err) {
    // A damaged or foreign hookline.db, or one another program holds locked.
    if (err instanceof StoreError) throw new StartupError(`${err.message} (set ${DATA_DIR_SETTING} to use another data dir)`, { cause: err });
    throw err;
  }
}
