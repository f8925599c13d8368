import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigService } from '../../admin/config-service.js';
import { parseFlows } from '../../config/flows.js';
import { silentLogger } from '../../lib/logger.js';
import { createSqliteStore } from '../../store/sqlite.js';
import { registerConfigRoutes } from './config-routes.js';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

const FILE = `
numbers:
  "8005550100": ivr/10
ivrs:
  - id: 10
    name: From the file
    questions: [{ type: say, prompt: "Hello from the file." }]
voicemails:
  - { id: 7, greeting: "Leave a message." }
`;

/** An IVR as the console makes it: two questions and a POST webhook with one dynamic parameter. */
const NEW_IVR = {
  name: 'Orders',
  questions: [
    { type: 'keypad', prompt: 'Enter your order number, then press pound.', max_digits: 8 },
    { type: 'menu', prompt: 'For status press 1, to cancel press 2.', options: { '1': 'status', '2': 'cancel' } },
  ],
  webhook: { method: 'POST', url: 'http://127.0.0.1:9000/orders', parameters: [{ name: 'order', value: 'question.1' }] },
};

interface Problem {
  status: number;
  type: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

describe('configuration resources', () => {
  let kit: AdminTestKit;
  let config: ConfigService;

  beforeEach(async () => {
    const store = await createSqliteStore(':memory:');
    config = await ConfigService.open({ file: parseFlows(FILE, 'flows.yaml'), repo: store.config, logger: silentLogger });
    kit = await adminTestKit(() => [(router) => registerConfigRoutes(router, config)], { store });
  });
  afterEach(() => kit.close());

  it('lists file-managed items read-only, with their ETags', async () => {
    const res = await kit.request('GET', '/ivrs');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ managed_by: string; etag: string; value: { id: number; name: string } }> };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ managed_by: 'file', value: { id: 10, name: 'From the file' } });
    const one = await kit.request('GET', '/ivrs/10');
    expect(one.headers.get('ETag')).toBe(body.items[0]?.etag);
    expect(one.headers.get('Hookline-Managed-By')).toBe('file');

