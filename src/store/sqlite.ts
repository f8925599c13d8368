import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { StoreError, classifySqliteError } from './errors.js';
import { createKyselyStore } from './kysely-store.js';
import { withStatementCache } from './statement-cache.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  clock?: Clock;
  /** How long a write waits for another connection's lock before failing with `busy`. */
  busyTimeoutMs?: number;
  /** This process's node id (see KyselyStoreOptions.nodeId). */
  nodeId?: string;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the file (creating its directory) and sets the per-connection PRAGMAs.
 *
 * journal_mode=WAL: readers (the console, `hookline simulate` against a live data dir) never block the
 * writer, and a commit is one sequential append to the -wal file.
 *
 * synchronous=NORMAL is durable against a crash of the process, which is the failure this store
 * promises to survive: each commit's frames are written to the -wal file with write(2) before the
 * statement returns, so they sit in the kernel's page cache, which outlives a killed process; the next
 * open replays the WAL. What NORMAL gives up compared to FULL is the fsync per commit, so an OS crash or
 * power cut can roll back the last few commits (never corrupt the file: WAL fsyncs at checkpoints).
 * The trade matters because better-sqlite3 is synchronous: a commit blocks the event loop that also
 * paces every call's 20 ms media frames. Measured on this project's VM (ext4, Kysely, awaited insert):
 * ~60 µs with NORMAL vs ~250 µs with FULL, and an fsync on a busy or slow disk can take milliseconds.
 *
 * busy_timeout is set first so the switch to WAL itself waits out another process holding the file.
 * foreign_keys is off by default in SQLite and must be asked for on every connection.
 */
export function openSqliteDatabase(path: string, options: SqliteStoreOptions = {}): BetterSqlite3.Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new BetterSqlite3(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    const mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
    // An in-memory database reports "memory", which has nothing to make durable. A file where WAL is
    // refused (some network filesystems) keeps a rollback journal, where only FULL is crash-safe.
    const sync = mode === 'wal' || mode === 'memory' ? 'NORMAL' : 'FULL';
    db.pragma(`synchronous = ${sync}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Opens (or creates) a SQLite store and migrates it to the latest schema. */
export async function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = openSqliteDatabase(path, options);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreError('open_failed', `cannot open SQLite database ${path}: ${detail}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createKyselyStore(db, { clock: options.clock, classify: classifySqliteError, flavor: 'sqlite', ...(options.nodeId !== undefined ? { nodeId: options.nodeId } : {}) });
}
