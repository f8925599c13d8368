import { describe, expect, it } from 'vitest';
import { CLICK_TO_XYZ_PATH } from './click-to-xyz.js';
import { ENCODINGS, get, postForm, TEST_KEY, testApi } from './initiate-testing.js';
import type { InitiateResult } from './initiate-types.js';

const P = CLICK_TO_XYZ_PATH;
const CONNECTED = 'Call Connected.';
const INVALID_LINK = 'The link you clicked to reach here was invalid';

/** Every legacy app with the least it needs, and what it must turn into (§1.1-§1.6). */
const APPS = [
  { app: 'ctc', fields: { type: '1', id: '8475550001', phone_to_call: '3125550002' }, want: { kind: 'call', firstNumber: '+13125550002', secondNumber: '+18475550001' } },
  { app: 'ctf', fields: { findme_id: '4', phone_to_call: '3125550002' }, want: { kind: 'findme', blockId: 4, firstNumber: '+13125550002', reverse: false } },
  { app: 'ctfl', fields: { list: '3125550101|3125550102', phone_to_call: '3125550002' }, want: { kind: 'findme_list', firstNumber: '+13125550002', findMe: { list: ['+13125550101', '+13125550102'] } } },
  { app: 'ctvr', fields: { menu_id: '3', phone_to_call: '3125550002' }, want: { kind: 'vr', blockId: 3, firstNumber: '+13125550002' } },
  { app: 'ctvm', fields: { vmail_box_id: '7', phone_to_call: '3125550002' }, want: { kind: 'voicemail', blockId: 7, firstNumber: '+13125550002' } },
  { app: 'cts', fields: { survo_id: '890', phone_to_call: '8475551212' }, want: { kind: 'ivr', blockId: 890, firstNumber: '+18475551212' } },
] as const;

describe('click_to_xyz.php: every app, every encoding', () => {
  for (const { app: appName, fields, want } of APPS) {
    for (const [encoding, send] of ENCODINGS) {
      it(`${appName} by ${encoding} answers "Call Connected." and starts ${want.kind}`, async () => {
        const { app, initiator } = testApi();
        const res = await send(app, P, { app: appName, key: TEST_KEY, ...fields });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await res.text()).toBe(CONNECTED);
        expect(initiator.only()).toMatchObject({ ...want, source: 'click_to_xyz', userParameters: {} });
      });
    }
  }

  it('matches app without regard to case (§5.0 "CTF") and takes the Python client\'s cst for cts', async () => {
    const { app, initiator } = testApi();
    await get(app, P, { app: 'CTF', key: TEST_KEY, findme_id: '4', phone_to_call: '3125550002' });
    await get(app, P, { app: 'cst', key: TEST_KEY, survo_id: '890', phone_to_call: '3125550002' });
    expect(initiator.requests.map((r) => r.kind)).toEqual(['findme', 'ivr']);
  });

  it('ctc type=2 calls id first (§1.1, §5.1)', async () => {
    const { app, initiator } = testApi();
    await get(app, P, { app: 'ctc', key: TEST_KEY, type: '2', id: '8475550001', phone_to_call: '3125550002' });
    expect(initiator.only()).toMatchObject({ firstNumber: '+18475550001', secondNumber: '+13125550002' });
  });
});

describe('click_to_xyz.php: the original\'s error texts', () => {
  it('no app: "Missing Application Specification" (§5.0)', async () => {
    const { app, initiator } = testApi();
    for (const fields of [{ key: TEST_KEY }, { key: TEST_KEY, app: '' }, {}] as Array<Record<string, string>>) {
      const res = await get(app, P, fields);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Missing Application Specification');
    }
    expect(initiator.requests).toHaveLength(0);
  });

  it('unknown app: the invalid-link text', async () => {
    const { app, initiator } = testApi();
    for (const a of ['cta', 'constructor', '__proto__', 'ctc ctf']) {
      expect(await (await get(app, P, { app: a, key: TEST_KEY })).text()).toBe(INVALID_LINK);
    }
    expect(initiator.requests).toHaveLength(0);
  });

  const call = { app: 'cts', survo_id: '890', phone_to_call: '8475551212' };
  it.each([
    ['no key', {}],
    ['an empty key', { key: '' }],
    ['a wrong key', { key: 'nope' }],
    ['the key with a suffix', { key: `${TEST_KEY}x` }],
    ['access_key without secret', { access_key: TEST_KEY }],
    ['a wrong secret_access_key', { access_key: TEST_KEY, secret_access_key: 'nope' }],
  ])('%s: the invalid-link text and no call', async (_name, creds) => {
    const { app, initiator } = testApi();
    expect(await (await postForm(app, P, { ...call, ...creds })).text()).toBe(INVALID_LINK);
    expect(initiator.requests).toHaveLength(0);
  });

  it('takes the Access key pair instead of key (§5.0 item 4)', async () => {
    const { app, initiator } = testApi();
    const res = await postForm(app, P, { ...call, access_key: TEST_KEY, secret_access_key: TEST_KEY });
    expect(await res.text()).toBe(CONNECTED);
    expect(initiator.requests).toHaveLength(1);
  });

  it('refuses everything when HOOKLINE_API_KEY is not set', async () => {
    const { app, initiator } = testApi({ apiKey: undefined });
    expect(await (await get(app, P, { ...call, key: '' })).text()).toBe(INVALID_LINK);
    expect(await (await get(app, P, { ...call, key: 'undefined' })).text()).toBe(INVALID_LINK);
    expect(initiator.requests).toHaveLength(0);
  });
});

