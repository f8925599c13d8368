import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import { StoreError } from './errors.js';
import type { CallEventsTable } from './schema.js';
import { toCall } from './call-repos.js';
import type { CallEventRecord, CallFilter, CallHistoryRepo, CallPageKey } from './types.js';
import { checkLimit, fromMs, toMs, type RepoContext } from './codec.js';

/** Rows per INSERT: well under SQLite's bound-parameter limit, and a short hold of the write lock. */
const EVENTS_PER_INSERT = 500;
const HOUR_MS = 3_600_000;

function toEvent(r: Selectable<CallEventsTable>): CallEventRecord {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(r.data) as Record<string, unknown>;
  } catch (err) {
    throw new StoreError('query_failed', `call_events ${r.id}: data is not valid JSON`, { cause: err });
  }
  return { id: r.id, sessionId: r.session_id, at: fromMs(r.at), type: r.type, data };
}

/**
 * The time range and page start as conditions on (start, id) columns: the calls table's own, or the
 * copies in call_blocks when searching by block, so that either way one index serves filter and order.
 * The cursor is written `start <= t and (start < t or id < s)` rather than as a row value so that both
 * SQLite and Postgres see a plain range on the index's leading time column.
 */
function rangeConditions(start: string, id: string, f: CallFilter, after: CallPageKey | undefined): Array<Expression<SqlBool>> {
  const conds: Array<Expression<SqlBool>> = [];
  const s = sql.ref(start);
  if (f.since !== undefined) conds.push(sql<SqlBool>`${s} >= ${toMs(f.since, 'since')}`);
  if (f.until !== undefined) conds.push(sql<SqlBool>`${s} < ${toMs(f.until, 'until')}`);
  if (after !== undefined) {
    const t = toMs(after.startedAt, 'after.startedAt');
    conds.push(sql<SqlBool>`${s} <= ${t} and (${s} < ${t} or ${sql.ref(id)} < ${after.sessionId})`);
  }
  return conds;
}

function callConditions(f: CallFilter): Array<Expression<SqlBool>> {
  const conds: Array<Expression<SqlBool>> = [];
  if (f.number !== undefined) conds.push(sql<SqlBool>`c.to_addr = ${f.number}`);
  if (f.caller !== undefined) conds.push(sql<SqlBool>`c.from_addr = ${f.caller}`);
  if (f.endReason !== undefined) conds.push(sql<SqlBool>`c.end_reason = ${f.endReason}`);
  if (f.direction !== undefined) conds.push(sql<SqlBool>`c.direction = ${f.direction}`);
  if (f.test !== undefined) conds.push(sql<SqlBool>`c.test = ${f.test ? 1 : 0}`);
  return conds;
}

