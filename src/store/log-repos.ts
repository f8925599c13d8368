import type { Selectable } from 'kysely';
import { StoreError } from './errors.js';
import type { RecordingsTable, WebhookLogTable } from './schema.js';
import type { RecordingRecord, RecordingRepo, WebhookLogEntry, WebhookLogRepo } from './types.js';
import { checkLimit, ensureUpdated, fromMs, opt, toMs, whole, type RepoContext } from './codec.js';

function parseParams(json: string, id: number): Array<[string, string]> {
  try {
    return JSON.parse(json) as Array<[string, string]>;
  } catch (err) {
    throw new StoreError('query_failed', `webhook_log ${id}: params are not valid JSON`, { cause: err });
  }
}

function toEntry(r: Selectable<WebhookLogTable>): WebhookLogEntry {
  return {
    id: r.id,
    sessionId: opt(r.session_id),
    kind: r.kind as WebhookLogEntry['kind'],
    method: r.method as WebhookLogEntry['method'],
    url: r.url,
    params: parseParams(r.params, r.id),
    sentAt: fromMs(r.sent_at),
    status: opt(r.status),
    latencyMs: opt(r.latency_ms),
    responseBody: opt(r.response_body),
    failure: opt(r.failure),
    attempt: r.attempt,
    ...(r.replay_of !== null ? { replayOf: r.replay_of } : {}),
  };
}

export function toRecording(r: Selectable<RecordingsTable>): RecordingRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    kind: r.kind as RecordingRecord['kind'],
    path: r.path,
    durationMs: r.duration_ms,
    callerId: r.caller_id,
    createdAt: fromMs(r.created_at),
    responseId: opt(r.response_id),
    questionNo: opt(r.question_no),
    voicemailId: opt(r.voicemail_id),
    findmeId: opt(r.findme_id),
  };
}

/**
 * The request is written before it is sent and completed after, in two writes, so that a request whose
 * process died mid-flight still shows in the log (with no outcome) instead of vanishing.
 */
export function createWebhookLogRepo(ctx: RepoContext): WebhookLogRepo {
  return {
    logRequest: (e) =>
      ctx.run('webhooks.logRequest', async (db) => {
        const row = await db
          .insertInto('webhook_log')
          .values({
            session_id: e.sessionId ?? null,
            kind: e.kind,
            method: e.method,
            url: e.url,
            params: JSON.stringify(e.params),
            sent_at: toMs(e.sentAt, 'sentAt'),
            attempt: whole(e.attempt, 'attempt'),
            replay_of: e.replayOf ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      }),

    logOutcome: (id, o) =>
      ctx.run('webhooks.logOutcome', async (db) => {
        const r = await db
          .updateTable('webhook_log')
          .set({
            status: o.status ?? null,
            latency_ms: whole(o.latencyMs, 'latencyMs'),
            response_body: o.responseBody ?? null,
            failure: o.failure ?? null,
          })
          .where('id', '=', id)
          .executeTakeFirst();
        ensureUpdated(r, `webhook_log entry ${id}`);
      }),

    forSession: (sessionId) =>
      ctx.run('webhooks.forSession', async (db) => {
        const rows = await db
          .selectFrom('webhook_log')
          .selectAll()
          .where('session_id', '=', sessionId)
          .orderBy('sent_at')
          .orderBy('id')
          .execute();
        return rows.map(toEntry);
      }),

    recent: (limit) =>
      ctx.run('webhooks.recent', async (db) => {
        const rows = await db
          .selectFrom('webhook_log')
          .selectAll()
          .orderBy('sent_at', 'desc')
          .orderBy('id', 'desc')
          .limit(checkLimit(limit))
          .execute();
        return rows.map(toEntry);
      }),

    get: (id) =>
      ctx.run('webhooks.get', async (db) => {
        const row = await db.selectFrom('webhook_log').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toEntry(row);
      }),

    list: (f, beforeId, limit) =>
      ctx.run('webhooks.list', async (db) => {
        let q = db.selectFrom('webhook_log').selectAll();
        if (f.sessionId !== undefined) q = q.where('session_id', '=', f.sessionId);
        if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
        // `is not null` matches the partial index webhook_log_failed.
        if (f.failed === true) q = q.where('failure', 'is not', null);
        if (f.failed === false) q = q.where('failure', 'is', null);
        if (f.since !== undefined) q = q.where('sent_at', '>=', toMs(f.since, 'since'));
        if (f.until !== undefined) q = q.where('sent_at', '<', toMs(f.until, 'until'));
        if (beforeId !== undefined) q = q.where('id', '<', beforeId);
        const rows = await q.orderBy('id', 'desc').limit(checkLimit(limit)).execute();
        return rows.map(toEntry);
      }),
  };
}

export function createRecordingRepo(ctx: RepoContext): RecordingRepo {
  return {
    add: (rec) =>
      ctx.run('recordings.add', async (db) => {
        const row = await db
          .insertInto('recordings')
          .values({
            session_id: rec.sessionId,
            kind: rec.kind,
            path: rec.path,
            duration_ms: whole(rec.durationMs, 'durationMs'),
            caller_id: rec.callerId,
            created_at: toMs(rec.createdAt, 'createdAt'),
            response_id: rec.responseId ?? null,
            question_no: rec.questionNo ?? null,
            voicemail_id: rec.voicemailId ?? null,
            findme_id: rec.findmeId ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      }),

    forSession: (sessionId) =>
      ctx.run('recordings.forSession', async (db) => {
        const rows = await db
          .selectFrom('recordings')
          .selectAll()
          .where('session_id', '=', sessionId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(toRecording);
      }),

    get: (id) =>
      ctx.run('recordings.get', async (db) => {
        const row = await db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toRecording(row);
      }),

    list: (f, beforeId, limit) =>
      ctx.run('recordings.list', async (db) => {
        let q = db.selectFrom('recordings').selectAll();
        if (f.sessionId !== undefined) q = q.where('session_id', '=', f.sessionId);
        if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
        if (f.voicemailId !== undefined) q = q.where('voicemail_id', '=', f.voicemailId);
        if (beforeId !== undefined) q = q.where('id', '<', beforeId);
        const rows = await q.orderBy('id', 'desc').limit(checkLimit(limit)).execute();
        return rows.map(toRecording);
      }),

    delete: (id) =>
      ctx.run('recordings.delete', async (db) => {
        const r = await db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
        return r.numDeletedRows > 0n;
      }),
  };
}
