import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_GONE_MS } from '../../admin/history.js';
import { FakeClock } from '../../lib/clock.js';
import { createSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import type { NodeView } from '../../admin/view-types.js';
import { registerNodeRoutes } from './nodes-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

describe('GET /nodes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-nodes-api-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let kit: AdminTestKit;
  let other: Store;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(T0);
    const file = join(dir, `${Math.random().toString(36).slice(2)}.db`);
    const store = await createSqliteStore(file, { clock, nodeId: 'node-a' });
    other = await createSqliteStore(file, { clock, nodeId: 'node-b' });
    kit = await adminTestKit((ctx) => [(r) => registerNodeRoutes(r, { store: ctx.store, clock: ctx.clock })], { store, clock });
  });
  afterEach(async () => {
    await kit.close();
    await other.close();
  });

  const list = async (): Promise<NodeView[]> => {
    const res = await kit.request('GET', '/nodes');
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: NodeView[] }).items;
  };

  it('lists every node with its last load, which one answered, and which are gone', async () => {
    await kit.store.nodes.heartbeat({ startedAt: new Date(T0), sip: '10.0.0.11:5060', http: 'http://10.0.0.11:8080', load: { calls: 12, maxCalls: 300, mediaLateMs: 1.23, refused: 0, sipUdpDrops: 0 } });
    await other.nodes.heartbeat({ startedAt: new Date(T0), sip: '10.0.0.12:5060', http: 'http://10.0.0.12:8080', load: { calls: 300, maxCalls: 300, mediaLateMs: 48.06, refused: 17 } });
    clock.advance(NODE_GONE_MS - 2000);
    await kit.store.nodes.heartbeat({ startedAt: new Date(T0), sip: '10.0.0.11:5060', http: 'http://10.0.0.11:8080', load: { calls: 14, maxCalls: 300, mediaLateMs: 1.5, loopLagMs: 2.04, refused: 0, sipUdpDrops: 3 } });
    expect(await list()).toEqual([
      { node_id: 'node-a', alive: true, this_node: true, sip: '10.0.0.11:5060', http: 'http://10.0.0.11:8080', started_at: new Date(T0).toISOString(), seen_at: new Date(T0 + NODE_GONE_MS - 2000).toISOString(), load: { calls: 14, max_calls: 300, media_late_ms: 1.5, loop_lag_ms: 2, refused: 0, sip_udp_drops: 3 } },
      { node_id: 'node-b', alive: true, this_node: false, sip: '10.0.0.12:5060', http: 'http://10.0.0.12:8080', started_at: new Date(T0).toISOString(), seen_at: new Date(T0).toISOString(), load: { calls: 300, max_calls: 300, media_late_ms: 48.1, loop_lag_ms: null, refused: 17, sip_udp_drops: null } },
    ]);
    clock.advance(2000); // node-b's last beat is now NODE_GONE_MS old
    expect((await list()).map((n) => [n.node_id, n.alive])).toEqual([['node-a', true], ['node-b', false]]);
  });

  it('shows no load for a node whose heartbeat did not say it', async () => {
    await other.nodes.heartbeat({ startedAt: new Date(T0), sip: '', http: '' });
    expect((await list())[0]).toMatchObject({ node_id: 'node-b', alive: true, load: null });
  });

  it('forgets a node that is gone, and refuses one that is alive or unknown', async () => {
    await other.nodes.heartbeat({ startedAt: new Date(T0), sip: '', http: '' });
    const alive = await kit.request('DELETE', '/nodes/node-b');
    expect(alive.status).toBe(409);
    expect(((await alive.json()) as { detail: string }).detail).toContain('node node-b is alive');
    clock.advance(NODE_GONE_MS);
    expect((await kit.request('DELETE', '/nodes/node-b')).status).toBe(204);
    expect(await list()).toEqual([]);
    expect((await kit.request('DELETE', '/nodes/node-b')).status).toBe(404);
  });

  it('needs a key with read scope to list and admin scope to forget', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
