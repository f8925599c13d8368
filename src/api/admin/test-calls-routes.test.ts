import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../app.js';
import { TestCalls } from '../../admin/test-calls.js';
import { INSTANT } from '../../calls/interactive.js';
import { DEFAULT_DIAL_ALLOW } from '../../config/dial-policy.js';
import { parseFlows } from '../../config/flows.js';
import { WebhookReceiver, paramsOf } from '../../testkit/webhook-receiver.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';
import { registerTestCallRoutes, testCallEventSchema } from './test-calls-routes.js';

const SURVO_75 = '<action><app>SurVo</app><parameters><id>75</id><user_parameters><firstName>Bill</firstName></user_parameters></parameters></action>';

const flowsYaml = (hook: string): string => `
numbers:
  "8005550100": ivr/10
ivrs:
  - id: 10
    name: Account lookup
    questions:
      - type: keypad
        prompt: "Enter your account number, then press pound."
        max_digits: 10
        timeout_s: 5
    webhook:
      method: POST
      url: ${hook}/hook
      parameters:
        - { name: account, value: question.1 }
  - id: 75
    name: Greeting
    questions:
      - type: say
        prompt: "Hello @firstName."
`;

interface Event {
  seq: number;
  type: string;
  [k: string]: unknown;
}
interface Events {
  status: string;
  items: Event[];
  next_after: number;
}