describe('click_to_xyz.php: missing and malformed parameters', () => {
  it.each([
    ['ctc', { id: '8475550001', phone_to_call: '3125550002' }, 'Missing Required Parameter: type'],
    ['ctc', { type: '1', phone_to_call: '3125550002' }, 'Missing Required Parameter: id'],
    ['ctc', { type: '1', id: '8475550001' }, 'Missing Required Parameter: phone_to_call'],
    ['ctc', { type: '3', id: '8475550001', phone_to_call: '3125550002' }, 'Invalid Parameter: type'],
    ['ctf', { phone_to_call: '3125550002' }, 'Missing Required Parameter: findme_id'],
    ['ctf', { findme_id: '4' }, 'Missing Required Parameter: phone_to_call'],
    ['ctfl', { phone_to_call: '3125550002' }, 'Missing Required Parameter: list'],
    ['ctfl', { list: '||', phone_to_call: '3125550002' }, 'Missing Required Parameter: list'],
    ['ctfl', { list: '3125550101|call-me', phone_to_call: '3125550002' }, 'Invalid Parameter: list'],
    ['ctvr', { phone_to_call: '3125550002' }, 'Missing Required Parameter: menu_id'],
    ['ctvm', { phone_to_call: '3125550002' }, 'Missing Required Parameter: vmail_box_id'],
    ['cts', { phone_to_call: '3125550002' }, 'Missing Required Parameter: survo_id'],
    ['cts', { survo_id: '890' }, 'Missing Required Parameter: phone_to_call'],
    ['cts', { survo_id: '890', phone_to_call: '' }, 'Missing Required Parameter: phone_to_call'],
    ['cts', { survo_id: 'abc', phone_to_call: '3125550002' }, 'Invalid Parameter: survo_id'],
    ['cts', { survo_id: '0', phone_to_call: '3125550002' }, 'Invalid Parameter: survo_id'],
    ['cts', { survo_id: '890', phone_to_call: 'sip:bob@example.com' }, 'Invalid Parameter: phone_to_call'],
    ['cts', { survo_id: '890', phone_to_call: '3125550002', first_callerid: 'ACME' }, 'Invalid Parameter: first_callerid'],
  ])('%s %j: %s', async (appName, fields, text) => {
    const { app, initiator } = testApi();
    expect(await (await get(app, P, { app: appName, key: TEST_KEY, ...fields })).text()).toBe(text);
    expect(initiator.requests).toHaveLength(0);
  });

  it('scheduleonly, even as a bare name (§5.6), is refused rather than placing a call', async () => {
    const { app, initiator } = testApi();
    for (const flag of ['scheduleonly', 'scheduleonly=1', 'schedule_only=1']) {
      const res = await app.request(`${P}?app=cts&${flag}&survo_id=890&key=${TEST_KEY}&phone=7735551212%7C8475551212`);
      expect(await res.text()).toBe('Not Supported: Voice Broadcast Scheduling');
    }
    expect(initiator.requests).toHaveLength(0);
  });
});

describe('click_to_xyz.php: what reaches the IVR', () => {
  it('passes user_parameters (name|value||name|value), p_t verbatim and both caller ids', async () => {
    const { app, initiator } = testApi();
    await postForm(app, P, {
      app: 'cts',
      key: TEST_KEY,
      survo_id: '890',
      phone_to_call: '(847) 555-1212',
      user_parameters: 'firstName|Bill||lastName|Johnson||note|a|b',
      p_t: 'user_id|12345||step|call_user',
      first_callerid: '1-312-555-0100',
      second_callerid: '+44 20 7946 0018',
      page: 'x'.repeat(300),
      ref: 'r'.repeat(40),
    });
    expect(initiator.only()).toEqual({
      source: 'click_to_xyz',
      kind: 'ivr',
      blockId: 890,
      firstNumber: '+18475551212',
      firstCallerId: '+13125550100',
      secondCallerId: '+442079460018',
      userParameters: { firstName: 'Bill', lastName: 'Johnson', note: 'a|b' },
      passThrough: 'user_id|12345||step|call_user',
      page: 'x'.repeat(255),
      ref: 'r'.repeat(32),
    });
  });

  it('decodes a GET query as a form does (+ is a space) and takes the Python spelling usr_parameters', async () => {
    const { app, initiator } = testApi();
    await app.request(`${P}?app=cts&key=${TEST_KEY}&survo_id=890&phone_to_call=%2B18475551212&usr_parameters=greeting%7CHello+there&p_t=a+b`);
    expect(initiator.only()).toMatchObject({ firstNumber: '+18475551212', userParameters: { greeting: 'Hello there' }, passThrough: 'a b' });
  });

  it('lets a body field override the query field of the same name', async () => {
    const { app, initiator } = testApi();
    await app.request(`${P}?app=cts&key=${TEST_KEY}&survo_id=1&phone_to_call=3125550002`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'survo_id=2',
    });
    expect(initiator.only()).toMatchObject({ blockId: 2 });
  });
});

describe('click_to_xyz.php: each outcome\'s text', () => {
  it.each<[InitiateResult | 'throw', string]>([
    [{ outcome: 'connected', sessionId: 'abc' }, 'Call Connected.'],
    [{ outcome: 'busy', sessionId: 'abc' }, 'Call Not Connected: Busy.'],
    [{ outcome: 'no_answer', sessionId: 'abc' }, 'Call Not Connected: No Answer.'],
    [{ outcome: 'failed', reason: '503 from the trunk' }, 'Call Not Connected: Failed.'],
    [{ outcome: 'refused', reason: 'not allowed by HOOKLINE_DIAL_ALLOW' }, 'Call Not Connected: Refused.'],
    ['throw', 'Call Not Connected: Failed.'],
  ])('%j: %s', async (result, text) => {
    const { app, initiator } = testApi();
    initiator.next = result;
    const res = await get(app, P, { app: 'ctvm', key: TEST_KEY, vmail_box_id: '7', phone_to_call: '3125550002' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
  });
});
