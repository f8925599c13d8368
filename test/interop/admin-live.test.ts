/**
 * The Administration API changes what real SIP calls do, at once and with no restart: an IVR and a
 * number made over HTTP answer the next SIPp call, and the webhook it sends is that IVR's. And it shows
 * what the node carries: GET /nodes counts the SIPp calls in progress from the node's heartbeat.
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

  it('shows the node and the calls it carries in GET /nodes, from its heartbeat', async () => {
    const dir = await tempDir('hookline-admin-nodes-');
    dirs.push(dir);
    await preparePcaps(dir);
    server = await startHookline(interopFlows(hook), { env: { HOOKLINE_API_KEY: KEY, HOOKLINE_NODE_ID: 'interop-node', HOOKLINE_MAX_CALLS: '10' } });
    type Node = { node_id: string; alive: boolean; this_node: boolean; sip: string; load: { calls: number; max_calls: number; media_late_ms: number; loop_lag_ms: number | null; refused: number; sip_udp_drops: number | null } | null };
    const node = async (): Promise<Node | undefined> => {
      const res = await fetch(`${server!.httpBase}/api/v1/nodes`, { headers: { Authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Node[] }).items.find((n) => n.node_id === 'interop-node');
    };
    await expect.poll(async () => (await node())?.load?.max_calls, { timeout: 10_000 }).toBe(10);
    expect(await node()).toMatchObject({ alive: true, this_node: true, sip: `127.0.0.1:${server.sipPort}`, load: { calls: 0, refused: 0 } });

    // Three callers who listen for 3 s at once: a heartbeat (every 2 s) while they are up counts them.
    let most = 0;
    let running = true;
    const watch = (async () => {
      while (running) {
        most = Math.max(most, (await node())?.load?.calls ?? 0);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const run = await runSipp({ scenario: 'listen-hangup.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER, CALLER, CALLER], calls: 3, limit: 3, timeoutS: 30 });
    running = false;
    await watch;
    expect(run.successful, `${run.report}\n--- hookline:\n${server.output()}`).toBe(3);
    expect(most).toBe(3);
    await expect.poll(async () => (await node())?.load?.calls, { timeout: 10_000 }).toBe(0);
    const after = (await node())!;
    expect(after.load!.media_late_ms).toBeGreaterThanOrEqual(0);
    expect(after.load!.loop_lag_ms).toBeGreaterThanOrEqual(0);
    if (process.platform === 'linux') expect(after.load!.sip_udp_drops).toBe(0);
  }, 60_000);
});
