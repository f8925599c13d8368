import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from './schema.js';
import { z } from 'zod';
import type { ApiKeyRecord, ApiKeyRepo, ApiScope, ConfigItemRepo, ConsoleSessionRepo, NodeLoad, NodeRepo } from './types.js';
import { fromMs, optDate, toMs, type RepoContext } from './codec.js';

/** Moves the `config` revision (migration 009); run in the transaction of the write it announces. */
async function bumpConfigRevision(db: Kysely<Database>): Promise<void> {
  await db.updateTable('revisions').set((eb) => ({ value: eb('value', '+', 1) })).where('name', '=', 'config').execute();
}

/** Runs a write and, when it changed something, moves the revision with it: both or neither. */
function announced(db: Kysely<Database>, write: (trx: Kysely<Database>) => Promise<boolean>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const changed = await write(trx);
    if (changed) await bumpConfigRevision(trx);
    return changed;
  });
}

export function createConfigItemRepo(ctx: RepoContext): ConfigItemRepo {
  return {
    revision: () =>
      ctx.run('config.revision', async (db) => {
        const row = await db.selectFrom('revisions').select('value').where('name', '=', 'config').executeTakeFirst();
        return Number(row?.value ?? 0);
      }),

    all: () =>
      ctx.run('config.all', async (db) => {
        const rows = await db.selectFrom('config_items').selectAll().orderBy('kind').orderBy('key').execute();
        return rows.map((r) => ({ kind: r.kind, key: r.key, body: r.body, updatedAt: fromMs(r.updated_at) }));
      }),

    put: (item, expected) =>
      ctx.run('config.put', (db0) => announced(db0, async (db) => {
        const updatedAt = ctx.clock.now();
        if (expected && 'absent' in expected) {
          // ON CONFLICT DO NOTHING: of two creators racing for one id, exactly one gets a row.
          const r = await db
            .insertInto('config_items')
            .values({ kind: item.kind, key: item.key, body: item.body, updated_at: updatedAt })
            .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
            .returning('key')
            .executeTakeFirst();
          return r !== undefined;
        }
        if (expected) {
          // Compare-and-swap on the body itself: the ETag is a hash of it, so "unchanged body" is
          // exactly "the version the client saw", without a version column to keep in step.
          const r = await db
            .updateTable('config_items')
            .set({ body: item.body, updated_at: updatedAt })
            .where('kind', '=', item.kind)
            .where('key', '=', item.key)
            .where('body', '=', expected.body)
            .executeTakeFirst();
          return r.numUpdatedRows === 1n;
        }
        await db
          .insertInto('config_items')
          .values({ kind: item.kind, key: item.key, body: item.body, updated_at: updatedAt })
          .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ body: item.body, updated_at: updatedAt }))
          .execute();
        return true;
      })),

    delete: (kind, key, expectedBody) =>
      ctx.run('config.delete', (db0) => announced(db0, async (db) => {
        let q = db.deleteFrom('config_items').where('kind', '=', kind).where('key', '=', key);
        if (expectedBody !== undefined) q = q.where('body', '=', expectedBody);
        const r = await q.executeTakeFirst();
        return r.numDeletedRows === 1n;
      })),
  };
}

function scopesOf(text: string): ApiScope[] {
  return text.split(' ').filter((s): s is ApiScope => s === 'read' || s === 'calls' || s === 'admin');
}

function toKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  const rec: ApiKeyRecord = { id: r.id, name: r.name, prefix: r.prefix, scopes: scopesOf(r.scopes), createdAt: fromMs(r.created_at) };
  const used = optDate(r.last_used_at);
  if (used) rec.lastUsedAt = used;
  return rec;
}