    const put = await kit.request('PUT', '/ivrs/10', { json: NEW_IVR });
    expect(put.status).toBe(409);
    const p = (await put.json()) as Problem;
    expect(p.type).toBe('tag:hookline,2026:problem/file_managed');
    expect(p.detail).toContain('flows.yaml');
    expect((await kit.request('DELETE', '/ivrs/10')).status).toBe(409);
  });

  it('makes an IVR that new calls use at once, with every default written out', async () => {
    const res = await kit.request('POST', '/ivrs', { json: NEW_IVR });
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe('/api/v1/ivrs/11');
    const made = (await res.json()) as { id: number; questions: Array<Record<string, unknown>>; webhook: Record<string, unknown> };
    expect(made.id).toBe(11); // after the file's 10
    expect(made.questions[0]).toEqual({ type: 'keypad', prompt: 'Enter your order number, then press pound.', min_digits: 1, max_digits: 8, terminator: '#', timeout_s: 5 });
    expect(made.webhook).toMatchObject({ action: 'next_action', method: 'POST', timeout_s: 10, parameters: [{ name: 'order', value: 'question.1' }] });
    expect(config.current().ivrs.get(11)?.questions).toHaveLength(2);

    // A number routed to it, and the export now holds both.
    expect((await kit.request('PUT', '/numbers/8005550199', { json: { to: 'ivr/11', label: 'Orders line' } })).status).toBe(201);
    expect(config.current().numbers.get('8005550199')).toEqual({ kind: 'ivr', id: 11 });
    const exported = parse(await (await kit.request('GET', '/config/export')).text()) as { numbers: Record<string, unknown>; ivrs: Array<{ id: number }> };
    expect(exported.numbers).toEqual({ '8005550100': 'ivr/10', '8005550199': { to: 'ivr/11', label: 'Orders line' } });
    expect(exported.ivrs.map((i) => i.id)).toEqual([10, 11]);
  });

  it('names each mistake with its key path, as the flows loader does, and changes nothing', async () => {
    const bad = { ...NEW_IVR, questions: [{ type: 'keypad', prompt: 'x', max_digits: 'eight', min_digts: 1 }], webhook: { url: 'ftp://example.com/x' } };
    const res = await kit.request('POST', '/ivrs', { json: bad });
    expect(res.status).toBe(422);
    const p = (await res.json()) as Problem;
    expect(p.errors).toEqual(
      expect.arrayContaining([
        { path: 'questions[0].max_digits', message: 'expected a number' },
        { path: 'questions[0].min_digts', message: 'unknown key; did you mean min_digits?' },
        { path: 'webhook.url', message: "expected an http:// or https:// URL, or a path on hookline's own HTTP server such as /demo/hook" },
      ]),
    );
    // A reference to something that does not exist is a mistake in the body too.
    const dangling = await kit.request('POST', '/vrs', { json: { prompt: 'Press 1', options: { '1': 'ivr/99' } } });
    expect(dangling.status).toBe(422);
    expect(((await dangling.json()) as Problem).errors).toEqual([{ path: 'options.1', message: 'ivr/99 does not exist: no IVR with id 99 in the configuration' }]);
    const param = await kit.request('POST', '/ivrs', { json: { ...NEW_IVR, webhook: { ...NEW_IVR.webhook, parameters: [{ name: 'ivr_id', value: 'question.3' }] } } });
    expect(((await param.json()) as Problem).errors?.map((e) => e.path)).toEqual(['webhook.parameters[0].name', 'webhook.parameters[0].value']);
    expect(config.entries('ivr')).toHaveLength(1);
    expect(config.entries('vr')).toHaveLength(0);
  });

  it('refuses a change made from a stale ETag with 412, and takes the current one', async () => {
    const made = await kit.request('POST', '/ivrs', { json: NEW_IVR });
    const etag = made.headers.get('ETag') ?? '';
    const first = await kit.request('PUT', '/ivrs/11', { json: { ...NEW_IVR, name: 'Alice edited' }, headers: { 'If-Match': etag } });
    expect(first.status).toBe(200);
    const second = await kit.request('PUT', '/ivrs/11', { json: { ...NEW_IVR, name: 'Bob edited' }, headers: { 'If-Match': etag } });
    expect(second.status).toBe(412);
    expect(((await second.json()) as Problem).detail).toContain('changed since you read it');
    expect(config.current().ivrs.get(11)?.name).toBe('Alice edited');
    expect((await kit.request('DELETE', '/ivrs/11', { headers: { 'If-Match': etag } })).status).toBe(412);
    expect((await kit.request('PUT', '/ivrs/12', { json: NEW_IVR, headers: { 'If-Match': etag } })).status).toBe(412);
  });

  it('refuses to delete what is still used, naming the user, then deletes', async () => {
    await kit.request('PUT', '/ivrs/11', { json: NEW_IVR });
    await kit.request('PUT', '/numbers/8005550199', { json: { to: 'ivr/11' } });
    const refused = await kit.request('DELETE', '/ivrs/11');
    expect(refused.status).toBe(409);
    const p = (await refused.json()) as Problem;
    expect(p.errors).toEqual([{ path: 'numbers.8005550199', message: 'ivr/11 does not exist: no IVR with id 11 in the configuration' }]);
    expect((await kit.request('DELETE', '/numbers/8005550199')).status).toBe(204);
    expect((await kit.request('DELETE', '/ivrs/11')).status).toBe(204);
    expect((await kit.request('GET', '/ivrs/11')).status).toBe(404);
    expect((await kit.request('DELETE', '/ivrs/11')).status).toBe(404);
    expect(config.current().ivrs.has(11)).toBe(false);
  });

  it('manages every kind: Find Me, VR, voicemail, post-call action', async () => {
    const fm = await kit.request('POST', '/findmes', { json: { name: 'Support', phone_list: ['3125550101'], nextaction: 2, nextactionitem: 7 } });
    expect(fm.status).toBe(201);
    expect((await kit.request('POST', '/vrs', { json: { id: 3, prompt: 'For support press 1', options: { '1': 'findme/1' } } })).status).toBe(201);
    expect((await kit.request('POST', '/voicemails', { json: { greeting: 'Hi', notify_url: 'https://crm.test/vm' } })).status).toBe(201);
    const pca = await kit.request('POST', '/post-call-actions', { json: { url: 'http://crm.test/calls', applies_to: ['findme/1'], parameters: [{ name: 's', value: 'call.session_id' }] } });
    expect(pca.status).toBe(201);
    expect(((await pca.json()) as { id: number }).id).toBe(1);
    const flows = config.current();
    expect(flows.findmes.get(1)?.name).toBe('Support');
    expect(flows.vrs.get(3)?.options['1']).toEqual({ kind: 'findme', id: 1 });
    expect(flows.voicemails.get(8)?.notify?.url).toBe('https://crm.test/vm');
    expect(flows.postCallActions?.[0]?.appliesTo).toEqual([{ kind: 'findme', id: 1 }]);
    expect((await kit.request('POST', '/vrs', { json: { id: 3, prompt: 'again', options: { '1': 'ivr/10' } } })).status).toBe(409);
  });

  it('answers 404 for unknown items and 400 for ids that are not ids', async () => {
    expect((await kit.request('GET', '/findmes/5')).status).toBe(404);
    expect((await kit.request('GET', '/numbers/8005550111')).status).toBe(404);
    const bad = await kit.request('GET', '/ivrs/ten');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.[0]?.path).toBe('id');
    const mismatch = await kit.request('PUT', '/ivrs/12', { json: { ...NEW_IVR, id: 13 } });
    expect(mismatch.status).toBe(422);
  });

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });
});
