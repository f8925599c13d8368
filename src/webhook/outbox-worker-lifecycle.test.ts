import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { HOUR, OutboxFixture, tick, waitFor } from './outbox-testing.js';
import { OutboxWorker } from './outbox-worker.js';

// The OutboxWorker across restarts, under a concurrency limit, when stopped, and on several nodes sharing a database.
const fx = new OutboxFixture();
afterEach(() => fx.closeAll());

describe('OutboxWorker across restarts and stop()', () => {
  it('survives a restart: pending items go out from the new process, delivered ones never again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-outbox-'));
    fx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hookline.db');
    const clock = new FakeClock();
    let up = false;
    const srv = await fx.receiver((r, res) => {
      res.statusCode = up || r.url.startsWith('/ok') ? 200 : 500;
      res.end();
    });

    const store1 = await createSqliteStore(file, { clock });
    const w1 = fx.worker(store1, clock);
    w1.start();
    const ok = await w1.enqueue('post_call', { method: 'GET', url: srv.url('/ok'), params: [] });
    const retry = await w1.enqueue('post_call', { method: 'GET', url: srv.url('/retry'), params: [] });
    await w1.settled();
    await w1.stop();
    // Enqueued, then the process died before a first attempt.
    const unsent = await new OutboxWorker({ outbox: store1.outbox, log: store1.webhooks, networks: 'all', userAgentVersion: 't', clock }).enqueue('transcription', {
      method: 'GET',
      url: srv.url('/unsent'),
      params: [],
    });
    await store1.close();
    expect(srv.received.map((r) => r.url)).toEqual(['/ok', '/retry']);

    up = true;
    clock.advance(31_000);
    const store2 = await fx.openStore(clock, file);
    const w2 = fx.worker(store2, clock);
    w2.start();
    await w2.settled();
    expect(srv.received.map((r) => r.url)).toEqual(['/ok', '/retry', '/retry', '/unsent']);
    for (const id of [ok, retry, unsent]) expect((await store2.outbox.get(id))?.state).toBe('delivered');
    expect((await store2.outbox.get(retry))?.attempts).toBe(2);

    for (let i = 0; i < 3; i++) await tick(clock, w2, HOUR);
    expect(srv.received).toHaveLength(4);
  });

  it('keeps at most `concurrency` deliveries in flight', async () => {
    const clock = new FakeClock();
    const store = await fx.openStore(clock);
    const { srv, release } = await fx.holdingReceiver();
    const w = fx.worker(store, clock, { concurrency: 2 });
    w.start();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await w.enqueue('post_call', { method: 'GET', url: srv.url(`/${i}`), params: [] }));
    await waitFor(() => srv.received.length === 2, 'two requests');
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.received.length).toBe(2);
    expect(w.inFlightCount).toBe(2);

    // Each freed slot is refilled at once, without waiting for the next poll tick.
    while (srv.received.length < 5) {
      const n = srv.received.length;
      release();
      await waitFor(() => srv.received.length > n || srv.received.length === 5, 'the next requests');
      expect(w.inFlightCount).toBeLessThanOrEqual(2);
    }
    release();
    await w.settled();
    expect(srv.received.map((r) => r.url)).toEqual(['/0', '/1', '/2', '/3', '/4']); // oldest first
    for (const id of ids) expect((await store.outbox.get(id))?.state).toBe('delivered');
  });

  it('stop() waits for deliveries in flight and starts no new ones', async () => {
    const clock = new FakeClock();
    const store = await fx.openStore(clock);
    const { srv, release } = await fx.holdingReceiver();
    const w = fx.worker(store, clock);
    w.start();
    const id = await w.enqueue('post_call', { method: 'GET', url: srv.url('/a'), params: [] });
    await waitFor(() => srv.received.length === 1, 'the request');

    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    // The response is held: however long we looked, stop() could not have resolved yet.
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await store.outbox.get(id))?.state).toBe('delivered');

    const later = await w.enqueue('post_call', { method: 'GET', url: srv.url('/b'), params: [] });
    clock.advance(HOUR);
    // A poll would have started within advance(); settled() waits for one, if any.
    await w.settled();
    expect(w.inFlightCount).toBe(0);
    expect(srv.received).toHaveLength(1);
    expect((await store.outbox.get(later))?.state).toBe('pending'); // stored for the next start()
  });

  it('stop() with more due than in flight: the deliveries in flight finish, the rest wait in the store and go out once after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-outbox-'));
    fx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hookline.db');
    const clock = new FakeClock();
    const { srv, release } = await fx.holdingReceiver();
    const store1 = await createSqliteStore(file, { clock });
    const w1 = fx.worker(store1, clock, { concurrency: 2 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await w1.enqueue('post_call', { method: 'GET', url: srv.url(`/${i}`), params: [] }));
    w1.start();
    await waitFor(() => srv.received.length === 2, 'two requests in flight');
    const stopping = w1.stop(); // the shutdown, with two held by the receiver
    release();
    await stopping;
    expect(srv.received.map((r) => r.url)).toEqual(['/0', '/1']);
    const states = async (store: Store): Promise<Array<string | undefined>> => Promise.all(ids.map(async (id) => (await store.outbox.get(id))?.state));
    expect(await states(store1)).toEqual(['delivered', 'delivered', 'pending', 'pending', 'pending']);
    await store1.close();

    const store2 = await fx.openStore(clock, file);
    const w2 = fx.worker(store2, clock, { concurrency: 2 });
    w2.start();
    await waitFor(() => srv.received.length >= 4, 'the next two');
    release();
    await waitFor(() => srv.received.length === 5, 'the last one');
    release();
    await w2.settled();
    expect(srv.received.map((r) => r.url)).toEqual(['/0', '/1', '/2', '/3', '/4']);
    expect(await states(store2)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
  });
});

