/**
 * SourceTrak's tables (migration 008): visitor sessions, the numbers they were shown, and the calls
 * matched to them. Plain Kysely builder SQL, so it runs on SQLite and Postgres alike.
 */
import type { Selectable } from 'kysely';
import { checkLimit, fromMs, toMs, type RepoContext } from './codec.js';
import type { SourcetrakShownTable, SourcetrakVisitsTable } from './schema.js';
import type { SourcetrakMatch, SourcetrakRepo, SourcetrakShown, SourcetrakVisit } from './types.js';

const toVisit = (r: Selectable<SourcetrakVisitsTable>): SourcetrakVisit => ({
  pid: r.pid,
  pool: r.pool,
  startedAt: fromMs(r.started_at),
  lastSeenAt: fromMs(r.last_seen_at),
  ip: r.ip,
  referrer: r.referrer,
  searchTerm: r.search_term,
  landing: r.landing,
  title: r.title,
  browser: r.browser,
  os: r.os,
  gclid: r.gclid,
  gaClientId: r.ga_client_id,
  campaign: r.campaign,
  platform: r.platform,
  urlTag: r.url_tag,
  custom: r.custom,
  uniqueId: r.unique_id,
});

const toShown = (r: Selectable<SourcetrakShownTable>): SourcetrakShown => ({
  pid: r.pid,
  location: r.location,
  number: r.number,
  firstShownAt: fromMs(r.first_shown_at),
  lastShownAt: fromMs(r.last_shown_at),
});

function parseParams(text: string): Record<string, string> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

const COLUMN = { source: 'source', campaign: 'campaign', keyword: 'keyword', landing: 'landing' } as const;

