import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveCalls } from '../../admin/live-calls.js';
import { registerCallRoutes } from './calls-routes.js';
import { registerSourcetrakRoutes } from './sourcetrak-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const sid = (c: string): string => c.repeat(32);

describe('SourceTrak report and a call\'s match', () => {
  let kit: AdminTestKit;
  beforeEach(async () => {
    kit = await adminTestKit((ctx) => [(r) => registerSourcetrakRoutes(r, ctx), (r) => void registerCallRoutes(r, { ...ctx, live: new LiveCalls() })]);
    const now = kit.clock.now();
    const base = { pool: 'web', number: '8005550161', rank: 1, params: {}, keyword: 'widgets', landing: 'https://example.com/' };
    await kit.store.sourcetrak.saveMatch({ ...base, sessionId: sid('a'), matchedAt: new Date(now - 60_000), source: 'www.google.com', campaign: 'spring', params: { st_rank: '1', st_pool_name: 'web', st_campaign: 'spring', st_pid: sid('f') } });
    await kit.store.sourcetrak.saveMatch({ ...base, sessionId: sid('b'), matchedAt: new Date(now - 30_000), source: 'www.google.com', campaign: '' });
    await kit.store.sourcetrak.saveMatch({ ...base, sessionId: sid('c'), matchedAt: new Date(now - 40 * 86_400_000), source: 'old.test', campaign: 'old' });
    await kit.store.calls.create({ sessionId: sid('a'), direction: 'inbound', from: '3125550199', to: '8005550161', startedAt: new Date(now - 60_000), passThrough: '', monitoredSeconds: 0 });
  });
  afterEach(() => kit.close());

  it('counts the calls of the last 30 days by source, campaign, keyword and landing page', async () => {
    const res = await kit.request('GET', '/sourcetrak/report');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      by_source: [{ value: 'www.google.com', calls: 2 }],
      by_campaign: [{ value: null, calls: 1 }, { value: 'spring', calls: 1 }],
      by_keyword: [{ value: 'widgets', calls: 2 }],
      by_landing_page: [{ value: 'https://example.com/', calls: 2 }],
    });
    const all = (await (await kit.request('GET', '/sourcetrak/report?since=2020-01-01T00:00:00Z')).json()) as { by_source: unknown[] };
    expect(all.by_source).toEqual([{ value: 'www.google.com', calls: 2 }, { value: 'old.test', calls: 1 }]);
    expect((await kit.request('GET', '/sourcetrak/report?since=2030-01-01T00:00:00Z&until=2029-01-01T00:00:00Z')).status).toBe(422);
  });

  it('shows the match with the call: its st_* values in order, and a line in the timeline', async () => {
    const call = (await (await kit.request('GET', `/calls/${sid('a')}`)).json()) as { sourcetrak: { rank: number; params: Array<{ name: string; value: string }> }; timeline: Array<{ type: string; summary: string }> };
    expect(call.sourcetrak.rank).toBe(1);
    expect(call.sourcetrak.params).toHaveLength(22);
    expect(call.sourcetrak.params[0]).toEqual({ name: 'st_rank', value: '1' });
    expect(call.timeline.find((t) => t.type === 'sourcetrak')?.summary).toBe('SourceTrak: matched to a visit of pool web (rank 1, campaign spring)');
  });

  it('checks authentication and scope on every operation', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
