import type { LookupFunction } from 'node:net';
import { silentLogger, type Logger } from '../lib/logger.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { PollLoop } from '../lib/poll-loop.js';
import type { OutboxItem, OutboxRepo, WebhookLogRepo } from '../store/types.js';
import type { WebhookMethod } from './encode.js';
import type { NetworkPolicy } from './policy.js';
import type { Metrics } from '../lib/metrics.js';
import type { SelfUrl } from '../lib/self-url.js';
import { deliverReported } from './report.js';

/** What the outbox delivers; each is its own `kind` in the webhook log. */
export type OutboxKind = 'post_call' | 'transcription' | 'voicemail';
const KINDS: readonly string[] = ['post_call', 'transcription', 'voicemail'] satisfies OutboxKind[];

/** A webhook-style request waiting for delivery: what postCallRequests and transcriptionPostback build. */
export interface OutboxRequest {
  method: WebhookMethod;
  url: string;
  /** In the order they are sent: appended to the URL's query for GET, the form body for POST. */
  params: Array<[string, string]>;
  /** Signs the request (Hookline-Signature) when set. */
  secret?: string;
}

/** The outbox row's payload. `v` leaves room to change the shape while old rows are still pending. */
interface Payload extends OutboxRequest {
  v: 1;
  sessionId?: string;
}

export interface BackoffOptions {
  /** Delay after the first failed attempt; doubles with each further one. */
  initialMs: number;
  maxMs: number;
  /** Fraction of each delay taken off at random, so receivers that come back are not hit all at once. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 30_000, maxMs: 3_600_000, jitter: 0.2 };
/** The spec asks for retries "for at least 24 hours". */
export const DEFAULT_TTL_MS = 24 * 3_600_000;

/**
 * Delay before the next attempt after `failures` failed ones (1 for the first failure): `initialMs`
 * doubling up to `maxMs`, less up to `jitter` of it. Jitter only shortens, so the cap stays a cap.
 */
export function retryDelayMs(failures: number, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(Math.max(0, failures - 1), 30); // 2^30 * 30 s is far past any cap; avoids Infinity
  const base = Math.min(opts.initialMs * 2 ** exp, opts.maxMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - opts.jitter * r));
}

export interface OutboxWorkerOptions {
  outbox: OutboxRepo;
  log: WebhookLogRepo;
  /** Outbound-request policy (HOOKLINE_WEBHOOK_NETWORKS), enforced as for the IVR webhook. */
  networks: NetworkPolicy;
  userAgentVersion: string;
  clock?: Clock;
  /** [0, 1), for the backoff jitter. */
  random?: () => number;
  logger?: Logger;
  /** Bound on one delivery (connect, retry, redirects, body); default 10 s as the IVR webhook's default. */
  timeoutMs?: number;
  /** How often the outbox is checked for items whose retry is due; default 1 s. */
  pollMs?: number;
  /** Deliveries in flight at most; default 4. */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** How long a request is retried; default 24 h. */
  ttlMs?: number;
  /**
   * How long a claimed item stays this node's before another node may take it over (store/lease.ts);
   * default 30 s, and never less than twice `timeoutMs`, so a slow delivery is not claimed again while
   * it is still in flight. It is how long a dead node's deliveries wait before a survivor sends them.
   */
  leaseMs?: number;
  /** DNS resolver, injectable for tests. */
  lookup?: LookupFunction;
  /** Deliveries by kind and outcome, latency, give-ups and the backlog, for /metrics. */
  metrics?: Metrics;
  /** Resolves URLs written as paths against hookline's own HTTP server, when each request leaves. */
  self?: SelfUrl;
}

/**
 * Durable delivery of post-call actions, transcription post-backs and voicemail notifications.
 *
 * A request is written to the outbox before anything is sent, so a crash loses nothing; a loop on the
 * injected clock delivers what is due. A 2xx marks the item delivered (the store never hands it out
 * again); a failure schedules a retry with exponential backoff until the item's expiry, when one last
 * failure marks it failed. Items a previous process left pending are picked up on start(); one found
 * already past its expiry (the server was down longer than that) still gets one try before it is failed.
 *
 * Delivery is at least once: a crash between the 2xx and markDelivered sends the request again after
 * the restart. Receivers that must not double-count can key on the request's content (session id).
 *
 * Several nodes on one database share the queue: each poll claims due items with a lease (the outbox's
 * `claim`), so one item is in one node's hands at a time, and the items of a node that died are claimed
 * by another once their lease runs out. A node's start frees what its previous run had claimed.
 */
