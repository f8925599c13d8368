/**
 * The store contract suites over Postgres: a cluster of our own (src/testkit/postgres.ts) for this file,
 * and a fresh database per case, copied from a template that the first case migrates (a copy is a file
 * copy on the server, much faster than running every migration again).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPostgres, startPostgres, type PgCluster } from '../testkit/postgres.js';
import { call, runStoreSuite, type StoreFactory } from './store.suite.js';
import { runAdminStoreSuite } from './admin.suite.js';
import { runReportStoreSuite } from './report.suite.js';
import { runHistoryStoreSuite } from './history.suite.js';
import { runRecoveryStoreSuite } from './recovery.suite.js';
import { runNodesStoreSuite } from './nodes.suite.js';
import { createPostgresStore, describePostgresUrl } from './postgres.js';
import { migrationProvider } from './migrations/index.js';
import { StoreError, classifyPostgresError } from './errors.js';
import { onPreemptionPoint } from '../lib/preempt.js';
import { FakeClock } from '../lib/clock.js';

const skip = skipWithoutPostgres();

describe.skipIf(skip)('Postgres store', () => {
  let cluster: PgCluster;
  let template: Promise<string> | undefined;

  beforeAll(async () => {
    cluster = await startPostgres();
  }, 90_000);
  afterAll(() => cluster?.stop());

  /** A new database holding the migrated schema and nothing else. */
  async function freshDatabase(): Promise<string> {
    template ??= (async () => {
      const url = await cluster.createDatabase('template');
      await (await createPostgresStore(url)).close();
      return new URL(url).pathname.slice(1);
    })();
    const name = await template;
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    const db = `case_${Math.random().toString(36).slice(2, 10)}`;
    try {
      await admin.query(`create database "${db}" template "${name}"`);
    } finally {
      await admin.end();
    }
    return `${cluster.url.replace(/\/postgres$/, '')}/${db}`;
  }

  const factory: StoreFactory = async ({ clock }) => createPostgresStore(await freshDatabase(), { clock, poolSize: 4 });

  runStoreSuite('postgres', factory);
  runAdminStoreSuite('postgres', factory);
  runReportStoreSuite('postgres', factory);
  runHistoryStoreSuite('postgres', factory);
  runRecoveryStoreSuite('postgres', factory);
  runNodesStoreSuite('postgres', async ({ clock }) => {
    const url = await freshDatabase();
    return (nodeId) => createPostgresStore(url, { clock, nodeId, poolSize: 4 });
  });

  describe('Postgres specifics', () => {
    it('offers due audio a turn when an answer comes back (a preemption point, lib/preempt.ts)', async () => {
      const store = await factory({ clock: new FakeClock() });
      let points = 0;
      const off = onPreemptionPoint(() => void points++);
      try {
        await store.calls.create(call());
        expect(points).toBeGreaterThan(0);
      } finally {
        off();
        await store.close();
      }
    });

    it('migrates once when several nodes start together on an empty database', async () => {
      const url = await cluster.createDatabase('race');
      const stores = await Promise.all(Array.from({ length: 5 }, () => createPostgresStore(url, { poolSize: 2 })));
      await stores[0]!.calls.create(call());
      // Every node sees the row the first wrote: one schema, not five.
      for (const s of stores) expect(await s.calls.get(call().sessionId)).toEqual(call());
      await Promise.all(stores.map((s) => s.close()));

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const names = Object.keys(await migrationProvider('postgres').getMigrations()).sort();
        const rows = await client.query<{ name: string }>('select name from kysely_migration order by name');
        expect(rows.rows.map((r) => r.name)).toEqual(names);
      } finally {
        await client.end();
      }
    }, 60_000);

    it('fails to open with open_failed naming host, port and database, never the password', async () => {
      const url = `postgres://hookline:s3cret@127.0.0.1:${cluster.port + 1}/nowhere`;
      const err: unknown = await createPostgresStore(url, { connectTimeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'open_failed' });
      expect((err as Error).message).toContain(`127.0.0.1:${cluster.port + 1}/nowhere`);
      expect((err as Error).message).not.toContain('s3cret');
    });

    it('says which database in messages without the credentials', () => {
      expect(describePostgresUrl('postgres://u:pw@db.example:6543/hookline?sslmode=require')).toBe('db.example:6543/hookline');
    });

    it('maps a duplicate key to constraint, and gets over connections the server dropped', async () => {
      const url = await freshDatabase();
      const store = await createPostgresStore(url, { poolSize: 2 });
      await store.calls.create(call());
      await expect(store.calls.create(call())).rejects.toMatchObject({ code: 'constraint' });
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      const db = new URL(url).pathname.slice(1);
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [db]);
      await admin.end();
      expect(killed.rowCount).toBeGreaterThan(0);
      // The pool drops the dead connections and opens new ones: the next read just works.
      await new Promise((r) => setTimeout(r, 100));
      expect(await store.calls.get(call().sessionId)).toEqual(call());
      await store.close();
    });

    it('classifies lost connections as unavailable', () => {
      const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
      expect(classifyPostgresError(withCode('ECONNREFUSED'))).toBe('unavailable');
      expect(classifyPostgresError(withCode('57P01'))).toBe('unavailable');
      expect(classifyPostgresError(withCode('08006'))).toBe('unavailable');
      expect(classifyPostgresError(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
      expect(classifyPostgresError(withCode('23505'))).toBe('constraint');
      expect(classifyPostgresError(withCode('40P01'))).toBe('busy');
      expect(classifyPostgresError(withCode('42P01'))).toBe('query_failed');
    });
  });
});
