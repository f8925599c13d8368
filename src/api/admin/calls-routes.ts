/**
 * Call history, calls in progress (as a list and as a Server-Sent Events stream) and the console home
 * page's counts. POST /calls (placing a call) is the Call Initiation API's (api/calls-api.ts).
 */
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';
import { CallHistory, liveCallView } from '../../admin/history.js';
import type { LiveCallEvent, LiveCalls } from '../../admin/live-calls.js';
import type { CallDetailView, CallSummaryView, LiveCallEventView, LiveCallView, RecordingView, StatsView, WebhookView } from '../../admin/view-types.js';
import { strict } from '../../config/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/types.js';
import { pageQuery, pageSchema } from './paging.js';
import type { AdminRouter } from './router.js';

export interface CallRoutesDeps {
  store: Store;
  /** The registry App.runCall fills (CallTracker.live). */
  live: LiveCalls;
  clock: Clock;
}

/** A comment line this often keeps proxies and browsers from closing an idle event stream. */
export const SSE_PING_MS = 15_000;
/** A client this far behind (not reading) is dropped rather than buffered without end. */
const SSE_MAX_QUEUED = 1000;

export const sessionIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'a session id is 32 lowercase hex characters');
const iso = z.iso.datetime({ offset: true });
const nullableIso = iso.nullable();

const callSummaryObject = z.object({
  session_id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string().meta({ description: 'Caller id; empty when withheld' }),
  to: z.string().meta({ description: 'The dialed number' }),
  started_at: iso,
  ended_at: nullableIso,
  duration_s: z.int().nullable(),
  end_reason: z.string().nullable().meta({ description: 'caller_hangup, hangup, webhook_failure, voicemail_left, transfer_busy, bridge_ended_by_callee...; null while in progress' }),
  in_progress: z.boolean(),
  blocks: z.array(z.string()).meta({ description: 'Building blocks entered, in order: ivr/10, findme/4, transfer/3125550101' }),
  pass_through: z.string(),
  monitored_seconds: z.int(),
  test: z.boolean().meta({ description: 'Run from the console\'s Test panel or POST /test-calls' }),
  node: z.string().nullable().meta({ description: 'The node that runs (ran) the call (HOOKLINE_NODE_ID); null for calls recorded before nodes were' }),
});
export const callSummarySchema: z.ZodType<CallSummaryView> = callSummaryObject;

export const webhookSummaryShape = {
  id: z.int(),
  session_id: z.string().nullable(),
  kind: z.enum(['ivr', 'transcription', 'post_call', 'voicemail']),
  method: z.enum(['GET', 'POST']),
  url: z.string().meta({ description: 'As sent: a GET carries its parameters in the query' }),
  sent_at: iso,
  ok: z.boolean().nullable().meta({ description: 'null: no response recorded' }),
  status: z.int().nullable(),
  latency_ms: z.int().nullable(),
  failure: z.string().nullable(),
  attempt: z.int(),
  replay_of: z.int().nullable().meta({ description: 'The entry this request repeated (POST /webhooks/{id}/replay)' }),
};
export const webhookSchema: z.ZodType<WebhookView> = z.object({
  ...webhookSummaryShape,
  params: z.array(z.object({ name: z.string(), value: z.string() })),
  response_body: z.string().nullable().meta({ description: 'The first 64 KiB' }),
});

export const recordingSchema: z.ZodType<RecordingView> = z.object({
  id: z.int(),
  session_id: z.string(),
  kind: z.enum(['question', 'voicemail', 'call', 'name']),
  file: z.string().meta({ description: 'Relative to the data dir' }),
  duration_ms: z.int(),
  caller_id: z.string(),
  created_at: iso,
  response_id: z.int().nullable(),
  question_no: z.int().nullable(),
  voicemail_id: z.int().nullable(),
  audio_url: z.string().meta({ description: 'The WAV, with Range support' }),
});

const timelineItemSchema = z.object({
  at: iso,
  offset_ms: z.int().meta({ description: 'Since the call started' }),
  type: z.string().meta({
    description: 'answered, sourcetrak, transition, prompt, prompt_interrupted, keys, recording_started, recording_ended, recording_saved, dial, dial_result, bridge_started, bridge_ended, ivr_started, answer, ivr_end, webhook, error, hangup, ended',
  }),
  leg: z.string().nullable().meta({ description: 'The far leg (dialled number) the event happened on; null for the caller' }),
  summary: z.string().meta({ description: 'One line saying what happened' }),
  data: z.record(z.string(), z.unknown()),
});

