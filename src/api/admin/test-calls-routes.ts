import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { DTMF_KEYS, type LoggedEvent, type TestCallEvent, type TestCallInfo, type TestCalls } from '../../admin/test-calls.js';
import { BLOCK_REF } from '../../config/schema.js';
import { strict } from '../../config/schema.js';
import type { AdminRouter } from './router.js';

/** How long `GET .../events` waits for an event; under the usual 30 s proxy and browser timeouts. */
export const LONG_POLL_MAX_S = 25;
/** A comment line on a quiet event stream this often, so proxies do not close it. */
export const STREAM_KEEPALIVE_MS = 15_000;
/** Events in one answer; the client reads on from `next_after`. */
const MAX_EVENTS_PER_READ = 500;

const leg = z.string().optional().meta({ description: 'Set when the event is about a dialled phone (its number), not the caller' });

function event<T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) {
  return z.strictObject({ seq: z.int().positive(), offset_ms: z.int().nonnegative(), type: z.literal(type), ...shape }).meta({ description });
}

/** One event of a test call, as the API writes it (the simulator's and the flow's events, snake_case). */
export const testCallEventSchema = z
  .discriminatedUnion('type', [
    event('answered', 'hookline answered the call', {}),
    event('prompt', 'A prompt part starts playing: its text, or [audio PATH], [beep], [silence N ms]', { text: z.string(), leg }),
    event('digits', 'A question collected keys', { digits: z.string(), terminator: z.string().optional(), timed_out: z.boolean(), leg }),
    event('record', 'A recording ended (path relative to the data directory)', { path: z.string(), duration_ms: z.number(), leg }),
    event('ringing', 'A dialled number rings', { destination: z.string() }),
    event('refused', 'hookline would not dial the number', { destination: z.string(), reason: z.string() }),
    event('cancel', 'A ringing number was given up', { destination: z.string() }),
    event('hold', 'Hold audio or ringback starts or stops for the caller', { on: z.boolean(), audio: z.string() }),
    event('hangup', 'A phone hung up', { by: z.enum(['caller', 'hookline', 'callee']), leg }),
    event('transition', 'The call moves to a building block (`ivr/10`, `transfer/NUMBER`, `findme/dynamic`)', { to: z.string(), from: z.string().optional() }),
    event('ivr_end', 'The caller finished (or left) an IVR', { ivr_id: z.int(), completed: z.boolean() }),
    event('answer', 'A question was answered', { question: z.int(), value: z.string(), keys: z.string().optional() }),
    event('webhook_request', 'The IVR Web Hook request, as sent', { method: z.string(), url: z.string(), params: z.array(z.tuple([z.string(), z.string()])) }),
    event('webhook_response', 'Its response', { status: z.int().optional(), latency_ms: z.number(), body: z.string().optional(), failure: z.string().optional(), log_id: z.int().optional().meta({ description: 'The request\'s webhook log entry (GET /webhooks/{id}); 0 when it could not be logged' }) }),
    event('dial', 'How a dialled number ended', { destination: z.string(), outcome: z.string() }),
    event('bridge', 'The caller was connected to a dialled number', { destination: z.string(), duration_ms: z.number(), recorded_ms: z.number() }),
    event('recording', 'A recording was stored', { path: z.string(), duration_ms: z.number() }),
    event('error', 'Something went wrong in the flow', { message: z.string() }),
    event('pressed', 'The tester pressed keys', { keys: z.string() }),
    event('idle_timeout', 'No key for the idle limit: the call is hung up', { idle_ms: z.int() }),
    event('ended', 'The call is over; no event follows', {}),
  ])
  .meta({ description: 'One event of a test call; `seq` numbers them from 1, `offset_ms` is the time since the call started' });

