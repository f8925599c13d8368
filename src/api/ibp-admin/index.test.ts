import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminError } from '../../admin/errors.js';
import { API_SCOPES } from '../../admin/keys.js';
import { IBP_API_PATH } from '../ibp-api.js';
import { postMultipart, testApi } from '../initiate-testing.js';
import { describe as describeError, IBP_ACTIONS } from './index.js';
import { NOT_OFFERED_GROUPS } from './general.js';
import { ENV_KEY, ibpKit, parseStrict, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

describe('ibp_api.php administration: every action', () => {
  const actions = Object.keys(IBP_ACTIONS);

  it('offers the groups hookline can honour', () => {
    const groups = new Set(actions.map((a) => (a.includes('.') ? a.split('.')[0] : 'vmail')));
    expect([...groups].sort()).toEqual(['findme', 'general', 'recording', 'registerednumbers', 'report', 'routing', 'survo', 'vmail']);
  });

  it('refuses every action without a key, and with a wrong key, before reading any parameter', async () => {
    for (const action of actions) {
      for (const key of [null, 'wrong-key', `hk_${'x'.repeat(43)}`]) {
        const r = await kit.call(action, {}, { key });
        expect([action, r.status, r.result, r.description]).toEqual([action, 200, 'failed', 'Unauthorized: missing or wrong api_key']);
      }
    }
  });

  it('refuses every action to a key without its scope (read for reads, admin for changes)', async () => {
    for (const action of actions) {
      const scope = IBP_ACTIONS[action]!.scope;
      const r = await kit.call(action, {}, { key: await kit.keyWith(API_SCOPES.filter((s) => s !== scope)) });
      expect([action, r.result, r.description]).toEqual([action, 'failed', `Forbidden: this api_key lacks the ${scope} scope that ${action} needs`]);
    }
  });

  it('lets a stored key with the scope in', async () => {
    const r = await kit.call('general.buildingblockids', {}, { key: await kit.keyWith(['read']) });
    expect(r.result).toBe('success');
  });

  it('changes need admin, reads need read', () => {
    expect(IBP_ACTIONS['findme.create']!.scope).toBe('admin');
    expect(IBP_ACTIONS['report.call_detail']!.scope).toBe('read');
    expect(IBP_ACTIONS['recording.download']!.scope).toBe('read');
    expect(IBP_ACTIONS['recording.upload']!.scope).toBe('admin');
  });
});

describe('ibp_api.php administration: requests that name nothing to do', () => {
  it('no action', async () => {
    expect((await kit.call(undefined)).description).toBe('Missing Required Parameter: action');
  });

  it.each(Object.entries(NOT_OFFERED_GROUPS))('the %s group is not offered, with its reason', async (group, reason) => {
    const r = await kit.call(`${group}.list`, {});
    expect(r.result).toBe('failed');
    expect(r.description).toBe(`the ${group} group is not offered by hookline: ${reason}`);
  });

  it.each([
    ['findme.rename', 'Unknown Action: findme.rename: the findme group offers findme.create, findme.update_list_settings, findme.delete, findme.add_number, findme.delete_number, findme.empty, findme.get_findme_list, findme.get_phone_list, findme.get_recorded_calls_list, findme.delete_recorded_call'],
    ['fax.send', 'Unknown Action: fax.send'],
    ['constructor', 'Unknown Action: constructor'],
    ['__proto__.x', 'Unknown Action: __proto__.x'],
    ['clickto.call', 'Unknown Action: clickto.call: the clickto actions are answered by the Call Initiation API, which is not enabled on this server'],
  ])('%s', async (action, description) => {
    expect((await kit.call(action)).description).toBe(description);
  });

  it('takes the action in any case, by GET and by POST', async () => {
    expect((await kit.call('GENERAL.BuildingBlockIds', {}, { method: 'POST' })).result).toBe('success');
    expect((await kit.call('general.buildingblockids', {}, { method: 'GET' })).result).toBe('success');
    // multipart/form-data is what the PHP client's curl sends.
    const multipart = await postMultipart(kit.app, IBP_API_PATH, { action: 'registerednumbers.add', api_key: ENV_KEY, phone: '3125550001' });
    expect(parseStrict(await multipart.text()).children.map((c) => c.text)).toEqual(['success', '+13125550001', '', '1']);
  });

  it('answers an unexpected failure as failed, never as a 500', async () => {
    await kit.store.close();
    const r = await kit.call('registerednumbers.list');
    expect([r.status, r.result, r.description]).toEqual([200, 'failed', 'Failed: the server could not carry out the action; its log says why']);
  });

  it('answers a body over the limit as failed XML', async () => {
    const res = await kit.app.request(IBP_API_PATH, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `action=general.buildingblockids&api_key=${ENV_KEY}&x=${'y'.repeat(70_000)}` });
    expect(parseStrict(await res.text()).children.map((c) => c.text)).toEqual(['failed', 'Failed: the request is too large']);
  });
});

