import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { DEFAULT_BACKOFF, OutboxWorker, retryDelayMs, type OutboxWorkerOptions } from './outbox-worker.js';
import { verifySignature } from './sign.js';
import { SelfUrl } from '../lib/self-url.js';
import { TestReceiver, type Handler } from './testing.js';

const SID = '0123456789abcdef0123456789abcdef';
const HOUR = 3_600_000;

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function receiver(handler: Handler): Promise<TestReceiver> {
  const r = await TestReceiver.start(handler);
  cleanups.push(() => r.close());
  return r;
}

async function openStore(clock: FakeClock, path = ':memory:'): Promise<Store> {
  const store = await createSqliteStore(path, { clock });
  cleanups.push(() => store.close());
  return store;
}

function worker(store: Store, clock: FakeClock, over: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
  const w = new OutboxWorker({
    outbox: store.outbox,
    log: store.webhooks,
    networks: 'all',
    userAgentVersion: 'test',
    clock,
    random: () => 0,
    timeoutMs: 5_000,
    ...over,
  });
  cleanups.push(() => w.stop());
  return w;
}

/** Fake time forward, then wait (in real time) for the poll it triggered and its deliveries. */
async function tick(clock: FakeClock, w: OutboxWorker, ms: number): Promise<void> {
  clock.advance(ms);
  await w.settled();
}

/**
 * Moves fake time to `target` so that a poll runs exactly then. A poll reads the clock when its timer
 * fires (1 s after the last poll), so one long advance would poll early, mid-jump: stop 1 s short first.
 */
