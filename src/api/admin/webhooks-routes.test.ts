import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page as PageOf, WebhookSummaryView, WebhookView } from '../../admin/view-types.js';
import { targetUrl } from '../../admin/webhook-log.js';
import { DEFAULT_FAILURE_TEXT, type Flows } from '../../config/types.js';
import { makeFlows } from '../../flow/testing.js';
import type { NetworkPolicy } from '../../webhook/policy.js';
import { encodeRequest } from '../../webhook/encode.js';
import { pathAndQuery } from '../../webhook/encode.js';
import { SIGNATURE_HEADER, verifySignature } from '../../webhook/sign.js';
import { WebhookReceiver } from '../../testkit/webhook-receiver.js';
import type { WebhookLogEntry } from '../../store/types.js';
import { registerWebhookRoutes } from './webhooks-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const SID = 'a'.repeat(32);
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
type Page = PageOf<WebhookSummaryView>;

describe('targetUrl', () => {
  it('recovers the URL a GET was made for, whatever its own query, so the replay sends the same bytes', () => {
    const params: Array<[string, string]> = [['ivr_id', '10'], ['name', 'Zoë & co']];
    for (const base of ['http://h/x', 'http://h/x?static=1', 'http://h/x?', 'http://h/x?a=1&']) {
      const sent = encodeRequest('GET', base, params, 'v').url;
      expect(encodeRequest('GET', targetUrl({ method: 'GET', url: sent, params }), params, 'v').url, base).toBe(sent);
    }
    expect(targetUrl({ method: 'POST', url: 'http://h/x?static=1', params })).toBe('http://h/x?static=1');
    // A redirect hop that dropped the parameters is sent as it was.
    expect(targetUrl({ method: 'GET', url: 'http://h/next?k=v', params: [] })).toBe('http://h/next?k=v');
  });
});

