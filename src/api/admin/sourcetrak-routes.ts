/** SourceTrak's report (the pools themselves are configuration items: config-routes.ts). */
import { z } from 'zod';
import { sourcetrakReport } from '../../admin/sourcetrak-report.js';
import type { SourcetrakReportView } from '../../admin/view-types.js';
import { strict } from '../../config/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/types.js';
import type { AdminRouter } from './router.js';

const iso = z.iso.datetime({ offset: true });
const rows = z.array(z.object({ value: z.string().nullable(), calls: z.int() }));
const reportSchema: z.ZodType<SourcetrakReportView> = z.object({
  since: iso,
  until: iso,
  by_source: rows.meta({ description: 'The referring site (st_referer); null: a direct visit' }),
  by_campaign: rows.meta({ description: 'st_campaign: utm_campaign, else the pool\'s campaign' }),
  by_keyword: rows.meta({ description: 'st_search_term: the search engine\'s query, else utm_term' }),
  by_landing_page: rows.meta({ description: 'st_baseuri: the page the number was first shown on' }),
});

export function registerSourcetrakRoutes(router: AdminRouter, deps: { store: Store; clock: Clock }): void {
  router.add({
    id: 'sourcetrakReport',
    method: 'get',
    path: '/sourcetrak/report',
    tag: 'sourcetrak',
    summary: 'Calls matched to website visits, by source, campaign, keyword and landing page',
    description: 'Counts the calls to pool numbers that started in the window (default: the last 30 days), most first; calls with no visit to match count under null.',
    scope: 'read',
    query: strict({
      since: iso.optional().meta({ description: 'Calls at or after this time' }),
      until: iso.optional().meta({ description: 'Calls before this time; default now' }),
      limit: z.coerce.number().int().min(1).max(200).default(20).meta({ description: 'Rows per table (default 20, at most 200)' }),
    }),
    responses: { 200: { description: 'The report', schema: reportSchema }, 422: { description: 'since is not before until' } },
    handle: async (c, { query: q }) =>
      c.json(await sourcetrakReport(deps, { ...(q.since ? { since: new Date(q.since) } : {}), ...(q.until ? { until: new Date(q.until) } : {}), limit: q.limit })),
  });
}