describe('ibp_api.php administration: the XML', () => {
  it('is well-formed with everything escaped, even names holding markup and control characters', async () => {
    const name = `<b>&"Tom's"</b>\u0001\uD800`;
    const created = await kit.call('findme.create', { name, numbers: '3125550102' });
    expect(created.result).toBe('success');
    const list = await kit.call('findme.get_findme_list');
    expect(list.text).toContain('&lt;b&gt;&amp;"Tom\'s"&lt;/b&gt;');
    expect(list.text.startsWith('<?xml version="1.0" encoding="utf-8"?><response><result>success</result>')).toBe(true);
    const names = list.xml!.children.find((c) => c.name === 'findmes')!.children.map((f) => f.children.find((c) => c.name === 'name')!.text);
    expect(names).toContain(`<b>&"Tom's"</b>\uFFFD\uFFFD`);
  });

  it('has the same root and result as the clickto answers', async () => {
    const r = await kit.call('findme.delete', { findme_id: '99' });
    expect(r.text).toBe('<?xml version="1.0" encoding="utf-8"?><response><result>failed</result><result_description>Not Found: no Find Me with id 99</result_description></response>');
  });
});

describe('mounted after the Call Initiation API', () => {
  it('gets every action but clickto.*, which the Call Initiation API keeps answering', async () => {
    const server = new Hono();
    const { app: initiation, initiator } = testApi({ passOtherIbpActions: true });
    server.route('/', initiation);
    server.route('/', kit.app);
    const admin = await server.request(`${IBP_API_PATH}?action=general.buildingblockids&api_key=${ENV_KEY}`);
    expect(parseStrict(await admin.text()).children[0]!.text).toBe('success');
    const call = await server.request(`${IBP_API_PATH}?action=clickto.vr&menu_id=3&phone_to_call=3125550002&access_key=k3y-0f-the-t3st-server&secret_access_key=k3y-0f-the-t3st-server`);
    expect(await call.text()).toContain('<result>success</result>');
    expect(initiator.requests).toHaveLength(1);
  });
});

describe('describe', () => {
  it('names the parameter as the caller sent it', () => {
    const fields = { nextactionitem: 'findme_action_parameter', phone_list: 'numbers' };
    expect(describeError(new AdminError('invalid', 'x', { issues: [{ path: 'nextactionitem', message: 'required when nextaction is 2' }] }), fields)).toBe(
      'Invalid Parameter: findme_action_parameter (required when nextaction is 2)',
    );
    expect(describeError(new AdminError('invalid', 'x', { issues: [{ path: 'phone_list[2]', message: 'bad' }] }), fields)).toBe('Invalid Parameter: numbers (bad)');
    expect(describeError(new AdminError('bad_request', 'x', { issues: [{ path: 'box_id', message: 'required' }] }))).toBe('Missing Required Parameter: box_id');
    expect(describeError(new AdminError('conflict', 'voicemail box 8 is still used: numbers.800: ...', { issues: [{ path: 'numbers.800', message: 'm' }] }))).toBe(
      'Conflict: voicemail box 8 is still used: numbers.800: ...',
    );
    expect(describeError(new AdminError('file_managed', 'Find Me 4 is defined in flows.yaml'))).toBe('Not Allowed: Find Me 4 is defined in flows.yaml');
  });
});