export class OutboxWorker {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly loop: PollLoop;
  private readonly concurrency: number;
  private readonly backoff: BackoffOptions;
  private readonly ttlMs: number;
  private readonly leaseMs: number;

  /** The claims a previous run of this node left, being freed before the first poll. */
  private released: Promise<void> = Promise.resolve();
  /** A wake-up came while a poll ran: poll again as soon as it ends, or the new item waits a full interval. */
  /** Keyed by outbox id: `due` keeps returning an item until its outcome is written, so skip these. */
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(private readonly opts: OutboxWorkerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.logger = opts.logger ?? silentLogger;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.loop = new PollLoop(this.clock, opts.pollMs ?? 1_000, () => this.poll());
    this.concurrency = Math.max(1, Math.trunc(opts.concurrency ?? 4));
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.leaseMs = Math.max(opts.leaseMs ?? 30_000, 2 * this.timeoutMs);
    opts.metrics?.countOutboxWith(() => opts.outbox.pendingCount());
  }

  /**
   * Writes the request to the outbox and returns its id; resolves once it is stored, not sent. When the
   * worker runs, the first attempt starts at once. Rejects only when the store cannot write it.
   */
  async enqueue(kind: OutboxKind, request: OutboxRequest, options: { sessionId?: string; ttlMs?: number } = {}): Promise<number> {
    const id = await this.opts.outbox.enqueue(this.row(kind, request, options));
    if (this.loop.isRunning) this.loop.wake();
    return id;
  }

  /**
   * The outbox row `enqueue` would write, for a caller that writes it itself in a transaction of its own
   * (a transcription's text and its post-back go together); call `poke()` once it is written.
   */
  row(kind: OutboxKind, request: OutboxRequest, options: { sessionId?: string; ttlMs?: number } = {}): { kind: OutboxKind; payload: string; nextAttemptAt: Date; expiresAt: Date } {
    const now = this.clock.now();
    const payload: Payload = { v: 1, method: request.method, url: request.url, params: request.params };
    // The secret is stored with the request: a retry hours later must sign exactly as the first try.
    if (request.secret !== undefined) payload.secret = request.secret;
    if (options.sessionId !== undefined) payload.sessionId = options.sessionId;
    return { kind, payload: JSON.stringify(payload), nextAttemptAt: new Date(now), expiresAt: new Date(now + (options.ttlMs ?? this.ttlMs)) };
  }

  /** Something was written to the outbox behind the worker's back: look now rather than at the next poll. */
  poke(): void {
    if (this.loop.isRunning) this.loop.wake();
  }

  /** Starts the loop; the first poll runs at once, so items left pending by a previous process go out. */
  start(): void {
    if (this.loop.isRunning) return;
    // Nothing of this node is in flight yet: what its previous run claimed (and never finished) is free again.
    this.released = this.opts.outbox.releaseClaims().then(
      (n) => void (n > 0 && this.logger.info({ items: n }, 'outbox: took back what the previous run had claimed')),
      (err: unknown) => this.logger.warn({ err }, 'outbox: cannot free the previous run\'s claims; they come back when their lease runs out'),
    );
    this.loop.start();
  }

  /** Stops polling and resolves once every delivery in flight has its outcome written. */
  async stop(): Promise<void> {
    this.loop.stop();
    await this.settled();
  }

