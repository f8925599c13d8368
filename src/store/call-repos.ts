import type { Selectable, Updateable } from 'kysely';
import { StoreError } from './errors.js';
import type { AnswersTable, CallsTable, InteractionsTable } from './schema.js';
import type { AnswerRecord, CallRecord, CallRepo, InteractionRecord, InteractionRepo } from './types.js';
import {
  checkLimit,
  ensureUpdated,
  fromMs,
  opt,
  optDate,
  optMs,
  optWhole,
  toMs,
  whole,
  type RepoContext,
} from './codec.js';

export function toCall(r: Selectable<CallsTable>): CallRecord {
  return {
    sessionId: r.session_id,
    direction: r.direction as CallRecord['direction'],
    from: r.from_addr,
    to: r.to_addr,
    startedAt: fromMs(r.started_at),
    endedAt: optDate(r.ended_at),
    endReason: opt(r.end_reason),
    passThrough: r.pass_through,
    monitoredSeconds: r.monitored_seconds,
    ...(r.test === 1 ? { test: true } : {}),
    ...(r.node_id ? { nodeId: r.node_id } : {}),
  };
}

export function toInteraction(r: Selectable<InteractionsTable>): InteractionRecord {
  return {
    responseId: r.id,
    sessionId: r.session_id,
    ivrId: r.ivr_id,
    startedAt: fromMs(r.started_at),
    endedAt: optDate(r.ended_at),
    completed: r.completed === 1,
    optedOut: r.opted_out === 1,
  };
}

export function toAnswer(r: Selectable<AnswersTable>): AnswerRecord {
  return {
    responseId: r.response_id,
    questionNo: r.question_no,
    questionType: r.question_type as AnswerRecord['questionType'],
    value: r.value,
    keys: opt(r.keys),
    durationMs: opt(r.duration_ms),
    at: fromMs(r.at),
  };
}

export function createCallRepo(ctx: RepoContext): CallRepo {
  return {
    create: (call) =>
      ctx.run('calls.create', async (db) => {
        await db
          .insertInto('calls')
          .values({
            session_id: call.sessionId,
            direction: call.direction,
            from_addr: call.from,
            to_addr: call.to,
            started_at: toMs(call.startedAt, 'startedAt'),
            ended_at: optMs(call.endedAt, 'endedAt'),
            end_reason: call.endReason ?? null,
            pass_through: call.passThrough,
            // Whole seconds, as monitored time is reported and billed.
            monitored_seconds: whole(call.monitoredSeconds, 'monitoredSeconds'),
            test: call.test === true ? 1 : 0,
            node_id: call.nodeId ?? ctx.nodeId,
          })
          .execute();
      }),

    update: (sessionId, patch) =>
      ctx.run('calls.update', async (db) => {
        // A key present with the value undefined means "leave as is": there is no way to clear a field,
        // and the flow never needs one (a call only gains an end).
        const set: Updateable<CallsTable> = {};
        if (patch.direction !== undefined) set.direction = patch.direction;
        if (patch.from !== undefined) set.from_addr = patch.from;
        if (patch.to !== undefined) set.to_addr = patch.to;
        if (patch.startedAt !== undefined) set.started_at = toMs(patch.startedAt, 'startedAt');
        if (patch.endedAt !== undefined) set.ended_at = toMs(patch.endedAt, 'endedAt');
        if (patch.endReason !== undefined) set.end_reason = patch.endReason;
        if (patch.passThrough !== undefined) set.pass_through = patch.passThrough;
        if (patch.monitoredSeconds !== undefined) {
          set.monitored_seconds = whole(patch.monitoredSeconds, 'monitoredSeconds');
        }
        if (Object.keys(set).length === 0) {
          // Nothing to write, but an unknown session is still the caller's mistake worth reporting.
          const row = await db.selectFrom('calls').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
          if (row === undefined) throw new StoreError('not_found', `call ${sessionId} not found`);
          return;
        }
        const result = await db.updateTable('calls').set(set).where('session_id', '=', sessionId).executeTakeFirst();
        ensureUpdated(result, `call ${sessionId}`);
      }),

    get: (sessionId) =>
      ctx.run('calls.get', async (db) => {
        const row = await db.selectFrom('calls').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
        return row && toCall(row);
      }),

    list: (limit) =>
      ctx.run('calls.list', async (db) => {
        const rows = await db
          .selectFrom('calls')
          .selectAll()
          .orderBy('started_at', 'desc')
          .orderBy('session_id')
          .limit(checkLimit(limit))
          .execute();
        return rows.map(toCall);
      }),
  };
}

export function createInteractionRepo(ctx: RepoContext): InteractionRepo {
  return {
    start: (input) =>
      ctx.run('interactions.start', async (db) => {
        const row = await db
          .insertInto('interactions')
          .values({
            session_id: input.sessionId,
            ivr_id: input.ivrId,
            started_at: toMs(input.startedAt, 'startedAt'),
            completed: 0,
            opted_out: 0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      }),

    addAnswer: (a) =>
      ctx.run('interactions.addAnswer', async (db) => {
        const values = {
          question_type: a.questionType,
          value: a.value,
          keys: a.keys ?? null,
          duration_ms: optWhole(a.durationMs, 'durationMs'),
          at: toMs(a.at, 'at'),
        };
        // A question asked again (after an invalid entry, or a "press 9 to repeat") replaces its answer,
        // so what the webhook and the console show is what the caller finally said.
        await db
          .insertInto('answers')
          .values({ response_id: a.responseId, question_no: a.questionNo, ...values })
          .onConflict((oc) => oc.columns(['response_id', 'question_no']).doUpdateSet(values))
          .execute();
      }),

    finish: (responseId, result) =>
      ctx.run('interactions.finish', async (db) => {
        const r = await db
          .updateTable('interactions')
          .set({
            completed: result.completed ? 1 : 0,
            opted_out: result.optedOut ? 1 : 0,
            ended_at: toMs(result.endedAt, 'endedAt'),
          })
          .where('id', '=', responseId)
          .executeTakeFirst();
        ensureUpdated(r, `interaction ${responseId}`);
      }),

    get: (responseId) =>
      ctx.run('interactions.get', async (db) => {
        const row = await db.selectFrom('interactions').selectAll().where('id', '=', responseId).executeTakeFirst();
        return row && toInteraction(row);
      }),

    answers: (responseId) =>
      ctx.run('interactions.answers', async (db) => {
        const rows = await db
          .selectFrom('answers')
          .selectAll()
          .where('response_id', '=', responseId)
          .orderBy('question_no')
          .execute();
        return rows.map(toAnswer);
      }),

    forSession: (sessionId) =>
      ctx.run('interactions.forSession', async (db) => {
        const rows = await db
          .selectFrom('interactions')
          .selectAll()
          .where('session_id', '=', sessionId)
          .orderBy('id')
          .execute();
        return rows.map(toInteraction);
      }),
  };
}