describe('webhook log API', () => {
  const hook = new WebhookReceiver();
  let kit: AdminTestKit;
  let flows: Flows;
  let networks: NetworkPolicy;
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  beforeEach(async () => {
    hook.requests.length = 0;
    hook.setHandler(() => ({ status: 200, body: '<action><app>hangup</app></action>', contentType: 'text/xml' }));
    networks = 'all';
    flows = makeFlows({
      ivrs: [{ id: 10, name: 'main', questions: [], webhook: { action: 'next_action', method: 'GET', url: hook.url('/hook?static=1'), parameters: [], includeSourcetrak: false, timeoutS: 5, secret: 's3cret', onFailure: [{ text: DEFAULT_FAILURE_TEXT }] } }],
    });
    flows.postCallActions = [{ id: 1, url: hook.url('/after'), method: 'POST', parameters: [], appliesTo: [], secret: 'pc-secret' }];
    kit = await adminTestKit((ctx) => [(r) => void registerWebhookRoutes(r, { store: ctx.store, flows: () => flows, networks, clock: ctx.clock, logger: ctx.logger, userAgentVersion: 'test' })]);
  });
  afterEach(() => kit.close());

  async function log(e: Partial<WebhookLogEntry> & Pick<WebhookLogEntry, 'kind' | 'method' | 'url' | 'params'>, outcome?: Parameters<AdminTestKit['store']['webhooks']['logOutcome']>[1]): Promise<number> {
    const id = await kit.store.webhooks.logRequest({ sentAt: new Date(T0), attempt: 1, ...e });
    if (outcome) await kit.store.webhooks.logOutcome(id, outcome);
    return id;
  }
  const json = async <T>(p: string): Promise<T> => {
    const res = await kit.request('GET', p);
    expect(res.status, p).toBe(200);
    return (await res.json()) as T;
  };

  describe('reading', () => {
    const ids: number[] = [];
    beforeEach(async () => {
      ids.length = 0;
      ids.push(await log({ kind: 'ivr', method: 'POST', url: 'http://127.0.0.1:1/hook', params: [['a', '1']], sessionId: SID, sentAt: new Date(T0 - 60_000) }, { status: 200, latencyMs: 12, responseBody: '<action/>' }));
      ids.push(await log({ kind: 'post_call', method: 'GET', url: 'http://127.0.0.1:1/pc?x=1', params: [['x', '1']], sessionId: SID }, { latencyMs: 10_000, failure: 'timeout: no complete response within 10000 ms' }));
      ids.push(await log({ kind: 'ivr', method: 'GET', url: 'http://127.0.0.1:1/hook?b=2', params: [['b', '2']], attempt: 2 }));
    });

    it('lists newest first with a cursor, each entry ready to show', async () => {
      const first = await json<Page>('/webhooks?limit=2');
      expect(first.items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
      expect(first.items[0]).toEqual({ id: ids[2], session_id: null, kind: 'ivr', method: 'GET', url: 'http://127.0.0.1:1/hook?b=2', sent_at: new Date(T0).toISOString(), ok: null, status: null, latency_ms: null, failure: null, attempt: 2, replay_of: null });
      expect(first.items[1]).toMatchObject({ ok: false, failure: 'timeout: no complete response within 10000 ms', latency_ms: 10_000 });
      const next = await json<Page>(`/webhooks?limit=2&cursor=${first.next_cursor}`);
      expect(next).toMatchObject({ items: [{ id: ids[0], ok: true, status: 200 }], next_cursor: null });
    });

    it('filters by call, kind, failure and time', async () => {
      const list = async (q: string): Promise<number[]> => (await json<Page>(`/webhooks?${q}`)).items.map((e) => e.id);
      expect(await list(`session_id=${SID}`)).toEqual([ids[1], ids[0]]);
      expect(await list('kind=ivr')).toEqual([ids[2], ids[0]]);
      expect(await list('failed=true')).toEqual([ids[1]]);
      expect(await list('failed=false')).toEqual([ids[2], ids[0]]);
      expect(await list(`since=${new Date(T0 - 1000).toISOString()}`)).toEqual([ids[2], ids[1]]);
      expect(await list(`until=${new Date(T0).toISOString()}`)).toEqual([ids[0]]);
      for (const [q, p] of [['failed=maybe', 'failed'], ['kind=sms', 'kind'], ['since=today', 'since'], ['limit=201', 'limit']]) {
        const res = await kit.request('GET', `/webhooks?${q}`);
        expect(res.status, q).toBe(400);
        expect(((await res.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe(p);
      }
    });

    it('shows one entry with its parameters and response body', async () => {
      expect(await json<WebhookView>(`/webhooks/${ids[0]}`)).toMatchObject({ id: ids[0], params: [{ name: 'a', value: '1' }], response_body: '<action/>', latency_ms: 12, failure: null, attempt: 1 });
      expect((await kit.request('GET', '/webhooks/999')).status).toBe(404);
      expect((await kit.request('GET', '/webhooks/x')).status).toBe(400);
    });
  });

  describe('replay', () => {
    const replay = async (id: number): Promise<WebhookView> => {
      const res = await kit.request('POST', `/webhooks/${id}/replay`);
      expect(res.status).toBe(200);
      return (await res.json()) as WebhookView;
    };

    it('sends an IVR webhook again, byte for byte, signed with the IVR\'s secret as configured now, and logs it as a replay', async () => {
      const params: Array<[string, string]> = [['ivr_id', '10'], ['caller', '+1 312 555 0199']];
      const sent = encodeRequest('GET', hook.url('/hook?static=1'), params, 'test').url;
      const original = await log({ kind: 'ivr', method: 'GET', url: sent, params, sessionId: SID }, { status: 500, latencyMs: 3, failure: 'HTTP status 500' });
      const r = await replay(original);
      expect(r).toMatchObject({ kind: 'ivr', session_id: SID, method: 'GET', url: sent, ok: true, status: 200, response_body: '<action><app>hangup</app></action>', failure: null, replay_of: original, attempt: 1 });
      expect(r.id).toBeGreaterThan(original);
      expect(r.params).toEqual([{ name: 'ivr_id', value: '10' }, { name: 'caller', value: '+1 312 555 0199' }]);
      const [got] = hook.requests;
      expect(got!.url).toBe(pathAndQuery(sent));
      const sig = got!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifySignature('s3cret', sig, 'GET', got!.url, '')).toBe(true);
      expect(await json<WebhookView>(`/webhooks/${r.id}`)).toEqual(r);
    });

    it('sends a POST with the same form body, signed for the post-call action it matches', async () => {
      const params: Array<[string, string]> = [['session_id', SID], ['duration', '42']];
      const original = await log({ kind: 'post_call', method: 'POST', url: hook.url('/after'), params });
      const r = await replay(original);
      expect(r).toMatchObject({ ok: true, replay_of: original });
      const [got] = hook.requests;
      expect(got!.method).toBe('POST');
      expect(got!.form).toEqual(params);
      expect(verifySignature('pc-secret', got!.headers[SIGNATURE_HEADER.toLowerCase()] as string, 'POST', '/after', got!.body)).toBe(true);
    });

    it('leaves the request unsigned when its IVR has no secret any more, and reports a failure in the new entry', async () => {
      const params: Array<[string, string]> = [['ivr_id', '10']];
      delete flows.ivrs.get(10)!.webhook!.secret;
      hook.setHandler(() => ({ status: 503, body: 'down for maintenance' }));
      const original = await log({ kind: 'ivr', method: 'POST', url: hook.url('/hook?static=1'), params });
      const r = await replay(original);
      expect(r).toMatchObject({ ok: false, status: 503, failure: 'http_status: HTTP status 503', response_body: 'down for maintenance', replay_of: original });
      expect(hook.requests[0]!.headers[SIGNATURE_HEADER.toLowerCase()]).toBeUndefined();
    });

    it('applies the network policy in force now', async () => {
      networks = 'public';
      await kit.close();
      kit = await adminTestKit((ctx) => [(r) => void registerWebhookRoutes(r, { store: ctx.store, flows: () => flows, networks, clock: ctx.clock, logger: ctx.logger, userAgentVersion: 'test' })]);
      const original = await log({ kind: 'voicemail', method: 'GET', url: hook.url('/vm'), params: [] });
      const r = await replay(original);
      expect(r.ok).toBe(false);
      expect(r.failure).toMatch(/policy|not allowed|public/i);
      expect(hook.requests).toHaveLength(0);
    });

    it('answers 404 for an unknown entry and 409 for one that cannot be sent at all', async () => {
      expect((await kit.request('POST', '/webhooks/999/replay')).status).toBe(404);
      expect((await kit.request('POST', '/webhooks/abc/replay')).status).toBe(400);
      const ftp = await log({ kind: 'ivr', method: 'GET', url: 'ftp://127.0.0.1/x', params: [] });
      const res = await kit.request('POST', `/webhooks/${ftp}/replay`);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { detail: string }).detail).toContain('only http and https');
    });
  });

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
