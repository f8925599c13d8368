import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, one registry per app so that tests and parallel apps don't collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly callsTotal = new Counter({ name: 'hookline_calls_total', help: 'Calls started', labelNames: ['direction'], registers: [this.registry] });
  readonly callsActive = new Gauge({ name: 'hookline_calls_active', help: 'Calls in progress', registers: [this.registry] });
  readonly webhooksTotal = new Counter({
    name: 'hookline_webhook_requests_total',
    help: 'Webhook requests by kind and outcome (ok, or the failure code)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'hookline_webhook_latency_seconds',
    help: 'Time from sending a webhook to its complete response',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly webhooksGivenUp = new Counter({
    name: 'hookline_webhook_deliveries_given_up_total',
    help: 'Durable deliveries (post-call actions, voicemail notifications, transcription post-backs) given up: retry window over, or a URL that cannot be sent to',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  /** Read from the store when /metrics is scraped (one indexed count), so it is right across restarts. */
  readonly outboxPending: Gauge;
  private backlog: (() => Promise<number>) | undefined;

  constructor() {
    const source = (): (() => Promise<number>) | undefined => this.backlog;
    this.outboxPending = new Gauge({
      name: 'hookline_outbox_pending',
      help: 'Durable deliveries waiting for their first try or a retry',
      registers: [this.registry],
      async collect() {
        const count = source();
        if (!count) return;
        try {
          this.set(await count());
        } catch {
          // The last value stands: a scrape must not fail because the store is busy or closing.
        }
      },
    });
  }

  /** Where hookline_outbox_pending comes from (the outbox worker's store). */
  countOutboxWith(count: () => Promise<number>): void {
    this.backlog = count;
  }
}