export function createCallHistoryRepo(ctx: RepoContext): CallHistoryRepo {
  return {
    appendEvents: (events) =>
      ctx.run('history.appendEvents', async (db) => {
        for (let i = 0; i < events.length; i += EVENTS_PER_INSERT) {
          const rows = events.slice(i, i + EVENTS_PER_INSERT).map((e) => ({
            session_id: e.sessionId,
            at: toMs(e.at, 'at'),
            type: e.type,
            data: JSON.stringify(e.data),
          }));
          await db.insertInto('call_events').values(rows).execute();
        }
      }),

    events: (sessionId) =>
      ctx.run('history.events', async (db) => {
        const rows = await db.selectFrom('call_events').selectAll().where('session_id', '=', sessionId).orderBy('id').execute();
        return rows.map(toEvent);
      }),

    addBlock: (v) =>
      ctx.run('history.addBlock', async (db) => {
        // The call's start is copied from its row in the same statement, so the block index sorts
        // exactly as the history does; a call without a row (never created) adds nothing.
        await db
          .insertInto('call_blocks')
          .columns(['session_id', 'block', 'call_started_at', 'at'])
          .expression(
            db
              .selectFrom('calls')
              .select([
                'session_id',
                sql<string>`cast(${v.block} as text)`.as('block'),
                'started_at',
                sql<number>`cast(${toMs(v.at, 'at')} as bigint)`.as('at'),
              ])
              .where('session_id', '=', v.sessionId),
          )
          .onConflict((oc) => oc.columns(['session_id', 'block']).doNothing())
          .execute();
      }),

    blocks: (sessionIds) =>
      ctx.run('history.blocks', async (db) => {
        const out = new Map<string, string[]>();
        if (sessionIds.length === 0) return out;
        const rows = await db
          .selectFrom('call_blocks')
          .select(['session_id', 'block'])
          .where('session_id', 'in', [...sessionIds])
          .orderBy('session_id')
          .orderBy('at')
          .execute();
        for (const r of rows) {
          const list = out.get(r.session_id) ?? [];
          list.push(r.block);
          out.set(r.session_id, list);
        }
        return out;
      }),

    search: (f, after, limit) =>
      ctx.run('history.search', async (db) => {
        checkLimit(limit);
        if (f.block !== undefined) {
          let q = db.selectFrom('call_blocks as b').innerJoin('calls as c', 'c.session_id', 'b.session_id').selectAll('c').where('b.block', '=', f.block);
          for (const cond of [...rangeConditions('b.call_started_at', 'b.session_id', f, after), ...callConditions(f)]) q = q.where(cond);
          const rows = await q.orderBy('b.call_started_at', 'desc').orderBy('b.session_id', 'desc').limit(limit).execute();
          return rows.map(toCall);
        }
        let q = db.selectFrom('calls as c').selectAll('c');
        for (const cond of [...rangeConditions('c.started_at', 'c.session_id', f, after), ...callConditions(f)]) q = q.where(cond);
        const rows = await q.orderBy('c.started_at', 'desc').orderBy('c.session_id', 'desc').limit(limit).execute();
        return rows.map(toCall);
      }),

    inProgress: (limit) =>
      ctx.run('history.inProgress', async (db) => {
        // end_reason and ended_at are written together; `end_reason is null` uses calls_end_reason.
        const rows = await db
          .selectFrom('calls')
          .selectAll()
          .where('end_reason', 'is', null)
          .where('ended_at', 'is', null)
          .orderBy('started_at', 'desc')
          .orderBy('session_id', 'desc')
          .limit(checkLimit(limit))
          .execute();
        return rows.map(toCall);
      }),

    callStats: (since, until) =>
      ctx.run('history.callStats', async (db) => {
        const from = toMs(since, 'since');
        const to = toMs(until, 'until');
        const byReason = await db
          .selectFrom('calls')
          .select(['end_reason', (eb) => eb.fn.countAll().as('n')])
          .where('started_at', '>=', from)
          .where('started_at', '<', to)
          .groupBy('end_reason')
          .execute();
        // Integer division of integers is the hour index in both SQLite and Postgres. The start is a
        // literal (a number computed here) so the grouped and the selected expressions are identical.
        const hour = sql<number>`(started_at - ${sql.lit(from)}) / ${sql.lit(HOUR_MS)}`;
        const byHour = await db
          .selectFrom('calls')
          .select([hour.as('h'), (eb) => eb.fn.countAll().as('n')])
          .where('started_at', '>=', from)
          .where('started_at', '<', to)
          .groupBy(hour)
          .execute();
        const perHour = new Array<number>(Math.max(0, Math.ceil((to - from) / HOUR_MS))).fill(0);
        for (const r of byHour) {
          const h = Number(r.h);
          if (h >= 0 && h < perHour.length) perHour[h] = Number(r.n);
        }
        const byEndReason: Record<string, number> = {};
        let total = 0;
        for (const r of byReason) {
          const n = Number(r.n);
          byEndReason[r.end_reason ?? ''] = (byEndReason[r.end_reason ?? ''] ?? 0) + n;
          total += n;
        }
        return { total, byEndReason, perHour };
      }),

    webhookStats: (since, until) =>
      ctx.run('history.webhookStats', async (db) => {
        const rows = await db
          .selectFrom('webhook_log')
          .select([
            'kind',
            (eb) => eb.fn.countAll().as('n'),
            sql<number>`sum(case when failure is not null then 1 else 0 end)`.as('failed'),
          ])
          .where('sent_at', '>=', toMs(since, 'since'))
          .where('sent_at', '<', toMs(until, 'until'))
          .groupBy('kind')
          .orderBy('kind')
          .execute();
        return rows.map((r) => ({ kind: r.kind, requests: Number(r.n), failures: Number(r.failed ?? 0) }));
      }),
  };
}