const callDetailSchema: z.ZodType<CallDetailView> = callSummaryObject.extend({
  current_block: z.string().nullable(),
  timeline: z.array(timelineItemSchema),
  interactions: z.array(z.object({
    response_id: z.int(),
    ivr_id: z.int(),
    started_at: iso,
    ended_at: nullableIso,
    completed: z.boolean(),
    opted_out: z.boolean(),
    answers: z.array(z.object({ question_no: z.int(), question_type: z.string(), value: z.string(), keys: z.string().nullable(), duration_ms: z.int().nullable(), at: iso })),
  })),
  webhooks: z.array(webhookSchema),
  recordings: z.array(recordingSchema),
  sourcetrak: z
    .object({
      pool: z.string(),
      number: z.string(),
      rank: z.int().meta({ description: '1 (one live visitor session showed the number) to 5 (no session to match): docs/sourcetrak.md' }),
      matched_at: iso,
      erased: z.boolean().meta({ description: 'The visitor\'s identifying values were blanked after HOOKLINE_SOURCETRAK_RETENTION_DAYS' }),
      params: z.array(z.object({ name: z.string(), value: z.string() })).meta({ description: 'The st_* values as sent, in their order' }),
    })
    .nullable()
    .meta({ description: 'The call\'s SourceTrak match; null for a call not on a pool\'s number' }),
});

const liveCallSchema: z.ZodType<LiveCallView> = z.object({
  session_id: z.string(),
  node: z.string().nullable().meta({ description: 'The node running the call (HOOKLINE_NODE_ID)' }),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  started_at: iso,
  current_block: z.string().nullable(),
  bridged_to: z.string().nullable(),
  test: z.boolean(),
});

const statsSchema: z.ZodType<StatsView> = z.object({
  generated_at: iso,
  calls_in_progress: z.int(),
  window: z.object({ since: iso, until: iso }),
  calls: z.object({
    total: z.int(),
    by_end_reason: z.array(z.object({ end_reason: z.string().nullable(), calls: z.int() })),
    per_hour: z.array(z.object({ hour: iso, calls: z.int() })),
  }),
  webhooks: z.object({ requests: z.int(), failures: z.int(), by_kind: z.array(z.object({ kind: z.string(), requests: z.int(), failures: z.int() })) }),
});

const listQuery = strict({
  since: iso.optional().meta({ description: 'Calls that started at or after this time' }),
  until: iso.optional().meta({ description: 'Calls that started before this time' }),
  number: z.string().min(1).max(64).optional().meta({ description: 'The dialed number, exactly as routed' }),
  caller: z.string().max(64).optional().meta({ description: 'The caller id, exactly (empty: withheld)' }),
  block: z.string().regex(/^[a-z_]+\/[^/\s]+$/, 'a building block as kind/id, e.g. ivr/10').max(100).optional().meta({ description: 'Calls that entered this building block, e.g. ivr/10' }),
  end_reason: z.string().min(1).max(64).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  test: z.enum(['true', 'false']).optional().meta({ description: 'true: only test calls; false: no test calls' }),
  ...pageQuery,
});

function liveEventData(e: LiveCallEvent, node: string | null): LiveCallEventView {
  return { ...liveCallView(e.call, node), ended_at: e.type === 'ended' ? e.endedAt.toISOString() : null, end_reason: e.type === 'ended' ? (e.endReason ?? null) : null };
}

