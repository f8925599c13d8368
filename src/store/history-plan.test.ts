import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySqliteError } from './errors.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import type { CallFilter, CallPageKey, Store } from './types.js';

/**
 * The history must stay fast with many calls: each search (every filter, with and without a page
 * start) must be served by an index in the order asked for, never a full scan or a sort of all
 * matching rows. SQLite's EXPLAIN QUERY PLAN says which; bench/history.ts measures the time.
 */
describe('call history query plans (SQLite)', () => {
  const raw = new BetterSqlite3(':memory:');
  const queries: CompiledQuery[] = [];
  let store: Store;
  beforeAll(async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log: (e) => {
      if (e.level === 'query') queries.push(e.query);
    } });
    await migrateToLatest(db, 'sqlite');
    store = createKyselyStore(db, { classify: classifySqliteError, flavor: 'sqlite' });
  });
  afterAll(() => store.close());

  async function plan(run: () => Promise<unknown>): Promise<string> {
    queries.length = 0;
    await run();
    const q = queries.at(-1)!;
    const rows = raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join('\n');
  }

  const after: CallPageKey = { startedAt: new Date(Date.UTC(2026, 0, 1)), sessionId: 'f'.repeat(32) };
  const since = new Date(Date.UTC(2025, 0, 1));
  const until = new Date(Date.UTC(2026, 0, 1));
  const cases: Array<[string, CallFilter, string]> = [
    ['no filter', {}, 'calls_started'],
    ['number', { number: '+18005550100' }, 'calls_to'],
    ['caller', { caller: '+13125550100' }, 'calls_from'],
    ['end_reason', { endReason: 'hangup' }, 'calls_end_reason'],
    ['direction', { direction: 'outbound' }, 'calls_direction'],
    ['time range', { since, until }, 'calls_started'],
    ['block', { block: 'ivr/10' }, 'call_blocks_block'],
  ];
  for (const [name, filter, index] of cases) {
    for (const page of [undefined, after]) {
      it(`${name}${page ? ', from a cursor' : ''}: one index in order, no sort`, async () => {
        const p = await plan(() => store.history.search(filter, page, 50));
        expect(p).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`));
        // A full scan reads "SCAN c" with no index; a sort of every match, "USE TEMP B-TREE".
        expect(p).not.toMatch(/TEMP B-TREE|^SCAN \w+$/m);
      });
    }
  }

  it('webhook log: failures from the partial index, a kind from its own', async () => {
    expect(await plan(() => store.webhooks.list({ failed: true }, 100, 50))).toContain('webhook_log_failed');
    expect(await plan(() => store.webhooks.list({ kind: 'ivr' }, undefined, 50))).toContain('webhook_log_kind');
    expect(await plan(() => store.recordings.list({ voicemailId: 3 }, undefined, 50))).toContain('recordings_voicemail');
  });
});
