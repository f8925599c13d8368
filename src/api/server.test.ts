import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { Metrics } from '../lib/metrics.js';
import { createSqliteStore } from '../store/sqlite.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';
import { TestReceiver } from '../webhook/testing.js';
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
