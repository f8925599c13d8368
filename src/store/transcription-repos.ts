import type { Selectable } from 'kysely';
import type { TranscriptionJobsTable } from './schema.js';
import type { TranscriptionJob, TranscriptionRepo } from './types.js';
import { checkLimit, fromMs, opt, optDate, toMs, whole, type RepoContext } from './codec.js';

function toJob(r: Selectable<TranscriptionJobsTable>): TranscriptionJob {
  const job: TranscriptionJob = {
    id: r.id,
    sessionId: r.session_id,
    ivrId: r.ivr_id,
    responseId: r.response_id,
    questionNo: r.question_no,
    recordingPath: r.recording_path,
    durationMs: r.duration_ms,
    mode: r.mode as TranscriptionJob['mode'],
    state: r.state as TranscriptionJob['state'],
    attempts: r.attempts,
    nextAttemptAt: fromMs(r.next_attempt_at),
    createdAt: fromMs(r.created_at),
    timezone: r.timezone,
  };
  const finishedAt = optDate(r.finished_at);
  if (finishedAt) job.finishedAt = finishedAt;
  if (r.claimed_by !== null) job.claimedBy = r.claimed_by;
  const claimedUntil = optDate(r.claimed_until);
  if (claimedUntil) job.claimedUntil = claimedUntil;
  if (r.text !== null) job.text = r.text;
  if (r.engine !== null) job.engine = r.engine;
  if (r.last_error !== null) job.lastError = r.last_error;
  if (r.postback_url !== null) job.postback = { url: r.postback_url, ...(r.postback_secret !== null ? { secret: r.postback_secret } : {}) };
  const outboxId = opt(r.outbox_id);
  if (outboxId !== undefined) job.outboxId = outboxId;
  return job;
}

/**
 * Every state change is guarded by `state = 'pending'`: a job that is done, failed or skipped is final,
 * so an engine that answers after a person already typed the text, or two people submitting at once,
 * cannot store a second text or queue a second post-back.
 */
export function createTranscriptionRepo(ctx: RepoContext): TranscriptionRepo {
  return {
    create: (job) =>
      ctx.run('transcriptions.create', async (db) => {
        const at = toMs(job.createdAt, 'createdAt');
        const row = await db
          .insertInto('transcription_jobs')
          .values({
            session_id: job.sessionId,
            ivr_id: job.ivrId,
            response_id: job.responseId,
            question_no: job.questionNo,
            recording_path: job.recordingPath,
            duration_ms: whole(job.durationMs, 'durationMs'),
            mode: job.mode,
            state: 'pending',
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
            timezone: job.timezone,
            postback_url: job.postback?.url ?? null,
            postback_secret: job.postback?.secret ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      }),

    get: (id) =>
      ctx.run('transcriptions.get', async (db) => {
        const row = await db.selectFrom('transcription_jobs').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toJob(row);
      }),

    due: (mode, now, limit) =>
      ctx.run('transcriptions.due', async (db) => {
        const rows = await db
          .selectFrom('transcription_jobs')
          .selectAll()
          .where('state', '=', 'pending')
          .where('mode', '=', mode)
          .where('next_attempt_at', '<=', toMs(now, 'now'))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(checkLimit(limit))
          .execute();
        return rows.map(toJob);
      }),

    list: (filter, afterId, limit) =>
      ctx.run('transcriptions.list', async (db) => {
        let q = db.selectFrom('transcription_jobs').selectAll();
        if (filter.state !== undefined) q = q.where('state', '=', filter.state);
        if (filter.mode !== undefined) q = q.where('mode', '=', filter.mode);
        if (filter.sessionId !== undefined) q = q.where('session_id', '=', filter.sessionId);
        if (afterId !== undefined) q = q.where('id', '>', afterId);
        const rows = await q.orderBy('id').limit(checkLimit(limit)).execute();
        return rows.map(toJob);
      }),

    forSession: (sessionId) =>
      ctx.run('transcriptions.forSession', async (db) => {
        const rows = await db.selectFrom('transcription_jobs').selectAll().where('session_id', '=', sessionId).orderBy('id').execute();
        return rows.map(toJob);
      }),

    retry: (id, nextAttemptAt, error) =>
      ctx.run('transcriptions.retry', async (db) => {
        const r = await db
          .updateTable('transcription_jobs')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: toMs(nextAttemptAt, 'nextAttemptAt'), last_error: error }))
          .where('id', '=', id)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),

    end: (id, state, reason, at) =>
      ctx.run('transcriptions.end', async (db) => {
        const r = await db
          .updateTable('transcription_jobs')
          .set({ state, last_error: reason, finished_at: toMs(at, 'at') })
          .where('id', '=', id)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),

    claim: (id, who, until, now) =>
      ctx.run('transcriptions.claim', async (db) => {
        const r = await db
          .updateTable('transcription_jobs')
          .set({ claimed_by: who, claimed_until: toMs(until, 'until') })
          .where('id', '=', id)
          .where('state', '=', 'pending')
          .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_by', '=', who), eb('claimed_until', '<=', toMs(now, 'now'))]))
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),

    complete: (id, result) =>
      ctx.run('transcriptions.complete', (db) =>
        // One transaction: the text and its post-back are written together or not at all.
        db.transaction().execute(async (trx) => {
          const r = await trx
            .updateTable('transcription_jobs')
            .set({ state: 'done', text: result.text, engine: result.engine, finished_at: toMs(result.at, 'at') })
            .where('id', '=', id)
            .where('state', '=', 'pending')
            .executeTakeFirst();
          if (r.numUpdatedRows === 0n) return { completed: false };
          if (!result.postback) return { completed: true };
          const p = result.postback;
          const row = await trx
            .insertInto('outbox')
            .values({
              kind: p.kind,
              payload: p.payload,
              attempts: 0,
              next_attempt_at: toMs(p.nextAttemptAt, 'nextAttemptAt'),
              created_at: ctx.clock.now(),
              expires_at: toMs(p.expiresAt, 'expiresAt'),
              state: 'pending',
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          const outboxId = Number(row.id);
          await trx.updateTable('transcription_jobs').set({ outbox_id: outboxId }).where('id', '=', id).execute();
          return { completed: true, outboxId };
        }),
      ),

    pendingCount: (mode) =>
      ctx.run('transcriptions.pendingCount', async (db) => {
        const row = await db
          .selectFrom('transcription_jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('state', '=', 'pending')
          .where('mode', '=', mode)
          .executeTakeFirstOrThrow();
        return Number(row.n);
      }),
  };
}
