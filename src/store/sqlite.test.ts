import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { createSqliteStore, openSqliteDatabase } from './sqlite.js';
import { call, runStoreSuite } from './store.suite.js';
import { runAdminStoreSuite } from './admin.suite.js';
import { runReportStoreSuite } from './report.suite.js';
import { runHistoryStoreSuite } from './history.suite.js';
import { runRecoveryStoreSuite } from './recovery.suite.js';
import { runSourcetrakStoreSuite } from './sourcetrak.suite.js';
import { runTranscriptionStoreSuite } from './transcription.suite.js';
import { runNodesStoreSuite } from './nodes.suite.js';
import { migrationProvider } from './migrations/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hookline-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => join(dir, `db-${++n}`, 'hookline.sqlite');

runStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
// A file too, since WAL and the created directory only exist there.
runStoreSuite('sqlite file', ({ clock }) => createSqliteStore(freshFile(), { clock }));
runAdminStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
runReportStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
// A file too: the migration that adds recordings.findme_id runs over a real file's schema.
runReportStoreSuite('sqlite file', ({ clock }) => createSqliteStore(freshFile(), { clock }));
runHistoryStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
runRecoveryStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
runSourcetrakStoreSuite('sqlite :memory:', ({ clock }) => createSqliteStore(':memory:', { clock }));
// A file too: the transaction that stores a text and queues its post-back runs over WAL there.
runTranscriptionStoreSuite('sqlite file', ({ clock }) => createSqliteStore(freshFile(), { clock }));
// Two stores on one file: the closest SQLite comes to two nodes (it is meant for one).
runNodesStoreSuite('sqlite file', async ({ clock }) => {
  const file = freshFile();
  return (nodeId) => createSqliteStore(file, { clock, nodeId });
});

describe('SQLite specifics', () => {
  it('creates the parent directory and sets the PRAGMAs', () => {
    const path = join(dir, 'nested', 'deeper', 'x.sqlite');
    const db = openSqliteDatabase(path, { busyTimeoutMs: 1234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
  });

  it('keeps data across reopen and runs each migration once', async () => {
    const path = freshFile();
    const first = await createSqliteStore(path);
    await first.calls.create(call());
    await first.close();

    const second = await createSqliteStore(path);
    expect(await second.calls.get(call().sessionId)).toEqual(call());
    await second.close();

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      // Each migration once, in order, whatever the latest is.
      const names = Object.keys(await migrationProvider('sqlite').getMigrations()).sort();
      expect(names[0]).toBe('001_initial');
      expect(raw.prepare('select name from kysely_migration order by name').pluck().all()).toEqual(names);
    } finally {
      raw.close();
    }
  });

  it('never reuses an ivr_response_id, even after the newest row is deleted', async () => {
    const path = freshFile();
    const store = await createSqliteStore(path);
    await store.calls.create(call());
    const first = await store.interactions.start({ sessionId: call().sessionId, ivrId: 1, startedAt: new Date() });
    const raw = new BetterSqlite3(path);
    raw.prepare('delete from interactions where id = ?').run(first);
    raw.close();
    const second = await store.interactions.start({ sessionId: call().sessionId, ivrId: 1, startedAt: new Date() });
    expect(second).toBeGreaterThan(first);
    await store.close();
  });

  it('deletes a call\'s timeline and blocks with the call (what retention relies on)', async () => {
    const path = freshFile();
    const store = await createSqliteStore(path);
    await store.calls.create(call());
    await store.history.appendEvents([{ sessionId: call().sessionId, at: new Date(), type: 'answered', data: {} }]);
    await store.history.addBlock({ sessionId: call().sessionId, block: 'ivr/10', at: new Date() });
    const raw = openSqliteDatabase(path);
    raw.prepare('delete from calls where session_id = ?').run(call().sessionId);
    expect(raw.prepare('select (select count(*) from call_events) + (select count(*) from call_blocks)').pluck().get()).toBe(0);
    raw.close();
    await store.close();
  });

  it('fails to open with a StoreError naming the path', async () => {
    const notADir = join(dir, 'plain-file');
    writeFileSync(notADir, 'x');
    const err: unknown = await createSqliteStore(join(notADir, 'db.sqlite')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'open_failed' });
    expect((err as StoreError).message).toContain(notADir);
  });

  it('reports a migration failure as migration_failed', async () => {
    const path = freshFile();
    const raw = openSqliteDatabase(path);
    // A table with the right name but the wrong shape makes the index creation fail.
    raw.exec('create table calls (x integer)');
    raw.close();
    await expect(createSqliteStore(path)).rejects.toMatchObject({ code: 'migration_failed' });
  });

  it('maps a held write lock to busy after the busy timeout', async () => {
    const path = freshFile();
    const store = await createSqliteStore(path, { busyTimeoutMs: 50 });
    const other = new BetterSqlite3(path);
    other.exec('begin immediate');
    try {
      await expect(store.calls.create(call())).rejects.toMatchObject({ code: 'busy' });
    } finally {
      other.exec('rollback');
      other.close();
      await store.close();
    }
  });
});