type SnakeCase<S extends string> = S extends `${infer C}${infer R}` ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<R>}` : S;
type Snaked<E> = E extends unknown ? { [K in keyof E as K extends string ? SnakeCase<K> : never]: E[K] } : never;
/** `ivr_end`'s `at` is the server's performance.now(), which means nothing to a client. */
type ClientEvent = Exclude<TestCallEvent, { type: 'ivr_end' }> | Omit<Extract<TestCallEvent, { type: 'ivr_end' }>, 'at'>;
type EventJson = Snaked<ClientEvent> & { seq: number; offset_ms: number };

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function eventJson(e: LoggedEvent): z.output<typeof testCallEventSchema> {
  const fields = Object.entries(e.event).filter(([k]) => !(e.event.type === 'ivr_end' && k === 'at'));
  const json = { seq: e.seq, offset_ms: e.offsetMs, ...Object.fromEntries(fields.map(([k, v]) => [snake(k), v])) } as EventJson;
  // EventJson is the events' own types with snake_case keys: returning it checks at compile time that
  // every event the service logs fits the schema the API documents.
  return json;
}

const testCallSchema = z.object({
  session_id: z.string().meta({ description: 'The call\'s `ivr_session_id`, as in the call history and the webhook log' }),
  status: z.enum(['running', 'ended']),
  to: z.string(),
  from: z.string(),
  block: z.string().meta({ description: 'Where the call started' }),
  started_at: z.iso.datetime(),
});

function infoJson(i: TestCallInfo): z.output<typeof testCallSchema> {
  return { session_id: i.sessionId, status: i.status, to: i.to, from: i.from, block: i.block, started_at: i.startedAt.toISOString() };
}

const eventsSchema = z.object({
  status: z.enum(['running', 'ended']),
  items: z.array(testCallEventSchema),
  next_after: z.int().nonnegative().meta({ description: 'Pass as `after` to read on' }),
});

function eventsJson(info: TestCallInfo, events: LoggedEvent[], after: number): z.output<typeof eventsSchema> {
  return { status: info.status, items: events.map(eventJson), next_after: events.at(-1)?.seq ?? after };
}

const sessionParams = z.object({ session_id: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected 32 lowercase hex characters' }) });
const afterParam = z.coerce.number().int().min(0).default(0).meta({ description: 'Only events with a larger `seq` (0: from the start)' });

const startBody = strict({
  to: z.string().trim().min(1).max(32).optional().meta({ description: 'The dialed number; the call starts where it routes unless `block` is given' }),
  block: z.string().regex(BLOCK_REF, { error: 'expected a reference like ivr/10, vr/3, findme/4 or voicemail/7' }).optional()
    .meta({ description: 'Start in this building block, whether or not a number routes to it' }),
  from: z.string().max(32).optional().meta({ description: 'Caller id (default: withheld)' }),
  far_end: z.string().max(2000).optional()
    .meta({ description: 'How dialled numbers behave, as `hookline simulate --far-end` ("3125550101=answer@2:1,3125550102=busy"); others ring 2 s, answer and press 1' }),
  prompts: z.enum(['timed', 'instant']).default('timed')
    .meta({ description: 'timed: a prompt takes about the time it takes to say (60 ms a character, at most 10 s a part), so timeouts and barge-in behave as on a phone; instant: no time at all (scripts)' }),
});

const keysBody = strict({
  keys: z.string().max(64).regex(DTMF_KEYS, { error: 'expected keys 0-9, *, # or A-D' }).meta({ description: 'Pressed in order, as if one after the other' }),
});

export interface TestCallRoutesDeps {
  testCalls: TestCalls;
}

export function registerTestCallRoutes(router: AdminRouter, { testCalls }: TestCallRoutesDeps): void {
  router.add({
    id: 'startTestCall',
    method: 'post',
    path: '/test-calls',
    tag: 'test-calls',
    summary: 'Start a test call in the simulator',
    description:
      'The call runs like a real one (stored in the call history, the real webhooks, the webhook log) but its caller is you: ' +
      'prompts arrive as events, keys are sent with POST /test-calls/{session_id}/keys. ' +
      'A call with no key for 5 minutes is hung up; at most 10 run at once.',
    scope: 'calls',
    body: { schema: startBody },
    responses: {
      201: { description: 'Started; `items` are its first events', schema: testCallSchema.extend(eventsSchema.omit({ status: true }).shape) },
      429: { description: 'Too many test calls are running' },
      503: { description: 'The server is shutting down (with Retry-After)' },
    },
    handle: async (c, { body }) => {
      const info = testCalls.start({
        ...(body.to !== undefined ? { to: body.to } : {}),
        ...(body.block !== undefined ? { block: body.block } : {}),
        ...(body.from !== undefined ? { from: body.from } : {}),
        ...(body.far_end !== undefined ? { farEnd: body.far_end } : {}),
        instantPrompts: body.prompts === 'instant',
      });
      const first = await testCalls.waitForEvents(info.sessionId, 0, 1000, { limit: MAX_EVENTS_PER_READ });
      const { status: _, ...events } = eventsJson(first.info, first.events, 0);
      return c.json({ ...infoJson(first.info), ...events }, 201);
    },
  });

  router.add({
    id: 'readTestCallEvents',
    method: 'get',
    path: '/test-calls/{session_id}/events',
    tag: 'test-calls',
    summary: 'Read a test call\'s events (long poll)',
    description: `Answers at once when there are events after \`after\` (or the call has ended), else at the next event, or with none after \`wait\` seconds.`,
    scope: 'read',
    params: sessionParams,
    query: z.object({
      after: afterParam,
      wait: z.coerce.number().int().min(0).max(LONG_POLL_MAX_S).default(LONG_POLL_MAX_S).meta({ description: 'Seconds to wait for an event (0: answer at once)' }),
    }),
    responses: { 200: { description: 'The events after `after`', schema: eventsSchema }, 404: { description: 'No such test call (or it ended long ago)' } },
    handle: async (c, { params, query }) => {
      const r = await testCalls.waitForEvents(params.session_id, query.after, query.wait * 1000, { limit: MAX_EVENTS_PER_READ, signal: c.req.raw.signal });
      return c.json(eventsJson(r.info, r.events, query.after));
    },
  });

  router.add({
    id: 'streamTestCallEvents',
    method: 'get',
    path: '/test-calls/{session_id}/stream',
    tag: 'test-calls',
    summary: 'Follow a test call\'s events (Server-Sent Events)',
    description:
      'Each event is a `data:` line with the event as JSON and `id:` its `seq`, so a reconnecting EventSource resumes after the last one it saw ' +
      '(`Last-Event-ID`, which wins over `after`). After the `ended` event the server sends `event: end` and closes; a reconnect then gets 204, which stops EventSource.',
    scope: 'read',
    params: sessionParams,
    query: z.object({ after: afterParam }),
    responses: {
      200: { description: 'The event stream', contentType: 'text/event-stream' },
      204: { description: 'The call has ended and there is nothing after `after`' },
      404: { description: 'No such test call (or it ended long ago)' },
    },
    handle: (c, { params, query }) => {
      const lastId = c.req.header('Last-Event-ID');
      let after = lastId !== undefined && /^[0-9]+$/.test(lastId) ? Number(lastId) : query.after;
      const now = testCalls.events(params.session_id, after, 1);
      if (now.info.status === 'ended' && now.events.length === 0) return c.body(null, 204);
      return streamSSE(c, async (stream) => {
        const closed = new AbortController();
        stream.onAbort(() => closed.abort());
        for (;;) {
          const r = await testCalls.waitForEvents(params.session_id, after, STREAM_KEEPALIVE_MS, { limit: MAX_EVENTS_PER_READ, signal: closed.signal });
          if (closed.signal.aborted) return;
          for (const e of r.events) {
            await stream.writeSSE({ id: String(e.seq), data: JSON.stringify(eventJson(e)) });
            after = e.seq;
          }
          if (r.events.length > 0) continue;
          if (r.info.status === 'ended') {
            await stream.writeSSE({ event: 'end', data: '{}' });
            return;
          }
          await stream.write(': keep-alive\n\n');
        }
      }, async () => undefined);
    },
  });

  router.add({
    id: 'pressTestCallKeys',
    method: 'post',
    path: '/test-calls/{session_id}/keys',
    tag: 'test-calls',
    summary: 'Press keys in a test call',
    description: 'Keys reach the call as a phone\'s do: a question waiting for keys takes them, keys pressed ahead wait for the next question, a key stops a prompt that allows it. Keys sent after the call has ended are dropped (`status` says so).',
    scope: 'calls',
    params: sessionParams,
    body: { schema: keysBody },
    responses: { 200: { description: 'The keys are in the call', schema: testCallSchema }, 404: { description: 'No such test call (or it ended long ago)' } },
    handle: (c, { params, body }) => c.json(infoJson(testCalls.press(params.session_id, body.keys))),
  });

  router.add({
    id: 'hangUpTestCall',
    method: 'delete',
    path: '/test-calls/{session_id}',
    tag: 'test-calls',
    summary: 'Hang up a test call (as the caller)',
    description: 'Its events can still be read for 10 minutes; hanging up a call that has ended does nothing.',
    scope: 'calls',
    params: sessionParams,
    responses: { 204: { description: 'The caller hung up' }, 404: { description: 'No such test call (or it ended long ago)' } },
    handle: (c, { params }) => {
      testCalls.hangup(params.session_id);
      return c.body(null, 204);
    },
  });
}
