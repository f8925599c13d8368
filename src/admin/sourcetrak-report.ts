/** The SourceTrak report: calls matched to visits, counted by source, campaign, keyword and landing page. */
import type { Clock } from '../lib/clock.js';
import type { SourcetrakDimension, Store } from '../store/types.js';
import { AdminError } from './errors.js';
import type { SourcetrakReportView } from './view-types.js';

const DAY = 86_400_000;

export async function sourcetrakReport(o: { store: Store; clock: Clock }, q: { since?: Date; until?: Date; limit: number }): Promise<SourcetrakReportView> {
  const until = q.until ?? new Date(o.clock.now() + 1);
  const since = q.since ?? new Date(until.getTime() - 30 * DAY);
  if (since.getTime() >= until.getTime()) throw new AdminError('invalid', 'since must be before until', { issues: [{ path: 'since', message: 'must be before until' }] });
  const by = async (d: SourcetrakDimension) => (await o.store.sourcetrak.report(d, since, until, q.limit)).map((r) => ({ value: r.value === '' ? null : r.value, calls: r.calls }));
  const [source, campaign, keyword, landing] = await Promise.all([by('source'), by('campaign'), by('keyword'), by('landing')]);
  return { since: since.toISOString(), until: until.toISOString(), by_source: source, by_campaign: campaign, by_keyword: keyword, by_landing_page: landing };
}
