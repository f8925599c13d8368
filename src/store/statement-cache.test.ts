import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { onPreemptionPoint } from '../lib/preempt.js';
import { withStatementCache } from './statement-cache.js';

let open: BetterSqlite3.Database[] = [];
afterEach(() => {
  for (const db of open) if (db.open) db.close();
  open = [];
});

function memory(): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  open.push(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  return db;
}

describe('withStatementCache', () => {
  it('offers due audio a turn before each statement (a preemption point, lib/preempt.ts)', () => {
    const db = withStatementCache(memory());
    let points = 0;
    const off = onPreemptionPoint(() => void points++);
    try {
      db.prepare('SELECT 1');
      db.prepare('SELECT 1');
    } finally {
      off();
    }
    expect(points).toBe(2);
  });

  it('prepares a query once and reuses it, each run with its own parameters', () => {
    const raw = memory();
    let prepared = 0;
    const counting = Object.assign(Object.create(raw) as BetterSqlite3.Database, {
      prepare: (q: string) => {
        prepared++;
        return raw.prepare(q);
      },
    });
    const db = withStatementCache(counting);
    const insert = 'INSERT INTO t (v) VALUES (?)';
    expect(db.prepare(insert)).toBe(db.prepare(insert));
    db.prepare(insert).run(['a']);
    db.prepare(insert).run(['b']);
    expect(db.prepare('SELECT v FROM t ORDER BY id').all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(prepared).toBe(2);
  });

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const db = withStatementCache(memory());
    db.prepare('INSERT INTO t (v) VALUES (?)').run(['x']);
    db.prepare('INSERT INTO t (v) VALUES (?)').run(['y']);
    const q = 'SELECT v FROM t ORDER BY id';
    const outer = db.prepare(q).iterate([]);
    const first = outer.next();
    // The same SQL again before the first iteration ended: a statement of its own, not "busy".
    expect(db.prepare(q).all([])).toEqual([{ v: 'x' }, { v: 'y' }]);
    expect([first.value, outer.next().value]).toEqual([{ v: 'x' }, { v: 'y' }]);
    outer.return?.();
  });

  it('keeps at most `max` statements, dropping the least recently used', () => {
    const raw = memory();
    let prepared = 0;
    const counting = Object.assign(Object.create(raw) as BetterSqlite3.Database, {
      prepare: (q: string) => {
        prepared++;
        return raw.prepare(q);
      },
    });
    const db = withStatementCache(counting, 2);
    db.prepare('SELECT 1');
    db.prepare('SELECT 2');
    db.prepare('SELECT 1'); // now the most recent
    db.prepare('SELECT 3'); // evicts SELECT 2
    expect(prepared).toBe(3);
    db.prepare('SELECT 1');
    expect(prepared).toBe(3);
    db.prepare('SELECT 2');
    expect(prepared).toBe(4);
  });

  it('serves Kysely: repeated queries with different parameters return their own rows', async () => {
    const k = new Kysely<{ t: { id: number; v: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(memory()) }) });
    for (const v of ['p', 'q', 'r']) await k.insertInto('t').values({ v } as never).execute();
    for (const v of ['p', 'q', 'r']) expect(await k.selectFrom('t').select('v').where('v', '=', v).execute()).toEqual([{ v }]);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(k)).rows).toEqual([{ n: 3 }]);
    await k.destroy();
  });
});
