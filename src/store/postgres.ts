import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { StoreError, classifyPostgresError } from './errors.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface PostgresStoreOptions {
  clock?: Clock;
  /** Connections this process keeps at most (node-postgres pool); default 10, at least 2 (the migrations hold one for their lock). */
  poolSize?: number;
  /** How long opening a connection may take before it counts as unreachable; default 5 s. */
  connectTimeoutMs?: number;
  /** This process's node id (see KyselyStoreOptions.nodeId). */
  nodeId?: string;
}

/**
 * Key of the session-level advisory lock taken around the migrations (any constant: advisory locks are
 * per database, and this one is only ever taken here). "hookline" in ASCII, as a bigint.
 */
export const MIGRATION_LOCK_KEY = 0x686f6f6b6c696e65n;

/**
 * Where the database is, for messages: host, port and database name, never the user or password, which
 * would end up in logs and terminals.
 */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}${u.port ? `:${u.port}` : ''}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * int8 (20) as a number rather than node-postgres's default string: every bigint here is a millisecond
 * timestamp or a count, far below 2^53, and COUNT(*) and SUM over integers are int8 too. numeric (1700)
 * is what SUM over a bigint column returns. The parsers are set on this pool only, not globally.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Runs the migrations with a session-level advisory lock held on a connection of its own, so that
 * several nodes starting together against an empty database migrate it once: the first takes the lock
 * and migrates, the others wait, then find nothing pending. Kysely takes a lock of its own too, but only
 * after creating its bookkeeping tables, and concurrent `create table if not exists` in Postgres can
 * fail with a duplicate key in the catalog; this lock covers the whole run.
 */
async function migrateLocked(pool: pg.Pool, db: Kysely<Database>): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await migrateToLatest(db, 'postgres');
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } finally {
    lock.release();
  }
}

/**
 * Opens a pool to `url`, checks the server answers, migrates (once across nodes) and returns the same
 * repositories as SQLite. Fails with `open_failed` naming host, port and database when the server
 * cannot be reached or refuses the login.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const where = describePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(2, options.poolSize ?? 10),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // A statement stuck behind a lock must not hold a call's write forever.
    statement_timeout: 30_000,
    application_name: 'hookline',
    types,
  });
  // An idle connection the server drops (restart, network) emits 'error' on the pool; without a
  // listener Node would crash the process. The next query opens a new connection.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreError('open_failed', `cannot connect to Postgres at ${where}: ${detail || (err as { code?: string }).code || 'no answer'}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateLocked(pool, db);
  } catch (err) {
    await db.destroy();
    if (err instanceof StoreError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreError('open_failed', `cannot migrate Postgres at ${where}: ${detail}`, { cause: err });
  }
  return createKyselyStore(db, { clock: options.clock, classify: classifyPostgresError, flavor: 'postgres', ...(options.nodeId !== undefined ? { nodeId: options.nodeId } : {}) });
}
