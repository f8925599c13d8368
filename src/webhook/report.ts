import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { isSelfPath, type SelfUrl } from '../lib/self-url.js';
import type { WebhookLogRepo } from '../store/types.js';
import type { DeliveryOptions, DeliveryRequest } from './client.js';
import { WebhookError } from './errors.js';
import { deliverLogged, type LogContext, type LoggedDeliveryResult } from './log.js';

/** What an operator watches of every request hookline sends: the process log and /metrics. */
export interface DeliveryReporting {
  logger: Logger;
  metrics?: Metrics;
  /** Resolves URLs written as paths (`/demo/hook`) against hookline's own HTTP server. */
  self?: SelfUrl;
}

/** A response body shown at debug level is cut here: enough to recognise, not a dump. */
const DEBUG_BODY_CHARS = 2000;

/**
 * The URL as configured, for the log: a path stays a path, an absolute URL loses its user and password.
 * The query is kept as written, since that is what the operator put in the flows file and looks for.
 */
export function urlForLog(url: string): string {
  if (isSelfPath(url)) return url;
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/**
 * deliverLogged (the webhook log in the store) plus the process log and the metrics, for every kind of
 * request: IVR webhooks, post-call actions, voicemail notifications and transcription post-backs.
 *
 * A URL written as a path is resolved here, as the request leaves, against the own HTTP server's
 * address (src/lib/self-url.ts). That server is hookline itself, which the operator configured, so the
 * outbound network policy (HOOKLINE_WEBHOOK_NETWORKS=public refuses loopback) does not apply to it.
 * While the server does not listen yet the request fails as a connection failure would: the outbox
 * retries it later, an IVR webhook takes its failure route.
 *
 * Log lines: `webhook request` (info; its parameters at debug) before the request leaves, then
 * `webhook response` (info; the body at debug) or `webhook failed` (warn, with the reason).
 */
export async function deliverReported(
  repo: WebhookLogRepo,
  entry: LogContext,
  req: DeliveryRequest,
  opts: Omit<DeliveryOptions, 'observer'>,
  r: DeliveryReporting,
): Promise<LoggedDeliveryResult> {
  const debug = r.logger.isLevelEnabled('debug');
  const fields = {
    ...(entry.sessionId !== undefined ? { sessionId: entry.sessionId } : {}),
    kind: entry.kind,
    method: req.method,
    url: urlForLog(req.url),
  };
  r.logger.info(debug ? { ...fields, params: req.params } : fields, 'webhook request');

  const self = isSelfPath(req.url);
  const target = self ? r.self?.resolve(req.url) : req.url;
  const result: LoggedDeliveryResult =
    target === undefined
      ? {
          ok: false,
          latencyMs: 0,
          urlSent: req.url,
          logId: 0,
          failure: new WebhookError('connection', `${req.url} is a path on hookline's own HTTP server, which is not listening`),
        }
      : await deliverLogged(repo, entry, { ...req, url: target }, self ? { ...opts, networks: 'all' } : opts);

  r.metrics?.webhooksTotal.inc({ kind: entry.kind, outcome: result.ok ? 'ok' : result.failure.code });
  r.metrics?.webhookLatency.observe({ kind: entry.kind }, result.latencyMs / 1000);
  const answer = {
    ...fields,
    ...(result.status !== undefined ? { status: result.status } : {}),
    latencyMs: result.latencyMs,
    ...(result.body !== undefined ? { bytes: Buffer.byteLength(result.body, 'utf8') } : {}),
    ...(debug && result.body !== undefined ? { body: result.body.slice(0, DEBUG_BODY_CHARS) } : {}),
  };
  if (result.ok) r.logger.info(answer, 'webhook response');
  else r.logger.warn({ ...answer, failure: result.failure.reason }, 'webhook failed');
  return result;
}
