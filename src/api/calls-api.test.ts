import { describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { CALLS_API_PATH } from './calls-api.js';
import { TEST_KEY, testApi } from './initiate-testing.js';
import type { InitiateResult } from './initiate-types.js';

const SID = '0123456789abcdef0123456789abcdef';

/** `auth: null` sends no Authorization header. */
function post(app: Hono, body: unknown, auth: string | null = `Bearer ${TEST_KEY}`): Promise<Response> | Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (auth !== null) headers.Authorization = auth;
  return app.request(CALLS_API_PATH, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const IVR = { kind: 'ivr', firstNumber: '8475551212', blockId: 890 };

describe('POST /api/v1/calls: every kind', () => {
  it.each([
    [IVR, { kind: 'ivr', blockId: 890, firstNumber: '+18475551212', userParameters: {} }],
    [{ kind: 'call', firstNumber: '3125550002', secondNumber: '+1 847 555 0001' }, { kind: 'call', firstNumber: '+13125550002', secondNumber: '+18475550001' }],
    [{ kind: 'findme', firstNumber: '3125550002', blockId: 4 }, { kind: 'findme', blockId: 4, reverse: false, noAnswer: {} }],
    [
      { kind: 'findme_list', firstNumber: '3125550002', reverse: true, findMe: { list: ['3125550101'], timeoutS: 20 }, noAnswer: { email: 'a@example.com', url: 'https://example.com/na' } },
      { kind: 'findme_list', reverse: true, findMe: { list: ['+13125550101'], timeoutS: 20 }, noAnswer: { email: 'a@example.com', url: 'https://example.com/na' } },
    ],
    [{ kind: 'vr', firstNumber: '3125550002', blockId: 3 }, { kind: 'vr', blockId: 3 }],
    [{ kind: 'voicemail', firstNumber: '3125550002', blockId: 7 }, { kind: 'voicemail', blockId: 7 }],
  ])('%j', async (body, want) => {
    const { app, initiator } = testApi();
    const res = await post(app, body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessionId: SID, status: 'connected' });
    expect(initiator.only()).toMatchObject({ ...want, source: 'json' });
  });

  it('passes user parameters, pass-through and caller ids', async () => {
    const { app, initiator } = testApi();
    await post(app, {
      ...IVR,
      userParameters: { firstName: 'Bill', account_no: '42' },
      passThrough: 'user_id|12345||step|call_user',
      firstCallerId: '8005550100',
      secondCallerId: '8005550111',
      page: '/pricing',
      ref: 'spring',
    });
    expect(initiator.only()).toEqual({
      source: 'json',
      kind: 'ivr',
      blockId: 890,
      firstNumber: '+18475551212',
      userParameters: { firstName: 'Bill', account_no: '42' },
      passThrough: 'user_id|12345||step|call_user',
      firstCallerId: '+18005550100',
      secondCallerId: '+18005550111',
      page: '/pricing',
      ref: 'spring',
    });
  });
});

describe('POST /api/v1/calls: outcomes', () => {
  it.each<[InitiateResult, number, unknown]>([
    [{ outcome: 'connected', sessionId: SID }, 200, { sessionId: SID, status: 'connected' }],
    [{ outcome: 'busy', sessionId: SID }, 200, { sessionId: SID, status: 'busy' }],
    [{ outcome: 'no_answer', sessionId: SID, reason: 'rang 30 s' }, 200, { sessionId: SID, status: 'no_answer', reason: 'rang 30 s' }],
    [{ outcome: 'failed', reason: 'trunk said 503' }, 200, { sessionId: null, status: 'failed', reason: 'trunk said 503' }],
    [{ outcome: 'refused', reason: 'not allowed by HOOKLINE_DIAL_ALLOW' }, 403, { error: { code: 'refused', message: 'not allowed by HOOKLINE_DIAL_ALLOW' } }],
  ])('%j → %i', async (result, status, json) => {
    const { app, initiator } = testApi();
    initiator.next = result;
    const res = await post(app, IVR);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(json);
  });

  it('an initiator that throws is a 500', async () => {
    const { app, initiator } = testApi();
    initiator.next = 'throw';
    const res = await post(app, IVR);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'the call could not be placed' } });
  });
});

describe('POST /api/v1/calls: refusals', () => {
  it.each([
    ['no Authorization', null],
    ['a wrong token', 'Bearer nope'],
    ['the key under another scheme', `Basic ${TEST_KEY}`],
    ['an empty bearer', 'Bearer '],
  ])('%s: 401 with WWW-Authenticate', async (_name, auth) => {
    const { app, initiator } = testApi();
    const res = await post(app, IVR, auth);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="hookline"');
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    expect(initiator.requests).toHaveLength(0);
  });

  it('takes the scheme without regard to case (RFC 6750 §2.1)', async () => {
    const { app } = testApi();
    expect((await post(app, IVR, `bearer ${TEST_KEY}`)).status).toBe(200);
  });

  it('401 when HOOKLINE_API_KEY is not set', async () => {
    const { app } = testApi({ apiKey: undefined });
    expect((await post(app, IVR, 'Bearer undefined')).status).toBe(401);
  });

  it('400 invalid_json for a body that is not JSON', async () => {
    const { app } = testApi();
    const res = await post(app, '{"kind":');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_json', message: 'the body is not JSON' } });
  });

  it.each([
    ['no kind', { firstNumber: '3125550002', blockId: 1 }, 'kind'],
    ['an unknown kind', { ...IVR, kind: 'fax' }, 'kind'],
    ['a missing number', { kind: 'ivr', blockId: 890 }, 'firstNumber'],
    ['a number that is not one', { ...IVR, firstNumber: 'sip:bob@example.com' }, 'firstNumber'],
    ['a bad caller id', { ...IVR, firstCallerId: 'ACME' }, 'firstCallerId'],
    ['a block id that is not a positive integer', { ...IVR, blockId: 1.5 }, 'blockId'],
    ['a block id as a string', { ...IVR, blockId: '890' }, 'blockId'],
    ['an unknown field', { ...IVR, phone_to_call: '3125550002' }, ''],
    ['a user parameter name @name cannot use', { ...IVR, userParameters: { 'first name': 'Bill' } }, 'userParameters.first name'],
    ['a non-string user parameter', { ...IVR, userParameters: { n: 1 } }, 'userParameters.n'],
    ['a ref over 32 characters (§5.1)', { ...IVR, ref: 'r'.repeat(33) }, 'ref'],
    ['an empty Find Me list', { kind: 'findme_list', firstNumber: '3125550002', findMe: { list: [] } }, 'findMe.list'],
    ['a Find Me timeout outside 10-60 (§1.3)', { kind: 'findme_list', firstNumber: '3125550002', findMe: { list: ['3125550101'], timeoutS: 5 } }, 'findMe.timeoutS'],
    ['a no-answer URL that is not http(s)', { kind: 'findme', firstNumber: '3125550002', blockId: 4, noAnswer: { url: 'ftp://x/y' } }, 'noAnswer.url'],
  ])('%s: 400 invalid_request', async (_name, body, path) => {
    const { app, initiator } = testApi();
    const res = await post(app, body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string; issues: Array<{ path: string; message: string }> } };
    expect(json.error.code).toBe('invalid_request');
    expect(json.error.issues.map((i) => i.path)).toContain(path);
    expect(json.error.message).toMatch(/: /);
    expect(initiator.requests).toHaveLength(0);
  });

  it('a body over 64 KiB is 413 invalid_request', async () => {
    const { app } = testApi();
    const res = await post(app, { ...IVR, passThrough: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'invalid_request', message: 'the body is too large' } });
  });
});