export function createApiKeyRepo(ctx: RepoContext): ApiKeyRepo {
  return {
    create: (k) =>
      ctx.run('apiKeys.create', async (db) => {
        const row = await db
          .insertInto('api_keys')
          .values({ name: k.name, prefix: k.prefix, hash: k.hash, scopes: k.scopes.join(' '), created_at: ctx.clock.now() })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toKey(row);
      }),
    list: () =>
      ctx.run('apiKeys.list', async (db) => (await db.selectFrom('api_keys').selectAll().orderBy('id').execute()).map(toKey)),
    byHash: (hash) =>
      ctx.run('apiKeys.byHash', async (db) => {
        const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
        return row && toKey(row);
      }),
    touch: (id, at) =>
      ctx.run('apiKeys.touch', async (db) => {
        await db.updateTable('api_keys').set({ last_used_at: toMs(at, 'at') }).where('id', '=', id).execute();
      }),
    delete: (id) =>
      ctx.run('apiKeys.delete', async (db) => (await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst()).numDeletedRows === 1n),
  };
}

export function createConsoleSessionRepo(ctx: RepoContext): ConsoleSessionRepo {
  return {
    create: (s) =>
      ctx.run('sessions.create', async (db) => {
        await db
          .insertInto('console_sessions')
          .values({
            token_hash: s.tokenHash,
            csrf: s.csrf,
            user_name: s.userName,
            created_at: toMs(s.createdAt, 'createdAt'),
            expires_at: toMs(s.expiresAt, 'expiresAt'),
          })
          .execute();
      }),
    get: (tokenHash) =>
      ctx.run('sessions.get', async (db) => {
        const r = await db.selectFrom('console_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        if (!r) return undefined;
        return { tokenHash: r.token_hash, csrf: r.csrf, userName: r.user_name, createdAt: fromMs(r.created_at), expiresAt: fromMs(r.expires_at) };
      }),
    delete: (tokenHash) =>
      ctx.run('sessions.delete', async (db) => {
        await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
      }),
    purge: (now) =>
      ctx.run('sessions.purge', async (db) => {
        const r = await db.deleteFrom('console_sessions').where('expires_at', '<', toMs(now, 'now')).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
  };
}


export function createNodeRepo(ctx: RepoContext): NodeRepo {
  return {
    heartbeat: (info) =>
      ctx.run('nodes.heartbeat', async (db) => {
        const now = ctx.clock.now();
        const values = { started_at: toMs(info.startedAt, 'startedAt'), seen_at: now, sip: info.sip, http: info.http, load: info.load ? JSON.stringify(info.load) : '' };
        await db
          .insertInto('nodes')
          .values({ node_id: ctx.nodeId, ...values })
          .onConflict((oc) => oc.column('node_id').doUpdateSet(values))
          .execute();
      }),

    list: () =>
      ctx.run('nodes.list', async (db) => {
        const rows = await db.selectFrom('nodes').selectAll().orderBy('node_id').execute();
        return rows.map((r) => {
          const load = parseLoad(r.load);
          return { nodeId: r.node_id, startedAt: fromMs(r.started_at), seenAt: fromMs(r.seen_at), sip: r.sip, http: r.http, ...(load ? { load } : {}) };
        });
      }),

    forget: (nodeId, seenBefore) =>
      ctx.run('nodes.forget', async (db) => {
        // One statement: a heartbeat landing meanwhile keeps the row.
        const r = await db.deleteFrom('nodes').where('node_id', '=', nodeId).where('seen_at', '<', toMs(seenBefore, 'seenBefore')).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
  };
}

/** What a heartbeat writes in `nodes.load` (NodeLoad); another version may have written more, or less. */
const nodeLoadSchema = z.object({
  calls: z.number(),
  maxCalls: z.number(),
  mediaLateMs: z.number(),
  loopLagMs: z.number().optional(),
  refused: z.number(),
  sipUdpDrops: z.number().optional(),
});

/** The load a heartbeat wrote; undefined for '' (none yet) or anything that is not one. */
function parseLoad(text: string): NodeLoad | undefined {
  if (!text) return undefined;
  try {
    const r = nodeLoadSchema.safeParse(JSON.parse(text));
    if (!r.success) return undefined;
    const { sipUdpDrops, ...rest } = r.data;
    return sipUdpDrops === undefined ? rest : { ...rest, sipUdpDrops };
  } catch {
    return undefined; // not JSON
  }
}
