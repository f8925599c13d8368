import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { CallRecord, Store } from '../store/types.js';
import { CallHistory, NODE_GONE_MS } from './history.js';
import { LiveCalls } from './live-calls.js';

const sid = (n: number): string => n.toString(16).padStart(32, '0');
const T0 = Date.UTC(2026, 11, 10, 9, 0, 0);
const call = (n: number): CallRecord => ({ sessionId: sid(n), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(T0 + n), passThrough: '', monitoredSeconds: 0 });

describe('CallHistory on several nodes sharing a database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-history-nodes-'));
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the calls in progress on the other live nodes with their node, and not those of a node gone silent', async () => {
    const clock = new FakeClock(T0 + 1000);
    const file = join(dir, 'shared.db');
    const a = await createSqliteStore(file, { clock, nodeId: 'a' });
    const b = await createSqliteStore(file, { clock, nodeId: 'b' });
    const c = await createSqliteStore(file, { clock, nodeId: 'c' });
    stores.push(a, b, c);
    const live = new LiveCalls();
    live.start({ sessionId: sid(1), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: new Date(T0 + 1) });
    await a.calls.create(call(1));
    await b.calls.create(call(2));
    await c.calls.create(call(3));
    for (const s of [a, b, c]) await s.nodes.heartbeat({ startedAt: new Date(T0), sip: '', http: '' });
    clock.advance(NODE_GONE_MS - 1000);
    await a.nodes.heartbeat({ startedAt: new Date(T0), sip: '', http: '' });
    await b.nodes.heartbeat({ startedAt: new Date(T0), sip: '', http: '' });
    clock.advance(2000); // c's last beat is now older than NODE_GONE_MS

    const history = new CallHistory({ store: a, live, clock });
    const active = history.active(await history.otherActive());
    expect(active.map((v) => [v.session_id, v.node])).toEqual([[sid(2), 'b'], [sid(1), 'a']]);
    const page = await history.list({}, undefined, 10);
    expect(page.items.map((v) => [v.session_id, v.node, v.in_progress])).toEqual([[sid(3), 'c', false], [sid(2), 'b', true], [sid(1), 'a', true]]);
  });
});