describe('test calls over the Administration API', () => {
  const receiver = new WebhookReceiver(() => ({ body: SURVO_75 }));
  let hook: string;
  let dataDir: string;
  let kit: AdminTestKit;
  let testCalls: TestCalls;

  beforeAll(async () => {
    hook = await receiver.start();
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    receiver.requests.length = 0;
    dataDir = await mkdtemp(path.join(tmpdir(), 'hookline-test-call-api-'));
    kit = await adminTestKit(({ store, clock, logger }) => {
      const app = createApp({ settings: { dataDir, webhookNetworks: 'all', dialAllow: [...DEFAULT_DIAL_ALLOW] }, flows: parseFlows(flowsYaml(hook), 'test.yaml'), store, clock, logger });
      testCalls = new TestCalls({ runCall: (c, e, s) => app.runCall(c, e, s), flows: app.flows, clock, logger, dataDir, timing: INSTANT, limits: { maxCalls: 2 } });
      return [(r) => registerTestCallRoutes(r, { testCalls })];
    });
  });
  afterEach(async () => {
    await testCalls.close();
    await kit.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (body: unknown): Promise<{ session_id: string; items: Event[]; next_after: number }> => {
    const res = await kit.request('POST', '/test-calls', { json: body });
    expect(res.status).toBe(201);
    return (await res.json()) as { session_id: string; items: Event[]; next_after: number };
  };
  const read = async (id: string, after: number, wait = 0): Promise<Events> => {
    const res = await kit.request('GET', `/test-calls/${id}/events?after=${after}&wait=${wait}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Events;
  };
  /** Reads on (without moving the fake clock) until an event matches; returns every event so far. */
  const readUntil = async (id: string, done: (e: Event) => boolean): Promise<Event[]> => {
    const seen: Event[] = [];
    for (const end = Date.now() + 5000; Date.now() < end; ) {
      const r = await read(id, seen.at(-1)?.seq ?? 0);
      seen.push(...r.items);
      if (seen.some(done)) return seen;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no such event; saw ${seen.map((e) => e.type).join(' ')}`);
  };

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });

  it('runs a call from the browser: prompt, keys over the API, the real webhook, its next action, the end', async () => {
    const started = await start({ to: '8005550100', from: '3125550199' });
    expect(started.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(started.items[0]).toMatchObject({ seq: 1, type: 'answered', offset_ms: 0 });
    const id = started.session_id;
    await readUntil(id, (e) => e.type === 'prompt');

    const pressed = await kit.request('POST', `/test-calls/${id}/keys`, { json: { keys: '1234#' } });
    expect(pressed.status).toBe(200);
    expect(await pressed.json()).toMatchObject({ session_id: id, status: 'running', to: '8005550100', from: '3125550199', block: 'ivr/10' });

    const [req] = await receiver.waitFor(1);
    expect(paramsOf(req!).get('account')).toBe('1234');
    expect(paramsOf(req!).get('ivr_session_id')).toBe(id);

    const events = await readUntil(id, (e) => e.type === 'ended');
    for (const e of events) expect(testCallEventSchema.safeParse(e).error).toBeUndefined();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const story = events.map((e) => [e.type, e['text'] ?? e['digits'] ?? e['to'] ?? e['status'] ?? e['by'] ?? e['keys'] ?? '']);
    expect(story).toEqual([
      ['answered', ''],
      ['transition', 'ivr/10'],
      ['prompt', 'Enter your account number, then press pound.'],
      ['pressed', '1234#'],
      ['digits', '1234'],
      ['answer', '1234#'], // the keys as pressed (its value is 1234)
      ['ivr_end', ''],
      ['webhook_request', ''],
      ['webhook_response', 200],
      ['transition', 'ivr/75'],
      ['prompt', 'Hello Bill.'],
      ['ivr_end', ''],
      ['hangup', 'hookline'],
      ['ended', ''],
    ]);
    expect(events.find((e) => e.type === 'digits')).toMatchObject({ terminator: '#', timed_out: false });
    expect(events.find((e) => e.type === 'ivr_end')).toEqual({ seq: 7, offset_ms: 0, type: 'ivr_end', ivr_id: 10, completed: true });

    // Like a real call: in the call history and in the webhook log.
    expect(await kit.store.calls.get(id)).toMatchObject({ direction: 'inbound', from: '3125550199', to: '8005550100', test: true });
    expect(await kit.store.history.search({ test: false }, undefined, 10)).toEqual([]);
    expect((await kit.store.history.search({ test: true }, undefined, 10)).map((c) => c.sessionId)).toEqual([id]);
    expect((await kit.store.webhooks.forSession(id)).map((w) => [w.url, w.status])).toEqual([[`${hook}/hook`, 200]]);

    // After the end: reading answers at once, keys are dropped, hanging up again does nothing.
    expect(await read(id, 14, 25)).toEqual({ status: 'ended', items: [], next_after: 14 });
    expect(await (await kit.request('POST', `/test-calls/${id}/keys`, { json: { keys: '1' } })).json()).toMatchObject({ status: 'ended' });
    expect((await kit.request('DELETE', `/test-calls/${id}`)).status).toBe(204);
  });

  it('long-polls: answers at the next event, or with none after the wait', async () => {
    const { session_id: id } = await start({ to: '8005550100' });
    const last = (await readUntil(id, (e) => e.type === 'prompt')).at(-1)!.seq;
    const waiting = read(id, last, 25);
    await new Promise((r) => setTimeout(r, 20));
    await kit.request('POST', `/test-calls/${id}/keys`, { json: { keys: '9' } });
    expect((await waiting).items.map((e) => [e.type, e['keys']])).toEqual([['pressed', '9']]);

    let quiet: Events | undefined;
    void read(id, last + 1, 2).then((r) => (quiet = r));
    await new Promise((r) => setTimeout(r, 20));
    kit.clock.advance(1999);
    await new Promise((r) => setTimeout(r, 20));
    expect(quiet).toBeUndefined();
    kit.clock.advance(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(quiet).toEqual({ status: 'running', items: [], next_after: last + 1 });
    expect((await kit.request('DELETE', `/test-calls/${id}`)).status).toBe(204);
    expect((await readUntil(id, (e) => e.type === 'ended')).some((e) => e.type === 'hangup' && e['by'] === 'caller')).toBe(true);
  });

  it('streams events as Server-Sent Events, resumes after Last-Event-ID, and says 204 once all is read', async () => {
    const { session_id: id } = await start({ block: 'ivr/75' });
    const res = await kit.request('GET', `/test-calls/${id}/stream?after=0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
    const text = await res.text(); // the call ends by itself, and the stream with it
    const blocks = text.trim().split('\n\n');
    const events = blocks.filter((b) => b.startsWith('data:')).map((b) => JSON.parse(b.split('\n')[0]!.slice(5)) as Event);
    expect(events.map((e) => e.type)).toEqual(['answered', 'transition', 'prompt', 'ivr_end', 'hangup', 'ended']);
    expect(blocks.filter((b) => b.startsWith('data:')).map((b) => b.split('\n')[1])).toEqual(events.map((e) => `id: ${e.seq}`));
    expect(blocks.at(-1)).toBe('event: end\ndata: {}');

    const resumed = await kit.request('GET', `/test-calls/${id}/stream`, { headers: { 'Last-Event-ID': '4' } });
    expect((await resumed.text()).match(/^id: \d+$/gm)).toEqual(['id: 5', 'id: 6']);
    expect((await kit.request('GET', `/test-calls/${id}/stream`, { headers: { 'Last-Event-ID': '6' } })).status).toBe(204);
  });

  it('names what is wrong with a request, and refuses a call beyond the limit', async () => {
    const problem = async (method: string, p: string, json?: unknown): Promise<[number, string[]]> => {
      const res = await kit.request(method, p, json === undefined ? {} : { json });
      const body = (await res.json()) as { errors?: Array<{ path: string }> };
      return [res.status, (body.errors ?? []).map((e) => e.path)];
    };
    expect(await problem('POST', '/test-calls', { to: '8005550199' })).toEqual([422, ['to']]);
    expect(await problem('POST', '/test-calls', {})).toEqual([422, ['to']]);
    expect(await problem('POST', '/test-calls', { block: 'ivr/99' })).toEqual([422, ['block']]);
    expect(await problem('POST', '/test-calls', { block: 'ivr 10' })).toEqual([422, ['block']]);
    expect(await problem('POST', '/test-calls', { to: '8005550100', far_end: 'nobody' })).toEqual([422, ['far_end']]);
    expect(await problem('POST', '/test-calls', { to: '8005550100', speed: 2 })).toEqual([422, ['speed']]);
    expect(await problem('POST', '/test-calls', { to: '8005550100', prompts: 'slow' })).toEqual([422, ['prompts']]);
    const unknown = 'f'.repeat(32);
    expect(await problem('GET', `/test-calls/${unknown}/events?wait=0`)).toEqual([404, []]);
    expect(await problem('GET', `/test-calls/${unknown}/stream`)).toEqual([404, []]);
    expect(await problem('POST', `/test-calls/${unknown}/keys`, { keys: '1' })).toEqual([404, []]);
    expect(await problem('DELETE', `/test-calls/${unknown}`)).toEqual([404, []]);
    expect(await problem('DELETE', '/test-calls/nope')).toEqual([400, ['session_id']]);

    const { session_id: id } = await start({ to: '8005550100' });
    expect(await problem('POST', `/test-calls/${id}/keys`, { keys: '12x' })).toEqual([422, ['keys']]);
    expect(await problem('POST', `/test-calls/${id}/keys`, { keys: '' })).toEqual([422, ['keys']]);
    expect(await problem('GET', `/test-calls/${id}/events?after=-1`)).toEqual([400, ['after']]);
    await start({ to: '8005550100' });
    const full = await kit.request('POST', '/test-calls', { json: { to: '8005550100' } });
    expect(full.status).toBe(429);
    expect(full.headers.get('Content-Type')).toBe('application/problem+json');
  });

  it('refuses new test calls with 503 and Retry-After once the server shuts down', async () => {
    testCalls.stopTaking();
    const res = await kit.request('POST', '/test-calls', { json: { to: '8005550100' } });
    expect([res.status, res.headers.get('Retry-After'), res.headers.get('Content-Type')]).toEqual([503, '30', 'application/problem+json']);
    expect(await res.json()).toMatchObject({ status: 503, detail: 'hookline is restarting; start the test call again in a moment' });
    expect(testCalls.running).toBe(0);
  });
});
