import { toCall } from './call-repos.js';
import { checkLimit, optDate, toMs, type RepoContext } from './codec.js';
import type { RecoveryRepo } from './types.js';

/**
 * What a start after a crash needs (src/server/recover.ts): the calls a dead process left open, and a
 * way to close each one exactly once.
 *
 * Only this node's calls: when several nodes share a Postgres database, the others' open calls are
 * calls they are running now. Calls recorded without a node ('' : from before migration 009) count as
 * this node's, which is what they were with one server per SQLite file.
 */
export function createRecoveryRepo(ctx: RepoContext): RecoveryRepo {
  return {
    unfinishedCalls: (limit) =>
      ctx.run('recovery.unfinishedCalls', async (db) => {
        const rows = await db
          .selectFrom('calls')
          .selectAll('calls')
          .select((eb) =>
            eb.selectFrom('call_events').select((e) => e.fn.max('call_events.at').as('m')).whereRef('call_events.session_id', '=', 'calls.session_id').as('last_event_at'),
          )
          // The runner writes ended_at and end_reason together: `end_reason is null` lets the
          // calls_end_reason index find the open ones without reading every call.
          .where('calls.node_id', 'in', [ctx.nodeId, ''])
          .where('calls.end_reason', 'is', null)
          .where('calls.ended_at', 'is', null)
          .orderBy('calls.started_at')
          .orderBy('calls.session_id')
          .limit(checkLimit(limit))
          .execute();
        return rows.map((r) => {
          const last = optDate(r.last_event_at ?? null);
          return { call: toCall(r), ...(last ? { lastEventAt: last } : {}) };
        });
      }),

    closeInterrupted: (sessionId, endedAt, endReason) =>
      ctx.run('recovery.closeInterrupted', async (db) => {
        // Only while still open: a call some other path closed meanwhile keeps its own end.
        const r = await db
          .updateTable('calls')
          .set({ ended_at: toMs(endedAt, 'endedAt'), end_reason: endReason })
          .where('session_id', '=', sessionId)
          .where('node_id', 'in', [ctx.nodeId, ''])
          .where('ended_at', 'is', null)
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),
  };
}