export function registerCallRoutes(router: AdminRouter, deps: CallRoutesDeps): CallHistory {
  // Nothing of deps is touched until a request comes: the reference docs register with stand-ins.
  const history = new CallHistory(deps);

  router.add({
    id: 'listCalls',
    method: 'get',
    path: '/calls',
    tag: 'calls',
    summary: 'Call history, newest first',
    description: 'Filters combine (all must hold). The cursor is stable while new calls arrive: the next page continues after the last call of this one.',
    scope: 'read',
    query: listQuery,
    responses: { 200: { description: 'A page of calls', schema: pageSchema(callSummarySchema) } },
    handle: async (c, { query: q }) =>
      c.json(
        await history.list(
          {
            ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
            ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
            ...(q.number !== undefined ? { number: q.number } : {}),
            ...(q.caller !== undefined ? { caller: q.caller } : {}),
            ...(q.block !== undefined ? { block: q.block } : {}),
            ...(q.end_reason !== undefined ? { endReason: q.end_reason } : {}),
            ...(q.direction !== undefined ? { direction: q.direction } : {}),
            ...(q.test !== undefined ? { test: q.test === 'true' } : {}),
          },
          q.cursor,
          q.limit,
        ),
      ),
  });

  // Before /calls/{session_id}, which would otherwise take these paths.
  router.add({
    id: 'listActiveCalls',
    method: 'get',
    path: '/calls/active',
    tag: 'calls',
    summary: 'Calls in progress, newest first',
    description: 'On every node sharing the database: this node\'s calls with the building block each is in, and those of the other live nodes as the store has them (`current_block` null).',
    scope: 'read',
    responses: { 200: { description: 'Calls in progress now', schema: z.object({ items: z.array(liveCallSchema) }) } },
    handle: async (c) => c.json({ items: history.active(await history.otherActive()) }),
  });

  router.add({
    id: 'streamCallEvents',
    method: 'get',
    path: '/calls/events',
    tag: 'calls',
    summary: 'Calls starting, moving between building blocks and ending, as Server-Sent Events',
    description:
      'First a `snapshot` event (data: `{"items": [...]}` as GET /calls/active), then `call.started`, `call.updated` (a new building block, or a bridge starting or ending) and `call.ended` (with `ended_at` and `end_reason`), each with the call as GET /calls/active shows it. A comment line every 15 s keeps the connection open.',
    scope: 'read',
    responses: { 200: { description: 'An event stream that lasts until the client closes it', contentType: 'text/event-stream' } },
    handle: (c) =>
      streamSSE(c, async (stream) => {
        let seq = 0;
        let queued = 0;
        let chain = Promise.resolve();
        const send = (write: (s: SSEStreamingApi) => Promise<unknown>): void => {
          // One write after another, in order; a client that stopped reading is let go.
          if (++queued > SSE_MAX_QUEUED) {
            stream.abort();
            return;
          }
          chain = chain.then(() => write(stream)).then(() => void queued--, () => void queued--);
        };
        const event = (name: string, data: unknown): void => send((s) => s.writeSSE({ event: name, data: JSON.stringify(data), id: String(++seq) }));
        // The other nodes' calls are read before subscribing, so the snapshot still goes first.
        const others = await history.otherActive();
        const stop = deps.live.subscribe((e) => event(`call.${e.type}`, liveEventData(e, history.nodeId || null)));
        send((s) => s.write('retry: 3000\n\n'));
        event('snapshot', { items: history.active(others) });
        let cancelPing = (): void => undefined;
        const ping = (): void => {
          cancelPing = deps.clock.setTimer(SSE_PING_MS, () => {
            send((s) => s.write(': ping\n\n'));
            ping();
          });
        };
        ping();
        await new Promise<void>((resolve) => stream.onAbort(resolve));
        stop();
        cancelPing();
      }),
  });

  router.add({
    id: 'getCall',
    method: 'get',
    path: '/calls/{session_id}',
    tag: 'calls',
    summary: 'One call with its timeline, IVR answers, webhook requests and recordings',
    description: 'The timeline merges, in time order, what was played and pressed, the building blocks entered, dials and bridges, webhook requests (with their log entry), answers and recordings.',
    scope: 'read',
    params: z.object({ session_id: sessionIdSchema }),
    responses: { 200: { description: 'The call', schema: callDetailSchema }, 404: { description: 'No call with this session id' } },
    handle: async (c, { params }) => c.json(await history.get(params.session_id)),
  });

  router.add({
    id: 'getStats',
    method: 'get',
    path: '/stats',
    tag: 'calls',
    summary: 'Calls in progress, and calls and webhook requests over the last 24 hours',
    description: 'What the console home page shows. The window is the current hour and the 23 before it, so `per_hour` has 24 entries, oldest first.',
    scope: 'read',
    responses: { 200: { description: 'The counts', schema: statsSchema } },
    handle: async (c) => c.json(await history.stats()),
  });

  return history;
}
