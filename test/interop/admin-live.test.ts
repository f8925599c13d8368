/**
 * The Administration API changes what real SIP calls do, at once and with no restart: an IVR and a
 * number made over HTTP answer the next SIPp call, and the webhook it sends is that IVR's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { paramsOf, WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, interopFlows } from './flows.js';
import { RUN_INTEROP, preparePcaps, removeUnlessFailed, runSipp, startHookline, type HooklineProcess } from './harness.js';

const KEY = 'interop-admin-key-0123';
const CALLER = '3125550199';

describe.skipIf(!RUN_INTEROP)('configuration changed through the Administration API, then called over SIP', () => {
  const receiver = new WebhookReceiver(() => ({ body: HANGUP }));
  let hook: string;
  let server: HooklineProcess | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  afterEach(async (ctx) => {
    if (server) dirs.push(server.dir);
    await server?.stop();
    server = undefined;
    await removeUnlessFailed(ctx.task.result?.state, dirs.splice(0));
  });

  it('routes a new number to a new IVR for the next call, without a restart', async () => {
    const dir = await tempDir('hookline-admin-live-');
    dirs.push(dir);
    await preparePcaps(dir);
    server = await startHookline(interopFlows(hook), { env: { HOOKLINE_API_KEY: KEY } });
    const api = (method: string, path: string, body: unknown): Promise<Response> =>
      fetch(`${server!.httpBase}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    // The file's IVR 10, in the same shape the API takes, becomes IVR 20 with its own webhook URL.
    const ivr = (parse(interopFlows(hook)) as { ivrs: Array<Record<string, unknown> & { webhook: Record<string, unknown> }> }).ivrs[0]!;
    const made = await api('POST', '/ivrs', { ...ivr, id: 20, name: 'Made over HTTP', webhook: { ...ivr.webhook, url: `${hook}/hook?source=api20` } });
    expect(made.status, await made.clone().text()).toBe(201);
    expect((await api('PUT', '/numbers/8005550120', { to: 'ivr/20' })).status).toBe(201);

    const run = await runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: '8005550120', callers: [CALLER], timeoutS: 45 });
    expect(run.successful, `${run.report}\n--- hookline:\n${server.output()}`).toBe(1);
    const [req] = await receiver.waitFor(1);
    expect(req!.url).toContain('source=api20');
    const p = paramsOf(req!);
    expect(p.get('ivr_id')).toBe('20');
    expect(p.get('ivr_number_called')).toBe('8005550120');
    expect(p.get('account')).toBe('12345');

    // The file's number still reaches the file's IVR (a caller who only listens: its webhook says which).
    const again = await runSipp({ scenario: 'listen-hangup.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 20 });
    expect(again.successful, `${again.report}\n--- hookline:\n${server.output()}`).toBe(1);
    const reqs = await receiver.waitFor(2);
    expect(paramsOf(reqs[1]!).get('ivr_id')).toBe('10');
    expect(paramsOf(reqs[1]!).get('ivr_completed')).toBe('0');
  }, 120_000);
});
