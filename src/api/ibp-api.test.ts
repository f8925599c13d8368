import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { IBP_API_PATH, ibpXml } from './ibp-api.js';
import { ENCODINGS, get, postForm, TEST_KEY, testApi } from './initiate-testing.js';
import type { InitiateResult } from './initiate-types.js';

const P = IBP_API_PATH;
const SID = '0123456789abcdef0123456789abcdef';
const ACCESS = { access_key: TEST_KEY, secret_access_key: TEST_KEY };
const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';
const success = (sid = SID) =>
  `${XML_HEAD}<response><result>success</result><result_description>Call Connected.</result_description><sid>${sid}</sid></response>`;
const failed = (description: string) =>
  `${XML_HEAD}<response><result>failed</result><result_description>${description}</result_description></response>`;

/** Each action with the least it needs (§5.1, §5.2, §5.3b, §5.4b, §5.7). */
const ACTIONS = [
  { action: 'clickto.call', fields: { type: '1', id: '8475550001', phone_to_call: '3125550002' }, want: { kind: 'call', firstNumber: '+13125550002', secondNumber: '+18475550001' } },
  { action: 'clickto.findme', fields: { findme_id: '4', phone_to_call: '3125550002' }, want: { kind: 'findme', blockId: 4 } },
  { action: 'clickto.findme', fields: { list: '3125550101|3125550102', phone_to_call: '3125550002' }, want: { kind: 'findme_list', findMe: { list: ['+13125550101', '+13125550102'] } } },
  { action: 'clickto.vr', fields: { menu_id: '3', phone_to_call: '3125550002' }, want: { kind: 'vr', blockId: 3 } },
  { action: 'clickto.survo', fields: { survo_id: '890', phone_to_call: '8475551212' }, want: { kind: 'ivr', blockId: 890, firstNumber: '+18475551212' } },
] as const;

describe('ibp_api.php: server side (access_key + secret_access_key) answers XML', () => {
  for (const { action, fields, want } of ACTIONS) {
    for (const [encoding, send] of ENCODINGS) {
      it(`${action} ${want.kind} by ${encoding}`, async () => {
        const { app, initiator } = testApi();
        const res = await send(app, P, { action, ...ACCESS, ...fields });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
        expect(await res.text()).toBe(success());
        expect(initiator.only()).toMatchObject({ ...want, source: 'ibp_api' });
      });
    }
  }

  it.each<[InitiateResult | 'throw', string]>([
    [{ outcome: 'busy', sessionId: SID }, `${XML_HEAD}<response><result>failed</result><result_description>Call Not Connected: Busy.</result_description><sid>${SID}</sid></response>`],
    [{ outcome: 'no_answer' }, failed('Call Not Connected: No Answer.')],
    [{ outcome: 'failed', reason: 'trunk said 503' }, failed('Call Not Connected: Failed. (trunk said 503)')],
    [{ outcome: 'refused', reason: 'premium <900> number' }, failed('Call Not Connected: Refused. (premium &#60;900&#62; number)')],
    ['throw', failed('Call Not Connected: Failed.')],
  ])('outcome %j', async (result, xml) => {
    const { app, initiator } = testApi();
    initiator.next = result;
    const res = await get(app, P, { action: 'clickto.survo', ...ACCESS, survo_id: '890', phone_to_call: '8475551212' });
    expect(await res.text()).toBe(xml);
  });

  it.each([
    ['no credentials', {}, 'The link you clicked to reach here was invalid'],
    ['a wrong secret', { access_key: TEST_KEY, secret_access_key: 'x' }, 'The link you clicked to reach here was invalid'],
    ['a wrong access key', { access_key: 'x', secret_access_key: TEST_KEY }, 'The link you clicked to reach here was invalid'],
  ])('%s: failed, no call', async (_name, creds, description) => {
    const { app, initiator } = testApi();
    const res = await get(app, P, { action: 'clickto.survo', ...creds, survo_id: '890', phone_to_call: '8475551212' });
    expect(await res.text()).toBe(failed(description));
    expect(initiator.requests).toHaveLength(0);
  });

  it.each([
    ['no action', {}, 'Missing Application Specification'],
    ['an unknown clickto action', { action: 'clickto.fax' }, 'The link you clicked to reach here was invalid'],
    ['an admin action, not passed on', { action: 'report.call_detail' }, 'The link you clicked to reach here was invalid'],
    ['clickto.agent', { action: 'clickto.agent', queue_id: '1', agent_id: '2', phone_to_call: '3125550002' }, 'Not Supported: Click-to-Agent'],
    ['a missing parameter', { action: 'clickto.vr', phone_to_call: '3125550002' }, 'Missing Required Parameter: menu_id'],
    ['a bad number', { action: 'clickto.vr', menu_id: '3', phone_to_call: 'nobody' }, 'Invalid Parameter: phone_to_call'],
  ])('%s: failed with its description', async (_name, fields, description) => {
    const { app, initiator } = testApi();
    expect(await (await postForm(app, P, { ...ACCESS, ...fields })).text()).toBe(failed(description));
    expect(initiator.requests).toHaveLength(0);
  });

  it('escapes what it puts in XML', () => {
    expect(ibpXml('failed', `a&b<c>"d'`, '<sid>')).toBe(
      `${XML_HEAD}<response><result>failed</result><result_description>a&#38;b&#60;c&#62;&#34;d&#39;</result_description><sid>&#60;sid&#62;</sid></response>`,
    );
  });
});