export function createSourcetrakRepo(ctx: RepoContext): SourcetrakRepo {
  return {
    createVisit: (v) =>
      ctx.run('sourcetrak.createVisit', async (db) => {
        await db
          .insertInto('sourcetrak_visits')
          .values({
            pid: v.pid,
            pool: v.pool,
            started_at: toMs(v.startedAt, 'startedAt'),
            last_seen_at: toMs(v.lastSeenAt, 'lastSeenAt'),
            ip: v.ip,
            referrer: v.referrer,
            search_term: v.searchTerm,
            landing: v.landing,
            title: v.title,
            browser: v.browser,
            os: v.os,
            gclid: v.gclid,
            ga_client_id: v.gaClientId,
            campaign: v.campaign,
            platform: v.platform,
            url_tag: v.urlTag,
            custom: v.custom,
            unique_id: v.uniqueId,
          })
          .execute();
      }),

    getVisit: (pid) =>
      ctx.run('sourcetrak.getVisit', async (db) => {
        const row = await db.selectFrom('sourcetrak_visits').selectAll().where('pid', '=', pid).executeTakeFirst();
        return row && toVisit(row);
      }),

    touch: (pid, at) =>
      ctx.run('sourcetrak.touch', async (db) => {
        const ms = toMs(at, 'at');
        await db.updateTable('sourcetrak_visits').set({ last_seen_at: ms }).where('pid', '=', pid).execute();
        await db.updateTable('sourcetrak_shown').set({ last_shown_at: ms }).where('pid', '=', pid).execute();
      }),

    shownTo: (pid) =>
      ctx.run('sourcetrak.shownTo', async (db) => {
        const rows = await db.selectFrom('sourcetrak_shown').selectAll().where('pid', '=', pid).orderBy('location').execute();
        return rows.map(toShown);
      }),

    show: (s) =>
      ctx.run('sourcetrak.show', async (db) => {
        const first = toMs(s.firstShownAt, 'firstShownAt');
        const last = toMs(s.lastShownAt, 'lastShownAt');
        await db
          .insertInto('sourcetrak_shown')
          .values({ pid: s.pid, location: s.location, number: s.number, first_shown_at: first, last_shown_at: last })
          .onConflict((oc) => oc.columns(['pid', 'location']).doUpdateSet({ number: s.number, first_shown_at: first, last_shown_at: last }))
          .execute();
      }),

    numberUse: (numbers, since) =>
      ctx.run('sourcetrak.numberUse', async (db) => {
        if (numbers.length === 0) return [];
        const sinceMs = toMs(since, 'since');
        const rows = await db
          .selectFrom('sourcetrak_shown')
          .select((eb) => [
            'number',
            eb.fn.max('last_shown_at').as('last'),
            eb.fn.count<number | string>(eb.case().when('last_shown_at', '>=', sinceMs).then(1).end()).as('live'),
          ])
          .where('number', 'in', [...numbers])
          .groupBy('number')
          .execute();
        const byNumber = new Map(rows.map((r) => [r.number, r]));
        return numbers.map((number) => {
          const r = byNumber.get(number);
          return r ? { number, lastShownAt: fromMs(r.last), liveSessions: Number(r.live) } : { number, liveSessions: 0 };
        });
      }),

    showingsOf: (number, limit) =>
      ctx.run('sourcetrak.showingsOf', async (db) => {
        const rows = await db.selectFrom('sourcetrak_shown').selectAll().where('number', '=', number).orderBy('last_shown_at', 'desc').orderBy('pid').limit(checkLimit(limit)).execute();
        return rows.map(toShown);
      }),

    saveMatch: (m) =>
      ctx.run('sourcetrak.saveMatch', async (db) => {
        await db
          .insertInto('sourcetrak_matches')
          .values({
            session_id: m.sessionId,
            pool: m.pool,
            number: m.number,
            pid: m.pid ?? null,
            rank: m.rank,
            matched_at: toMs(m.matchedAt, 'matchedAt'),
            source: m.source,
            campaign: m.campaign,
            keyword: m.keyword,
            landing: m.landing,
            params: JSON.stringify(m.params),
          })
          .onConflict((oc) => oc.column('session_id').doNothing())
          .execute();
      }),

    matchOf: (sessionId) =>
      ctx.run('sourcetrak.matchOf', async (db) => {
        const r = await db.selectFrom('sourcetrak_matches').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
        if (!r) return undefined;
        const m: SourcetrakMatch = { sessionId: r.session_id, pool: r.pool, number: r.number, rank: r.rank, matchedAt: fromMs(r.matched_at), params: parseParams(r.params), erased: r.erased === 1 };
        if (r.pid !== null) m.pid = r.pid;
        return m;
      }),

    report: (dimension, since, until, limit) =>
      ctx.run('sourcetrak.report', async (db) => {
        const column = COLUMN[dimension];
        const rows = await db
          .selectFrom('sourcetrak_matches')
          .select((eb) => [eb.ref(column).as('value'), eb.fn.countAll<number | string>().as('calls')])
          .where('matched_at', '>=', toMs(since, 'since'))
          .where('matched_at', '<', toMs(until, 'until'))
          .groupBy(column)
          .orderBy('calls', 'desc')
          .orderBy(column)
          .limit(checkLimit(limit))
          .execute();
        return rows.map((r) => ({ value: String(r.value), calls: Number(r.calls) }));
      }),

    erase: (before, personal) =>
      ctx.run('sourcetrak.erase', async (db) => {
        const cutoff = toMs(before, 'before');
        // Children first: the foreign key cascades, but a store must not depend on the driver having it on.
        const old = db.selectFrom('sourcetrak_visits').select('pid').where('last_seen_at', '<', cutoff);
        await db.deleteFrom('sourcetrak_shown').where('pid', 'in', old).execute();
        const visits = await db.deleteFrom('sourcetrak_visits').where('last_seen_at', '<', cutoff).executeTakeFirst();
        let matches = 0;
        // In pages, each row rewritten on its own: JSON functions differ between SQLite and Postgres.
        for (;;) {
          const rows = await db.selectFrom('sourcetrak_matches').select(['session_id', 'params']).where('matched_at', '<', cutoff).where('erased', '=', 0).limit(500).execute();
          if (rows.length === 0) break;
          for (const r of rows) {
            const params = parseParams(r.params);
            for (const name of personal) if (name in params) params[name] = '';
            await db.updateTable('sourcetrak_matches').set({ params: JSON.stringify(params), erased: 1, pid: null }).where('session_id', '=', r.session_id).execute();
          }
          matches += rows.length;
        }
        return { visits: Number(visits.numDeletedRows), matches };
      }),
  };
}
