import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { SelfUrl } from '../lib/self-url.js';
import { HOUR, OutboxFixture, tick, tickTo } from './outbox-testing.js';
import { DEFAULT_BACKOFF, retryDelayMs } from './outbox-worker.js';
import { verifySignature } from './sign.js';

// Delivery, retries, expiry and signing; restarts, concurrency, stop() and several nodes are in outbox-worker-lifecycle.test.ts.
const SID = '0123456789abcdef0123456789abcdef';
const fx = new OutboxFixture();
afterEach(() => fx.closeAll());

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
    const store = await fx.openStore(clock);
    const srv = await fx.receiver((_r, res) => res.end('thanks'));
    const w = fx.worker(store, clock);
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
    const store = await fx.openStore(clock);
    const at: number[] = [];
    const srv = await fx.receiver((_r, res) => {
      at.push(clock.now() - t0);
      res.statusCode = at.length <= 3 ? 500 : 204;
      res.end(at.length <= 3 ? 'down' : '');
    });
    const w = fx.worker(store, clock);
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
    const store = await fx.openStore(clock);
    const srv = await fx.receiver((_r, res) => {
      res.statusCode = 503;
      res.end();
    });
    const w = fx.worker(store, clock, { random: () => 0.5 });
    w.start();
    const id = await w.enqueue('voicemail', { method: 'POST', url: srv.url('/vm'), params: [['box', '7']] });
    await w.settled();
    expect((await store.outbox.get(id))?.nextAttemptAt.getTime()).toBe(clock.now() + 27_000);
  });

  it('keeps retrying for 24 hours, tries once more at the expiry, then gives up', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const store = await fx.openStore(clock);
    const at: number[] = [];
    const srv = await fx.receiver((_r, res) => {
      at.push(clock.now() - t0);
      res.statusCode = 500;
      res.end();
    });
    const w = fx.worker(store, clock);
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
    const store = await fx.openStore(clock);
    const w = fx.worker(store, clock);
    w.start();
    const id = await w.enqueue('post_call', { method: 'GET', url: 'ftp://example.test/x', params: [] });
    await w.settled();
    expect(await store.outbox.get(id)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringMatching(/^bad_url: /) });
  });

  it('sends a URL written as a path to the own HTTP server once it listens, signed over the path as sent', async () => {
    const clock = new FakeClock();
    const store = await fx.openStore(clock);
    const srv = await fx.receiver((_r, res) => res.end('ok'));
    const self = new SelfUrl();
    // HOOKLINE_WEBHOOK_NETWORKS=public refuses loopback, but not hookline's own server.
    const w = fx.worker(store, clock, { self, networks: 'public' });
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
    const store = await fx.openStore(clock);
    const w = fx.worker(store, clock);
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
    const store = await fx.openStore(clock);
    const srv = await fx.receiver((_r, res) => res.end());
    const w = fx.worker(store, clock);
    w.start();
    await w.enqueue('post_call', { method: 'POST', url: srv.url('/signed?x=1'), params: [['a', '1']], secret: 's3cret' });
    await w.settled();
    const [r] = srv.received;
    expect(r?.body).toBe('a=1');
    const header = String(r?.headers['hookline-signature']);
    expect(verifySignature('s3cret', header, 'POST', '/signed?x=1', 'a=1', { nowSeconds: clock.now() / 1000 })).toBe(true);
  });

});
