/**
 * The webhook log: every request hookline sent (IVR webhooks, transcription post-backs, post-call
 * actions, voicemail notifications), with what came back; and sending one again.
 */
import { z } from 'zod';
import { WebhookLog, type WebhookLogOptions } from '../../admin/webhook-log.js';
import { strict } from '../../config/schema.js';
import { sessionIdSchema, webhookSchema, webhookSummaryShape } from './calls-routes.js';
import { pageQuery, pageSchema } from './paging.js';
import type { AdminRouter } from './router.js';

export type WebhookRoutesDeps = WebhookLogOptions;

const id = z.coerce.number().int().positive();
const iso = z.iso.datetime({ offset: true });

const listQuery = strict({
  session_id: sessionIdSchema.optional(),
  kind: z.enum(['ivr', 'transcription', 'post_call', 'voicemail']).optional(),
  failed: z.stringbool().optional().meta({ description: 'true: only requests that failed; false: only those that did not' }),
  since: iso.optional().meta({ description: 'Requests sent at or after this time' }),
  until: iso.optional().meta({ description: 'Requests sent before this time' }),
  ...pageQuery,
});

export function registerWebhookRoutes(router: AdminRouter, deps: WebhookRoutesDeps): WebhookLog {
  const log = new WebhookLog(deps);

  router.add({
    id: 'listWebhooks',
    method: 'get',
    path: '/webhooks',
    tag: 'webhooks',
    summary: 'The webhook log, newest first',
    description: 'Each entry is one request as it left (a retry or a redirect hop is an entry of its own). GET /webhooks/{id} adds the parameters and the response body.',
    scope: 'read',
    query: listQuery,
    responses: { 200: { description: 'A page of entries', schema: pageSchema(z.object(webhookSummaryShape)) } },
    handle: async (c, { query: q }) =>
      c.json(
        await log.list(
          {
            ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}),
            ...(q.kind !== undefined ? { kind: q.kind } : {}),
            ...(q.failed !== undefined ? { failed: q.failed } : {}),
            ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
            ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
          },
          q.cursor,
          q.limit,
        ),
      ),
  });

  router.add({
    id: 'getWebhook',
    method: 'get',
    path: '/webhooks/{id}',
    tag: 'webhooks',
    summary: 'One request with its parameters and what came back',
    scope: 'read',
    params: z.object({ id }),
    responses: { 200: { description: 'The entry', schema: webhookSchema }, 404: { description: 'No such entry' } },
    handle: async (c, { params }) => c.json(await log.get(params.id)),
  });

  router.add({
    id: 'replayWebhook',
    method: 'post',
    path: '/webhooks/{id}/replay',
    tag: 'webhooks',
    summary: 'Send a logged request again',
    description:
      'Same method, URL and parameters, through the same delivery code as during a call, under the current network policy and timeout, and signed when the IVR (or box, or post-call action) it came from has a `secret` now. The new request is a log entry of its own with `replay_of` set; the answer is that entry. A failed delivery is still a 200: the entry says how it failed.',
    scope: 'calls',
    params: z.object({ id }),
    responses: {
      200: { description: 'The new entry: status, latency, response body or failure', schema: webhookSchema },
      404: { description: 'No such entry' },
      409: { description: 'The stored URL cannot be sent (not http or https)' },
    },
    handle: async (c, { params }) => c.json(await log.replay(params.id)),
  });

  return log;
}
