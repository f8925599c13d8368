/**
 * Queries for reports and for the original platform's Administration API (docs/ibp-api.md): calls and
 * IVR interactions by date, recordings by what made them, and the deletions `survo.delete_survey_results`
 * and `recording.remove` ask for. Plain Kysely builder SQL, so it runs on SQLite and Postgres alike.
 */
import type { Kysely } from 'kysely';
import { toAnswer, toCall, toInteraction } from './call-repos.js';
import { checkLimit, fromMs, toMs, type RepoContext } from './codec.js';
import { toRecording } from './log-repos.js';
import type { Database } from './schema.js';
import type { AnswerRecord, RecordingRecord, RegisteredNumberRepo, ReportRepo } from './types.js';

/** Ids per `in (...)` list: far below SQLite's 32766 bound parameters and Postgres's 65535. */
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

async function answersOf(db: Kysely<Database>, ids: number[]): Promise<Map<number, AnswerRecord[]>> {
  const byResponse = new Map<number, AnswerRecord[]>(ids.map((id) => [id, []]));
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('answers').selectAll().where('response_id', 'in', part).orderBy('response_id').orderBy('question_no').execute();
    for (const row of rows) byResponse.get(row.response_id)?.push(toAnswer(row));
  }
  return byResponse;
}

export function createReportRepo(ctx: RepoContext): ReportRepo {
  return {
    calls: (q, limit) =>
      ctx.run('reports.calls', async (db) => {
        let query = db
          .selectFrom('calls')
          .selectAll()
          .where('started_at', '>=', toMs(q.from, 'from'))
          .where('started_at', '<', toMs(q.to, 'to'));
        if (q.direction) query = query.where('direction', '=', q.direction);
        const rows = await query.orderBy('started_at').orderBy('session_id').limit(checkLimit(limit)).execute();
        return rows.map(toCall);
      }),

    interactions: (q, limit) =>
      ctx.run('reports.interactions', async (db) => {
        const rows = await db
          .selectFrom('interactions')
          .innerJoin('calls', 'calls.session_id', 'interactions.session_id')
          .selectAll('interactions')
          .select(['calls.from_addr', 'calls.to_addr'])
          .where('interactions.ivr_id', '=', q.ivrId)
          .where('interactions.started_at', '>=', toMs(q.from, 'from'))
          .where('interactions.started_at', '<', toMs(q.to, 'to'))
          .orderBy('interactions.started_at')
          .orderBy('interactions.id')
          .limit(checkLimit(limit))
          .execute();
        const answers = await answersOf(db, rows.map((r) => r.id));
        return rows.map((r) => ({ ...toInteraction(r), callerId: r.from_addr, numberCalled: r.to_addr, answers: answers.get(r.id) ?? [] }));
      }),

    recordings: (q, limit) =>
      ctx.run('reports.recordings', async (db) => {
        let query = db.selectFrom('recordings').selectAll();
        if (q.kind !== undefined) query = query.where('kind', '=', q.kind);
        if (q.sessionId !== undefined) query = query.where('session_id', '=', q.sessionId);
        if (q.voicemailId !== undefined) query = query.where('voicemail_id', '=', q.voicemailId);
        if (q.findmeId !== undefined) query = query.where('findme_id', '=', q.findmeId);
        if (q.responseId !== undefined) query = query.where('response_id', '=', q.responseId);
        if (q.questionNo !== undefined) query = query.where('question_no', '=', q.questionNo);
        const rows = await query.orderBy('created_at').orderBy('id').limit(checkLimit(limit)).execute();
        return rows.map(toRecording);
      }),

    recording: (id) =>
      ctx.run('reports.recording', async (db) => {
        const row = await db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toRecording(row);
      }),

    deleteRecording: (id) =>
      ctx.run('reports.deleteRecording', async (db) => {
        const r = await db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
        return r.numDeletedRows > 0n;
      }),

    deleteInteractions: (q) =>
      ctx.run('reports.deleteInteractions', async (db) => {
        let select = db.selectFrom('interactions').select('id').where('ivr_id', '=', q.ivrId);
        if (q.before) select = select.where('started_at', '<', toMs(q.before, 'before'));
        const ids = (await select.execute()).map((r) => r.id);
        const recordings: RecordingRecord[] = [];
        // Children first, explicitly: the foreign keys cascade, but a store must not depend on the
        // driver having them switched on. Each chunk is whole before the next starts, so a crash
        // midway leaves complete interactions behind, never answers without their interaction.
        for (const part of chunks(ids)) {
          const recs = await db.selectFrom('recordings').selectAll().where('response_id', 'in', part).execute();
          recordings.push(...recs.map(toRecording));
          await db.deleteFrom('recordings').where('response_id', 'in', part).execute();
          // Their transcripts are the answers too: deleting the interactions deletes what was said.
          await db.deleteFrom('transcription_jobs').where('response_id', 'in', part).execute();
          await db.deleteFrom('answers').where('response_id', 'in', part).execute();
          await db.deleteFrom('interactions').where('id', 'in', part).execute();
        }
        return { interactions: ids.length, recordings };
      }),
  };
}

export function createRegisteredNumberRepo(ctx: RepoContext): RegisteredNumberRepo {
  const toNumber = (r: { phone: string; description: string; created_at: number | string }) => ({
    phone: r.phone,
    description: r.description,
    createdAt: fromMs(r.created_at),
  });
  return {
    put: (n) =>
      ctx.run('registeredNumbers.put', async (db) => {
        const created = await db
          .insertInto('registered_numbers')
          .values({ phone: n.phone, description: n.description, created_at: ctx.clock.now() })
          .onConflict((oc) => oc.column('phone').doNothing())
          .returning('phone')
          .executeTakeFirst();
        if (created) return { created: true };
        await db.updateTable('registered_numbers').set({ description: n.description }).where('phone', '=', n.phone).execute();
        return { created: false };
      }),

    get: (phone) =>
      ctx.run('registeredNumbers.get', async (db) => {
        const row = await db.selectFrom('registered_numbers').selectAll().where('phone', '=', phone).executeTakeFirst();
        return row && toNumber(row);
      }),

    list: () =>
      ctx.run('registeredNumbers.list', async (db) => {
        const rows = await db.selectFrom('registered_numbers').selectAll().orderBy('phone').execute();
        return rows.map(toNumber);
      }),

    remove: (phone) =>
      ctx.run('registeredNumbers.remove', async (db) => {
        const r = await db.deleteFrom('registered_numbers').where('phone', '=', phone).executeTakeFirst();
        return r.numDeletedRows > 0n;
      }),
  };
}