async function tickTo(clock: FakeClock, w: OutboxWorker, target: number): Promise<void> {
  if (target - clock.now() > 1_000) await tick(clock, w, target - clock.now() - 1_000);
  await tick(clock, w, Math.max(0, target - clock.now()));
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A receiver that holds every response until released (for concurrency and stop()). */
async function holdingReceiver(): Promise<{ srv: TestReceiver; release(): void }> {
  const held: ServerResponse[] = [];
  const srv = await receiver((_r, res) => held.push(res));
  return { srv, release: () => held.splice(0).forEach((res) => res.end('ok')) };
}

describe('retryDelayMs', () => {
  it.each([
    [1, 0, 30_000],
    [2, 0, 60_000],
    [3, 0, 120_000],
    [7, 0, 1_920_000],
    [8, 0, HOUR], // 3,840 s capped at 1 h
    [500, 0, HOUR], // no overflow however long it has failed
    [1, 0.5, 27_000], // jitter takes up to 20 % off...
    [8, 0.999_999, 2_880_001], // ...never adds, so the cap holds
  ])('after %i failures with random %f: %i ms', (failures, r, ms) => {
    expect(retryDelayMs(failures, () => r, DEFAULT_BACKOFF)).toBe(ms);
  });
});

describe('OutboxWorker', () => {
  it('writes first, delivers once on a 2xx and never sends it again', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const srv = await receiver((_r, res) => res.end('thanks'));
    const w = worker(store, clock);
    const id = await w.enqueue('post_call', { method: 'GET', url: srv.url('/pc?static=1'), params: [['session', SID], ['n', 'a b']] }, { sessionId: SID });
    // Not started: stored and waiting, nothing sent.
    expect(await store.outbox.get(id)).toMatchObject({ state: 'pending', attempts: 0, expiresAt: new Date(clock.now() + 24 * HOUR) });
    expect(srv.received).toHaveLength(0);

    w.start();
    await w.settled();
    expect(srv.received.map((r) => r.url)).toEqual([`/pc?static=1&session=${SID}&n=a+b`]);
    expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 1 });
    const log = await store.webhooks.forSession(SID);
    expect(log).toMatchObject([{ kind: 'post_call', method: 'GET', status: 200, responseBody: 'thanks', attempt: 1, params: [['session', SID], ['n', 'a b']] }]);

    for (let i = 0; i < 5; i++) await tick(clock, w, HOUR);
    expect(srv.received).toHaveLength(1);
  });

  it('retries a failure with doubling backoff until a 2xx, one log row per attempt', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const store = await openStore(clock);
    const at: number[] = [];
    const srv = await receiver((_r, res) => {
      at.push(clock.now() - t0);
      res.statusCode = at.length <= 3 ? 500 : 204;
      res.end(at.length <= 3 ? 'down' : '');
    });
    const w = worker(store, clock);
    w.start();
    const id = await w.enqueue('transcription', { method: 'GET', url: srv.url('/t'), params: [] });
    await w.settled();
    for (let i = 0; i < 300; i++) await tick(clock, w, 1_000);

    expect(at).toEqual([0, 30_000, 90_000, 210_000]); // waits of 30 s, 60 s, 120 s
    expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 4, lastError: 'http_status: HTTP status 500' });
    const log = (await store.webhooks.recent(10)).reverse();
    expect(log.map((e) => [e.kind, e.status, e.failure ?? null])).toEqual([
      ['transcription', 500, 'http_status: HTTP status 500'],
      ['transcription', 500, 'http_status: HTTP status 500'],
      ['transcription', 500, 'http_status: HTTP status 500'],
      ['transcription', 204, null],
    ]);
  });

  it('takes the jitter from the injected randomness', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const srv = await receiver((_r, res) => {
      res.statusCode = 503;
      res.end();
    });
    const w = worker(store, clock, { random: () => 0.5 });
    w.start();
    const id = await w.enqueue('voicemail', { method: 'POST', url: srv.url('/vm'), params: [['box', '7']] });
    await w.settled();
    expect((await store.outbox.get(id))?.nextAttemptAt.getTime()).toBe(clock.now() + 27_000);
  });

  it('keeps retrying for 24 hours, tries once more at the expiry, then gives up', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const store = await openStore(clock);
    const at: number[] = [];
    const srv = await receiver((_r, res) => {
      at.push(clock.now() - t0);
      res.statusCode = 500;
      res.end();
    });
    const w = worker(store, clock);
    w.start();
    const id = await w.enqueue('post_call', { method: 'GET', url: srv.url('/'), params: [] });
    await w.settled();
    for (let guard = 0; guard < 100; guard++) {
      const item = await store.outbox.get(id);
      if (item?.state !== 'pending') break;
      await tickTo(clock, w, Math.max(clock.now() + 1_000, item.nextAttemptAt.getTime()));
    }

    // The schedule the backoff promises, the last retry clamped to the expiry.
    const expected = [0];
    for (let n = 1; expected.at(-1)! < 24 * HOUR; n++) expected.push(Math.min(expected.at(-1)! + retryDelayMs(n, () => 0), 24 * HOUR));
    expect(at).toEqual(expected);
    expect(await store.outbox.get(id)).toMatchObject({ state: 'failed', attempts: expected.length, lastError: 'http_status: HTTP status 500' });
    expect((await store.webhooks.recent(100)).length).toBe(expected.length);

    await tick(clock, w, 2 * HOUR);
    expect(at).toHaveLength(expected.length);
  });

  it('gives up at once on a URL that can never be sent to', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const w = worker(store, clock);
    w.start();
    const id = await w.enqueue('post_call', { method: 'GET', url: 'ftp://example.test/x', params: [] });
    await w.settled();
    expect(await store.outbox.get(id)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringMatching(/^bad_url: /) });
  });

  it('sends a URL written as a path to the own HTTP server once it listens, signed over the path as sent', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const srv = await receiver((_r, res) => res.end('ok'));
    const self = new SelfUrl();
    // HOOKLINE_WEBHOOK_NETWORKS=public refuses loopback, but not hookline's own server.
    const w = worker(store, clock, { self, networks: 'public' });
    w.start();
    const id = await w.enqueue('voicemail', { method: 'POST', url: '/demo/hook?step=voicemail', params: [['a', '1']], secret: 's3cret' });
    await w.settled();
    // Not listening yet (serve starts the outbox once HTTP is up; an old item may still come early):
    // a retry, not a give-up, and the stored URL stays a path for whichever server sends it later.
    expect(await store.outbox.get(id)).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringMatching(/^connection: .*not listening/) });
    expect(JSON.parse((await store.outbox.get(id))!.payload)).toMatchObject({ url: '/demo/hook?step=voicemail' });
    self.listening('127.0.0.1', srv.port);
    await tickTo(clock, w, (await store.outbox.get(id))!.nextAttemptAt.getTime());
    expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 2 });
    const [r] = srv.received;
    expect(r?.url).toBe('/demo/hook?step=voicemail');
    expect(verifySignature('s3cret', String(r?.headers['hookline-signature']), 'POST', '/demo/hook?step=voicemail', 'a=1', { nowSeconds: clock.now() / 1000 })).toBe(true);
    expect((await store.webhooks.recent(1))[0]).toMatchObject({ kind: 'voicemail', url: `${srv.url('/demo/hook?step=voicemail')}`, status: 200 });
  });

  it('fails rows it cannot read rather than retrying them forever', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const w = worker(store, clock);
    const now = new Date(clock.now());
    const bad = await store.outbox.enqueue({ kind: 'post_call', payload: '{not json', nextAttemptAt: now, expiresAt: now });
    const odd = await store.outbox.enqueue({ kind: 'fax', payload: JSON.stringify({ v: 1, method: 'GET', url: 'http://127.0.0.1:1/', params: [] }), nextAttemptAt: now, expiresAt: now });
    w.start();
    await w.settled();
    expect(await store.outbox.get(bad)).toMatchObject({ state: 'failed', lastError: 'unreadable outbox payload' });
    expect(await store.outbox.get(odd)).toMatchObject({ state: 'failed', lastError: 'unknown outbox kind "fax"' });
  });

  it('signs with the stored secret', async () => {
    const clock = new FakeClock();
    const store = await openStore(clock);
    const srv = await receiver((_r, res) => res.end());
    const w = worker(store, clock);
    w.start();
    await w.enqueue('post_call', { method: 'POST', url: srv.url('/signed?x=1'), params: [['a', '1']], secret: 's3cret' });
    await w.settled();
    const [r] = srv.received;
    expect(r?.body).toBe('a=1');
    const header = String(r?.headers['hookline-signature']);
    expect(verifySignature('s3cret', header, 'POST', '/signed?x=1', 'a=1', { nowSeconds: clock.now() / 1000 })).toBe(true);
  });

  it('survives a restart: pending items go out from the new process, delivered ones never again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-outbox-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hookline.db');
    const clock = new FakeClock();
    let up = false;
    const srv = await receiver((r, res) => {
      res.statusCode = up || r.url.startsWith('/ok') ? 200 : 500;
      res.end();
    });

    const store1 = await createSqliteStore(file, { clock });
    const w1 = worker(store1, clock);
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
    const store2 = await openStore(clock, file);
    const w2 = worker(store2, clock);
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
    const store = await openStore(clock);
    const { srv, release } = await holdingReceiver();
    const w = worker(store, clock, { concurrency: 2 });
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
    const store = await openStore(clock);
    const { srv, release } = await holdingReceiver();
    const w = worker(store, clock);
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
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hookline.db');
    const clock = new FakeClock();
    const { srv, release } = await holdingReceiver();
    const store1 = await createSqliteStore(file, { clock });
    const w1 = worker(store1, clock, { concurrency: 2 });
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

    const store2 = await openStore(clock, file);
    const w2 = worker(store2, clock, { concurrency: 2 });
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
  const dir = mkdtempSync(join(tmpdir(), 'hookline-outbox-nodes-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers each item once between two nodes, and a dead node\'s claimed item once its lease runs out', async () => {
    const clock = new FakeClock();
    const file = join(dir, 'shared.db');
    const a = await createSqliteStore(file, { clock, nodeId: 'a' });
    const b = await createSqliteStore(file, { clock, nodeId: 'b' });
    cleanups.push(() => a.close(), () => b.close());
    const srv = await receiver((_r, res) => res.end('ok'));
    const wa = worker(a, clock, { leaseMs: 60_000 });
    const wb = worker(b, clock, { leaseMs: 60_000 });
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