  /** Resolves when no poll is running and nothing is in flight (tests drive the clock, then wait here). */
  async settled(): Promise<void> {
    while (this.loop.current || this.inFlight.size > 0) {
      await Promise.all([this.loop.current, ...this.inFlight.values()]);
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Polls now (or right after the poll that is running) instead of at the next tick. */

  private async poll(): Promise<void> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return; // a finishing delivery wakes the loop
    let items: OutboxItem[];
    await this.released;
    try {
      // A claim: other nodes do not get these while the lease runs, and the ones in flight here are
      // leased already, so they do not come back.
      items = await this.opts.outbox.claim(new Date(this.clock.now()), free, this.leaseMs);
    } catch (err) {
      this.logger.error({ err }, 'outbox: cannot read due items; retrying at the next poll');
      return;
    }
    if (!this.loop.isRunning) return; // stop() came while the store answered
    for (const item of items.filter((i) => !this.inFlight.has(i.id)).slice(0, free)) {
      const p = this.attempt(item).finally(() => {
        this.inFlight.delete(item.id);
        this.loop.wake(); // a slot is free: there may be more due items than fitted in this poll
      });
      this.inFlight.set(item.id, p);
    }
  }

  /** One delivery of one item and the outcome written back; never rejects. */
  private async attempt(item: OutboxItem): Promise<void> {
    try {
      const payload = parsePayload(item.payload);
      if (!payload || !KINDS.includes(item.kind)) {
        // Nothing a retry could fix: a row this version cannot read.
        await this.opts.outbox.markFailed(item.id, payload ? `unknown outbox kind "${item.kind}"` : 'unreadable outbox payload');
        this.opts.metrics?.webhooksGivenUp.inc({ kind: item.kind });
        return;
      }
      // The URL is stored as configured (a path stays a path) and resolved as the request leaves, so an
      // item queued by `simulate` or before a restart on another port reaches the server that sends it.
      const result = await deliverReported(
        this.opts.log,
        { kind: item.kind as OutboxKind, ...(payload.sessionId !== undefined ? { sessionId: payload.sessionId } : {}) },
        {
          method: payload.method,
          url: payload.url,
          params: payload.params,
          userAgentVersion: this.opts.userAgentVersion,
          ...(payload.secret !== undefined ? { secret: payload.secret } : {}),
        },
        { timeoutMs: this.timeoutMs, networks: this.opts.networks, clock: this.clock, ...(this.opts.lookup ? { lookup: this.opts.lookup } : {}) },
        { logger: this.logger, ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}), ...(this.opts.self ? { self: this.opts.self } : {}) },
      );
      if (result.logError !== undefined) this.logger.warn({ err: result.logError, outboxId: item.id }, 'outbox: webhook log write failed');
      if (result.ok) {
        await this.opts.outbox.markDelivered(item.id);
        return;
      }
      const reason = result.failure.reason;
      const now = this.clock.now();
      // A URL that cannot be sent to will not become sendable by waiting.
      if (result.failure.code === 'bad_url' || now >= item.expiresAt.getTime()) {
        this.logger.warn({ outboxId: item.id, kind: item.kind, attempts: item.attempts + 1, reason }, 'outbox: giving up');
        await this.opts.outbox.markFailed(item.id, reason);
        this.opts.metrics?.webhooksGivenUp.inc({ kind: item.kind });
        return;
      }
      // The last retry lands on the expiry itself, so the full retry period is always used.
      const next = Math.min(now + retryDelayMs(item.attempts + 1, this.random, this.backoff), item.expiresAt.getTime());
      this.logger.info({ outboxId: item.id, kind: item.kind, attempts: item.attempts + 1, reason, nextAttemptAt: new Date(next) }, 'outbox: will retry');
      await this.opts.outbox.markRetry(item.id, new Date(next), reason);
    } catch (err) {
      // The store failed to record the outcome: the item stays pending and is tried again at its old time.
      this.logger.error({ err, outboxId: item.id }, 'outbox: cannot record delivery outcome');
    }
  }
}

function isParams(v: unknown): v is Array<[string, string]> {
  return Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
}

/** The stored payload, or undefined when it is not one this version wrote. */
function parsePayload(text: string): Payload | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const p = v as Record<string, unknown>;
  if (p.v !== 1 || (p.method !== 'GET' && p.method !== 'POST') || typeof p.url !== 'string' || !isParams(p.params)) return undefined;
  if (p.secret !== undefined && typeof p.secret !== 'string') return undefined;
  if (p.sessionId !== undefined && typeof p.sessionId !== 'string') return undefined;
  return p as unknown as Payload;
}
