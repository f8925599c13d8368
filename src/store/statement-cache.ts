import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { preemptionPoint } from '../lib/preempt.js';

/**
 * The database as Kysely's SQLite dialect sees it, with prepared statements kept by their SQL text.
 * Kysely prepares every query afresh (sqlite3_prepare: parse and plan), and the same few dozen queries
 * run for every call: profiled under 1,000 calls ending together, preparing took 5 % of the main
 * thread, which also paces every call's audio, beside 7 % running the statements. A statement is reused
 * only once the previous run returned (every Kysely query runs to completion synchronously here; a
 * streamed query, which would hold its statement open, gets a fresh one).
 */
export function withStatementCache(db: BetterSqlite3.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      // Every query passes here, where its caller is suspended at an await: due audio goes out first.
      preemptionPoint();
      let stmt = cache.get(sql);
      if (stmt && !stmt.busy) {
        // Most recently used last, so that the first key is the one to evict.
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt as unknown as SqliteStatement;
      }
      stmt = db.prepare(sql);
      if (!cache.has(sql)) {
        cache.set(sql, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}
