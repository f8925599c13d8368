/**
 * The nodes sharing the database, from their heartbeats: which are alive, where they take SIP and HTTP,
 * and what each carried at its last beat. One node on SQLite; several behind a proxy on Postgres.
 */
import { z } from 'zod';
import { AdminError } from '../../admin/errors.js';
import { NODE_GONE_MS } from '../../admin/history.js';
import type { Clock } from '../../lib/clock.js';
import type { NodeView } from '../../admin/view-types.js';
import type { NodeRecord, Store } from '../../store/types.js';
import type { AdminRouter } from './router.js';

export interface NodeRoutesDeps {
  store: Store;
  clock: Clock;
}

const loadSchema = z
  .object({
    calls: z.int().meta({ description: 'Calls in progress as HOOKLINE_MAX_CALLS counts them: incoming ones from the INVITE, and those the Call Initiation API placed' }),
    max_calls: z.int().meta({ description: 'HOOKLINE_MAX_CALLS; 0 = no cap' }),
    media_late_ms: z.number().meta({ description: 'How late the node sent call audio in the last one to two seconds, at most, in ms. About 1 is on time; a phone hides up to about 40' }),
    loop_lag_ms: z.number().nullable().meta({ description: 'How long the node\'s other work kept its media clock\'s timer waiting in the same window, at most, in ms: its control plane\'s backlog (with HOOKLINE_MEDIA_PRIORITY=audio the audio stays on time and only this shows a full core; HOOKLINE_OVERLOAD_LATE_MS reads both). Null from a node that does not report it' }),
    refused: z.int().meta({ description: 'New calls answered 503 since the node started: full, overloaded, database away, shutting down' }),
    sip_udp_drops: z.int().nullable().meta({ description: 'SIP messages the kernel dropped at the node\'s full SIP socket since it started; null where the system does not tell' }),
  })
  .nullable()
  .meta({ description: 'At the last heartbeat; null before the first heartbeat that said' });

const nodeSchema: z.ZodType<NodeView> = z.object({
  node_id: z.string().meta({ description: 'HOOKLINE_NODE_ID' }),
  alive: z.boolean().meta({ description: `Its heartbeat (every 2 s) is less than ${NODE_GONE_MS / 1000} s old` }),
  this_node: z.boolean().meta({ description: 'The node that answered this request' }),
  sip: z.string().meta({ description: 'Where it takes SIP (host:port), as it advertises it' }),
  http: z.string().meta({ description: 'Its HTTP base URL' }),
  started_at: z.iso.datetime({ offset: true }),
  seen_at: z.iso.datetime({ offset: true }).meta({ description: 'Its last heartbeat' }),
  load: loadSchema,
});

/** Milliseconds to a tenth: finer is noise in a figure read every 2 s. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;

export function nodeView(n: NodeRecord, now: number, thisNode: string): NodeView {
  const l = n.load;
  return {
    node_id: n.nodeId,
    alive: now - n.seenAt.getTime() < NODE_GONE_MS,
    this_node: n.nodeId === thisNode,
    sip: n.sip,
    http: n.http,
    started_at: n.startedAt.toISOString(),
    seen_at: n.seenAt.toISOString(),
    load: l ? { calls: l.calls, max_calls: l.maxCalls, media_late_ms: tenths(l.mediaLateMs), loop_lag_ms: l.loopLagMs === undefined ? null : tenths(l.loopLagMs), refused: l.refused, sip_udp_drops: l.sipUdpDrops ?? null } : null,
  };
}

export function registerNodeRoutes(router: AdminRouter, deps: NodeRoutesDeps): void {
  router.add({
    id: 'listNodes',
    method: 'get',
    path: '/nodes',
    tag: 'nodes',
    summary: 'The nodes sharing the database, alive or gone, with their load',
    description: 'From the heartbeat each node writes every 2 seconds. A node that is gone stays listed (a restarted one keeps its row: same HOOKLINE_NODE_ID) until it is forgotten with DELETE /nodes/{node_id}.',
    scope: 'read',
    responses: { 200: { description: 'Every node that ever beat, by id', schema: z.object({ items: z.array(nodeSchema) }) } },
    handle: async (c) => {
      const now = deps.clock.now();
      return c.json({ items: (await deps.store.nodes.list()).map((n) => nodeView(n, now, deps.store.nodeId)) });
    },
  });

  router.add({
    id: 'forgetNode',
    method: 'delete',
    path: '/nodes/{node_id}',
    tag: 'nodes',
    summary: 'Forget a node that is gone (taken out of service for good)',
    description: `Only a node whose last heartbeat is ${NODE_GONE_MS / 1000} s old or more; its calls stay in the history. Should it start again, it is listed again.`,
    scope: 'admin',
    params: z.object({ node_id: z.string().min(1).max(200) }),
    responses: { 204: { description: 'Forgotten' }, 404: { description: 'No such node' }, 409: { description: 'The node is alive' } },
    handle: async (c, { params }) => {
      // Gone as GET /nodes says it: a last heartbeat NODE_GONE_MS old or more.
      const seenBefore = new Date(deps.clock.now() - NODE_GONE_MS + 1);
      if (await deps.store.nodes.forget(params.node_id, seenBefore)) return c.body(null, 204);
      const known = (await deps.store.nodes.list()).some((n) => n.nodeId === params.node_id);
      if (known) throw new AdminError('conflict', `node ${params.node_id} is alive (its last heartbeat is under ${NODE_GONE_MS / 1000} s old): stop it first`);
      throw new AdminError('not_found', `no node ${params.node_id}`);
    },
  });
}
