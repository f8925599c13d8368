import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import type { WebhookLogRepo } from '../store/types.js';
import { deliverLogged } from './log.js';
import { MemoryWebhookLog } from './memory-log.js';
import { TestReceiver, type Handler } from './testing.js';

let servers: TestReceiver[] = [];
async function receiver(handler: Handler): Promise<TestReceiver> {
  const r = await TestReceiver.start(handler);
  servers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const SID = '0123456789abcdef0123456789abcdef';
const PARAMS: Array<[string, string]> = [
  ['ivr_id', '10'],
  ['account', '1234'],
];
const OPTS = { timeoutMs: 2000, networks: 'all' as const };

describe('deliverLogged', () => {
  it('writes the request before it leaves, then completes it with the outcome', async () => {
    const log = new MemoryWebhookLog();
    let seenAtArrival: unknown;
    const srv = await receiver((_r, res) => {
      seenAtArrival = structuredClone(log.entries);
      res.end('<action><app>hangup</app></action>');
    });
    const r = await deliverLogged(log, { sessionId: SID, kind: 'ivr' }, { method: 'GET', url: srv.url('/hook?s=1'), params: PARAMS, userAgentVersion: 'x' }, OPTS);
    expect(r).toMatchObject({ ok: true, status: 200, logId: 1 });
    expect(r.logError).toBeUndefined();
    expect(seenAtArrival).toEqual([
      {
        id: 1,
        sessionId: SID,
        kind: 'ivr',
        method: 'GET',
        url: srv.url('/hook?s=1&ivr_id=10&account=1234'),
        params: PARAMS,
        sentAt: expect.any(Date),
        attempt: 1,
      },
    ]);
    expect(log.entries[0]).toMatchObject({ status: 200, responseBody: '<action><app>hangup</app></action>', latencyMs: expect.any(Number) });
    expect(log.entries[0]!.failure).toBeUndefined();
    expect(await log.forSession(SID)).toHaveLength(1);
  });

  it('logs each attempt of a retried refused connection with its reason', async () => {
    const s = http.createServer();
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((ok) => s.close(() => ok()));
    const log = new MemoryWebhookLog();
    const r = await deliverLogged(log, { kind: 'post_call' }, { method: 'POST', url: `http://127.0.0.1:${port}/`, params: PARAMS, userAgentVersion: 'x' }, OPTS);
    expect(r).toMatchObject({ ok: false, logId: 2, failure: { code: 'connection' } });
    expect(log.entries.map((e) => [e.attempt, e.kind, e.sessionId])).toEqual([
      [1, 'post_call', undefined],
      [2, 'post_call', undefined],
    ]);
    for (const e of log.entries) expect(e.failure).toMatch(/^connection: ECONNREFUSED/);
  });

  it('logs every redirect hop with the params it actually carried', async () => {
    const srv = await receiver((r, res) => {
      if (r.url === '/a') {
        res.writeHead(303, { location: '/b' });
        return res.end('see other');
      }
      res.writeHead(500);
      res.end('nope');
    });
    const log = new MemoryWebhookLog();
    const r = await deliverLogged(log, { sessionId: SID, kind: 'ivr' }, { method: 'POST', url: srv.url('/a'), params: PARAMS, userAgentVersion: 'x' }, OPTS);
    expect(r).toMatchObject({ ok: false, status: 500, logId: 2 });
    expect(log.entries).toMatchObject([
      { attempt: 1, method: 'POST', url: srv.url('/a'), params: PARAMS, status: 303, responseBody: 'see other' },
      { attempt: 2, method: 'GET', url: srv.url('/b'), params: [], status: 500, responseBody: 'nope', failure: 'http_status: HTTP status 500' },
    ]);
    expect(log.entries[0]!.failure).toBeUndefined();
  });

  it('keeps only the first 64 KiB of an oversized body', async () => {
    const srv = await receiver((_r, res) => res.end('q'.repeat(100 * 1024)));
    const log = new MemoryWebhookLog();
    await deliverLogged(log, { kind: 'ivr' }, { method: 'GET', url: srv.url(), params: [], userAgentVersion: 'x' }, OPTS);
    expect(log.entries[0]!.responseBody).toHaveLength(64 * 1024);
    expect(log.entries[0]!.failure).toMatch(/^too_large/);
  });

  it('a timeout is logged as such, on an injected clock', async () => {
    const srv = await receiver(() => undefined);
    const clock = new FakeClock();
    const log = new MemoryWebhookLog();
    const p = deliverLogged(log, { kind: 'ivr' }, { method: 'GET', url: srv.url(), params: [], userAgentVersion: 'x' }, { ...OPTS, timeoutMs: 10_000, clock });
    while (srv.received.length === 0) await new Promise((ok) => setTimeout(ok, 5));
    clock.advance(10_000);
    const r = await p;
    expect(r).toMatchObject({ ok: false, latencyMs: 10_000, failure: { code: 'timeout' } });
    expect(log.entries[0]).toMatchObject({ latencyMs: 10_000, failure: 'timeout: no complete response within 10000 ms' });
  });

  it('a broken log never changes the delivery; its error is handed back', async () => {
    const srv = await receiver((_r, res) => res.end('fine'));
    const broken: WebhookLogRepo = {
      logRequest: () => Promise.reject(new Error('disk full')),
      logOutcome: () => Promise.reject(new Error('unreachable')),
      forSession: () => Promise.resolve([]),
      recent: () => Promise.resolve([]),
      get: () => Promise.resolve(undefined),
      list: () => Promise.resolve([]),
    };
    const r = await deliverLogged(broken, { kind: 'ivr' }, { method: 'GET', url: srv.url(), params: [], userAgentVersion: 'x' }, OPTS);
    expect(r).toMatchObject({ ok: true, body: 'fine', logId: 0, logError: new Error('disk full') });
  });
});