describe('OutboxWorker on several nodes sharing a database', () => {
  it('delivers each item once between two nodes, and a dead node\'s claimed item once its lease runs out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-outbox-nodes-'));
    fx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new FakeClock();
    const file = join(dir, 'shared.db');
    const a = await createSqliteStore(file, { clock, nodeId: 'a' });
    const b = await createSqliteStore(file, { clock, nodeId: 'b' });
    fx.onCleanup(() => a.close(), () => b.close());
    const srv = await fx.receiver((_r, res) => res.end('ok'));
    const wa = fx.worker(a, clock, { leaseMs: 60_000 });
    const wb = fx.worker(b, clock, { leaseMs: 60_000 });
    // A third node claimed an item and died before sending it (its claim is all that is left of it).
    const dead = await createSqliteStore(file, { clock, nodeId: 'dead' });
    const orphan = await dead.outbox.enqueue({ kind: 'post_call', payload: JSON.stringify({ v: 1, method: 'GET', url: srv.url('/orphan'), params: [] }), nextAttemptAt: new Date(clock.now()), expiresAt: new Date(clock.now() + HOUR) });
    expect(await dead.outbox.claim(new Date(clock.now()), 1, 60_000)).toHaveLength(1);
    await dead.close();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await wa.enqueue('post_call', { method: 'GET', url: srv.url(`/${i}`), params: [] }));
    wa.start();
    wb.start();
    await waitFor(() => srv.received.length === 12, 'twelve requests');
    await Promise.all([wa.settled(), wb.settled()]);
    expect(srv.received.map((r) => r.url).sort()).toEqual(ids.map((_, i) => `/${i}`).sort());
    // The orphan waits for its lease, then goes out once.
    await tick(clock, wa, 59_000);
    await tick(clock, wb, 0);
    expect(srv.received.some((r) => r.url === '/orphan')).toBe(false);
    await tick(clock, wa, 2_000);
    await tick(clock, wb, 1_000);
    await waitFor(() => srv.received.some((r) => r.url === '/orphan'), 'the orphan');
    await Promise.all([wa.settled(), wb.settled()]);
    expect(srv.received.filter((r) => r.url === '/orphan')).toHaveLength(1);
    expect(await a.outbox.get(orphan)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(await a.outbox.pendingCount()).toBe(0);
  });
});
