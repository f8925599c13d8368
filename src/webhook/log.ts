import type { WebhookLogEntry, WebhookLogRepo } from '../store/types.js';
import { deliver, type AttemptInfo, type DeliveryOptions, type DeliveryRequest, type DeliveryResult } from './client.js';
import { MAX_BODY_BYTES } from './xml.js';

export interface LogContext {
  sessionId?: string;
  kind: WebhookLogEntry['kind'];
  /** The entry this delivery repeats (a replay from the console). */
  replayOf?: number;
}

export type LoggedDeliveryResult = DeliveryResult & {
  /** Log entry of the request that produced the result (the last one sent); 0 if it could not be written. */
  logId: number;
  /**
   * The first error the log repository threw, if any. Logging never changes what the caller hears,
   * so the delivery's outcome stands; the error is handed up for the caller to report, not dropped.
   */
  logError?: unknown;
};

/** The log keeps the first 64 KiB of a body; the client already stops there, this is the guarantee. */
function cap(body: string | undefined): string | undefined {
  if (body === undefined || Buffer.byteLength(body, 'utf8') <= MAX_BODY_BYTES) return body;
  return Buffer.from(body, 'utf8').subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/**
 * deliver() with every request in the webhook log: one entry per request that leaves (the first
 * try, the retry, each redirect hop), written before it leaves, then completed with its status,
 * latency, body and failure reason. A crash mid-request still leaves the record of what was sent.
 */
export async function deliverLogged(
  repo: WebhookLogRepo,
  entry: LogContext,
  req: DeliveryRequest,
  opts: Omit<DeliveryOptions, 'observer'>,
): Promise<LoggedDeliveryResult> {
  const ids = new Map<AttemptInfo, number>();
  let logId = 0;
  let logError: unknown;
  const guard = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      logError ??= err;
    }
  };

  const result = await deliver(req, {
    ...opts,
    observer: {
      onSend: (a) =>
        guard(async () => {
          const id = await repo.logRequest({
            ...(entry.sessionId !== undefined ? { sessionId: entry.sessionId } : {}),
            kind: entry.kind,
            method: a.method,
            url: a.url,
            params: a.params,
            sentAt: a.sentAt,
            attempt: a.attempt,
            ...(entry.replayOf !== undefined ? { replayOf: entry.replayOf } : {}),
          });
          ids.set(a, id);
          logId = id;
        }),
      onOutcome: (a, o) =>
        guard(async () => {
          const id = ids.get(a);
          if (id === undefined) return; // its request could not be logged; nothing to complete
          const responseBody = cap(o.body);
          await repo.logOutcome(id, {
            latencyMs: o.latencyMs,
            ...(o.status !== undefined ? { status: o.status } : {}),
            ...(responseBody !== undefined ? { responseBody } : {}),
            ...(o.failure ? { failure: o.failure.reason } : {}),
          });
        }),
    },
  });
  return logError === undefined ? { ...result, logId } : { ...result, logId, logError };
}
