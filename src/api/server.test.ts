import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { Metrics } from '../lib/metrics.js';
import { createSqliteStore } from '../store/sqlite.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';
import { TestReceiver } from '../webhook/testing.js';
import { silentLogger } from '../lib/logger.js';
import { createHttpApp } from './server.js';

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** One series of the exposition, e.g. `hookline_outbox_pending` or `name{kind="voicemail",outcome="ok"}`. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts what the outbox sends by kind, the deliveries given up, and the backlog', async () => {
    const clock = new FakeClock();
    const store = await createSqliteStore(':memory:', { clock });
    cleanups.push(() => store.close());
    const srv = await TestReceiver.start((r, res) => {
      res.statusCode = r.url.startsWith('/down') ? 500 : 200;
      res.end();
    });
    cleanups.push(() => srv.close());
    const metrics = new Metrics();
    const outbox = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: 'all', userAgentVersion: 'test', clock, random: () => 0, metrics });
    cleanups.push(() => outbox.stop());
    const http = createHttpApp({ metrics, demo: false, isReady: () => true });
    const scrape = async (): Promise<string> => (await http.request('/metrics')).text();

    await outbox.enqueue('voicemail', { method: 'POST', url: srv.url('/vm'), params: [] });
    await outbox.enqueue('post_call', { method: 'GET', url: srv.url('/pc'), params: [] });
    await outbox.enqueue('transcription', { method: 'GET', url: srv.url('/down'), params: [] }, { ttlMs: 0 }); // its only try
    await outbox.enqueue('post_call', { method: 'GET', url: srv.url('/down'), params: [] }); // retried later
    expect(value(await scrape(), 'hookline_outbox_pending')).toBe(4);

    outbox.start();
    await outbox.settled();
    const text = await scrape();
    expect(value(text, 'hookline_webhook_requests_total{kind="voicemail",outcome="ok"}')).toBe(1);
    expect(value(text, 'hookline_webhook_requests_total{kind="post_call",outcome="ok"}')).toBe(1);
    expect(value(text, 'hookline_webhook_requests_total{kind="post_call",outcome="http_status"}')).toBe(1);
    expect(value(text, 'hookline_webhook_requests_total{kind="transcription",outcome="http_status"}')).toBe(1);
    expect(value(text, 'hookline_webhook_latency_seconds_count{kind="post_call"}')).toBe(2);
    expect(value(text, 'hookline_webhook_latency_seconds_count{kind="voicemail"}')).toBe(1);
    expect(value(text, 'hookline_webhook_deliveries_given_up_total{kind="transcription"}')).toBe(1);
    expect(value(text, 'hookline_webhook_deliveries_given_up_total{kind="post_call"}')).toBeUndefined();
    expect(value(text, 'hookline_outbox_pending')).toBe(1); // the post-call action waiting for its retry
  });
});

describe('/healthz', () => {
  it('says why a started server does not take calls (its database away), and ok again when it does', async () => {
    let why: string | undefined = 'database unreachable';
    const http = createHttpApp({ metrics: new Metrics(), demo: false, isReady: () => true, unavailable: () => why });
    const down = await http.request('/healthz');
    expect([down.status, await down.text()]).toEqual([503, 'database unreachable']);
    why = undefined;
    const up = await http.request('/healthz');
    expect([up.status, await up.text()]).toEqual([200, 'ok']);
  });
});

/** The same Click-to-SurVo in each Call Initiation form: legacy, ibp_api with a public key and with the access pair, JSON. */
function everyForm(http: ReturnType<typeof createHttpApp>): Promise<Response[]> {
  return Promise.all([
    http.request('/click_to_xyz.php?app=cts&key=k3y&survo_id=10&phone_to_call=3125550101'),
    http.request('/ibp_api.php?action=clickto.survo&public_key=k3y&survo_id=10&phone_to_call=3125550101'),
    http.request('/ibp_api.php?action=clickto.survo&access_key=k3y&secret_access_key=k3y&survo_id=10&phone_to_call=3125550101'),
    http.request('/api/v1/calls', { method: 'POST', headers: { Authorization: 'Bearer k3y', 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'ivr', blockId: 10, firstNumber: '+13125550101' }) }),
  ]);
}

describe('while the server drains (shutdown)', () => {
  it('says draining on /healthz and refuses new calls in every form with 503 and Retry-After', async () => {
    let draining = false;
    let placed = 0;
    const initiator = {
      initiate: async () => {
        placed++;
        return { outcome: 'connected' as const, sessionId: 'a'.repeat(32) };
      },
    };
    const http = createHttpApp({ metrics: new Metrics(), demo: false, isReady: () => true, isDraining: () => draining, callInitiation: { apiKey: 'k3y', initiator, logger: silentLogger } });
    const requests = (): Promise<Response[]> => everyForm(http);
    expect((await http.request('/healthz')).status).toBe(200);
    expect((await requests()).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(placed).toBe(4);

    draining = true;
    const health = await http.request('/healthz');
    expect([health.status, await health.text()]).toEqual([503, 'draining']);
    const refused = await requests();
    expect(refused.map((r) => [r.status, r.headers.get('retry-after')])).toEqual(Array(4).fill([503, '30']));
    const [legacy, client, server, json] = await Promise.all(refused.map((r) => r.text()));
    expect(legacy).toBe('Call Not Connected: Service Restarting.');
    expect(client).toBe('Call Not Connected: Service Restarting.');
    expect(server).toContain('<result>failed</result><result_description>Call Not Connected: Service Restarting.</result_description>');
    expect(JSON.parse(json!)).toEqual({ error: { code: 'unavailable', message: 'hookline is restarting; try again shortly' } });
    expect(placed).toBe(4);
  });
});

describe('while the node takes no new call (HOOKLINE_MAX_CALLS, overload)', () => {
  it('answers every form 503 with the initiator\'s Retry-After, in its own words', async () => {
    const initiator = {
      initiate: async () => ({ outcome: 'unavailable' as const, reason: 'hookline is at its call limit (HOOKLINE_MAX_CALLS); try again shortly', retryAfterS: 5 }),
    };
    const http = createHttpApp({ metrics: new Metrics(), demo: false, isReady: () => true, callInitiation: { apiKey: 'k3y', initiator, logger: silentLogger } });
    const refused = await everyForm(http);
    expect(refused.map((r) => [r.status, r.headers.get('retry-after')])).toEqual(Array(4).fill([503, '5']));
    const [legacy, client, server, json] = await Promise.all(refused.map((r) => r.text()));
    expect(legacy).toBe('Call Not Connected: Service Unavailable.');
    expect(client).toBe('Call Not Connected: Service Unavailable.');
    expect(server).toContain('<result>failed</result><result_description>Call Not Connected: Service Unavailable. (hookline is at its call limit (HOOKLINE_MAX_CALLS); try again shortly)</result_description>');
    expect(JSON.parse(json!)).toEqual({ error: { code: 'unavailable', message: 'hookline is at its call limit (HOOKLINE_MAX_CALLS); try again shortly' } });
  });
});