describe('ibp_api.php: client side (public_key or key) answers text', () => {
  it.each(['public_key', 'key'])('%s: "Call Connected." (§5.7)', async (name) => {
    const { app, initiator } = testApi();
    const res = await get(app, P, { action: 'clickto.survo', [name]: TEST_KEY, survo_id: '890', phone_to_call: '8475551212' });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Call Connected.');
    expect(initiator.requests).toHaveLength(1);
  });

  it('wrong public key, missing parameter and busy in text', async () => {
    const { app, initiator } = testApi();
    const base = { action: 'clickto.survo', public_key: TEST_KEY, survo_id: '890', phone_to_call: '8475551212' };
    expect(await (await get(app, P, { ...base, public_key: 'x' })).text()).toBe('The link you clicked to reach here was invalid');
    expect(await (await get(app, P, { ...base, survo_id: '' })).text()).toBe('Missing Required Parameter: survo_id');
    initiator.next = { outcome: 'busy' };
    expect(await (await get(app, P, base)).text()).toBe('Call Not Connected: Busy.');
  });

  it('passes user_parameters, p_t and caller ids through (§5.7, §5.1)', async () => {
    const { app, initiator } = testApi();
    await postForm(app, P, {
      action: 'clickto.call',
      ...ACCESS,
      type: '2',
      id: '8475550001',
      phone_to_call: '3125550002',
      first_callerid: '8475550001',
      second_callerid: '8005550100',
      user_parameters: 'who|Bill',
      p_t: 'crm|42',
    });
    expect(initiator.only()).toMatchObject({
      kind: 'call',
      firstNumber: '+18475550001',
      secondNumber: '+13125550002',
      firstCallerId: '+18475550001',
      secondCallerId: '+18005550100',
      userParameters: { who: 'Bill' },
      passThrough: 'crm|42',
    });
  });
});

describe('ibp_api.php next to the Administration API', () => {
  it('passes non-clickto actions on when asked, and still handles clickto.*', async () => {
    const { app: api, initiator } = testApi({ passOtherIbpActions: true });
    const server = new Hono();
    server.route('/', api);
    server.on(['GET', 'POST'], P, (c) => c.text('admin'));
    expect(await (await postForm(server, P, { action: 'report.call_detail', api_key: TEST_KEY })).text()).toBe('admin');
    expect(await (await get(server, P, { action: 'clickto.survo', ...ACCESS, survo_id: '890', phone_to_call: '8475551212' })).text()).toBe(success());
    expect(initiator.requests).toHaveLength(1);
  });
});
