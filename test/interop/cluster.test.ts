/**
 * Scale-out on loopback: a Postgres cluster of our own, Kamailio with deploy/kamailio/kamailio.cfg in
 * front of two `hookline serve` nodes sharing that database, and SIPp callers walking the test IVR with
 * RFC 4733 keys through Kamailio. Then one node is killed (-9) in the middle of a second batch of calls.
 *
 * What it shows: Kamailio spreads the calls over both nodes; every IVR webhook and post-call action
 * arrives once; the killed node's calls end, new calls go to the survivor, and the post-call actions the
 * dead node had claimed but not delivered are delivered by the survivor, once, when their lease runs out.
 * It prints calls per node, the failover time, and INVITE→200 with and without the Kamailio hop.
 *
 * Skipped where SIPp, Kamailio or Postgres is missing, except under CI (CI=1), where that fails.
 */
import { createServer, type Server } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { skipWithout } from '../../src/testkit/system-tools.js';
import { skipWithoutPostgres, startPostgres, type PgCluster } from '../../src/testkit/postgres.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, interopFlows } from './flows.js';
import { RUN_INTEROP, preparePcaps, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess, type SippRun } from './harness.js';
import { startKamailio, type Kamailio } from './kamailio.js';

const QUICK_NUMBER = '8005550111';
/** Made through node-a's Administration API during the test. */
const NEW_NUMBER = '8005550130';
const PROBE_INTERVAL_S = 2;
const LEASE_MS = 30_000; // the outbox's default lease (src/webhook/outbox-worker.ts)
const skip = !RUN_INTEROP || skipWithout('kamailio', 'kamailio', ['-v']) || skipWithoutPostgres();

/** The interop IVR, a post-call action for it, and a number that only says hello (set-up timing). */
function clusterFlows(hook: string, post: string): string {
  return `${interopFlows(hook)}
  - id: 20
    name: Hello
    questions:
      - { type: say, prompt: "Hello." }
post_call_actions:
  - url: ${post}/post
    method: POST
    applies_to: ["${NUMBER}"]
    parameters:
      - { name: session, value: call.session_id }
      - { name: from, value: call.caller_id }
`.replace(`"${NUMBER}": ivr/10`, `"${NUMBER}": ivr/10\n  "${QUICK_NUMBER}": ivr/20`);
}

/**
 * The post-call receiver: counts, per session, the 200s that reached a live client. While `hold` is on,
 * requests wait unanswered, each at most `MAX_HOLD_MS`; `release()` answers those still waiting whose
 * client is still there (a killed node's connections are gone: answering them delivers nothing). The cap
 * keeps every answer well inside the sender's webhook timeout (10 s): an answer written just as the
 * sender gave up would count as delivered, and the sender's retry would count it twice.
 */
const MAX_HOLD_MS = 7_000;

class PostReceiver {
  readonly delivered = new Map<string, number>();
  readonly arrived: Array<{ session: string; at: number }> = [];
  hold = false;
  private held: Array<() => void> = [];
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const session = new URLSearchParams(body).get('session') ?? '';
        this.arrived.push({ session, at: Date.now() });
        let answered = false;
        const answer = (): void => {
          if (answered) return;
          answered = true;
          if (res.socket === null || res.socket.destroyed) return;
          res.on('finish', () => this.delivered.set(session, (this.delivered.get(session) ?? 0) + 1));
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        };
        if (this.hold) {
          this.held.push(answer);
          setTimeout(answer, MAX_HOLD_MS).unref();
        } else answer();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    this.hold = false;
    for (const a of this.held.splice(0)) a();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** INVITE→200 times (ms) of a SIPp run made with -trace_rtt, from its *_rtt.csv. */
async function setupTimes(dir: string, scenario: string): Promise<number[]> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(`${scenario.replace(/\.xml$/, '')}_`) && f.endsWith('_rtt.csv'));
  const ms: number[] = [];
  for (const f of files) {
    for (const line of (await readFile(path.join(dir, f), 'utf8')).split('\n').slice(1)) {
      const v = Number(line.split(';')[1]);
      if (Number.isFinite(v) && line.trim()) ms.push(v);
    }
  }
  return ms;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const callers = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `3125${String(from + i).padStart(6, '0')}`);

describe.skipIf(skip)('two hookline nodes behind Kamailio, sharing Postgres', () => {
  let pgc: PgCluster;
  let db: pg.Client;
  let url: string;
  const hooks = new WebhookReceiver(() => ({ body: HANGUP }));
  const posts = new PostReceiver();
  let a: HooklineProcess;
  let b: HooklineProcess;
  let kam: Kamailio;
  let dir: string;
  let failed = false;

  beforeAll(async () => {
    pgc = await startPostgres();
    url = await pgc.createDatabase('cluster');
    db = new pg.Client({ connectionString: url });
    await db.connect();
    const hook = (await hooks.start()).replace(/\/$/, '');
    const post = await posts.start();
    dir = await tempDir('hookline-cluster-');
    await preparePcaps(dir);
    const flows = clusterFlows(hook, post);
    const env = (id: string): Record<string, string> => ({ HOOKLINE_DATABASE_URL: url, HOOKLINE_NODE_ID: id, HOOKLINE_API_KEY: 'cluster-test-key' });
    // Both at once: the migrations run once under the advisory lock, whichever node gets there first.
    [a, b] = await Promise.all([startHookline(flows, { env: env('node-a') }), startHookline(flows, { env: env('node-b') })]);
    kam = await startKamailio(dir, [a, b], PROBE_INTERVAL_S);
  }, 90_000);

  afterAll(async () => {
    await kam?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.end();
    await hooks.stop();
    await posts.stop();
    await pgc?.stop();
    await removeUnlessFailed(failed ? 'fail' : 'pass', [dir, ...(a ? [a.dir] : []), ...(b ? [b.dir] : [])]);
  }, 60_000);

  const callsPerNode = async (sinceMs = 0): Promise<Record<string, number>> => {
    // The IVR calls only: other numbers are called for set-up timing and configuration changes.
    const r = await db.query<{ node_id: string; n: string }>('select node_id, count(*) as n from calls where started_at >= $1 and to_addr = $2 group by node_id', [sinceMs, NUMBER]);
    return Object.fromEntries(r.rows.map((row) => [row.node_id, Number(row.n)]));
  };
  const viaKamailio = (scenario: string, who: string[], o: { limit: number; rate: number; timeoutS: number; service?: string; extraArgs?: string[] }): Promise<SippRun> =>
    runSipp({ scenario, dir, target: { host: '127.0.0.1', port: kam.port }, transport: 'u1', service: o.service ?? NUMBER, callers: who, calls: who.length, limit: o.limit, rate: o.rate, timeoutS: o.timeoutS, ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}) });
  const report = (run: SippRun): string => `${run.report}\n--- node-a:\n${a.output().slice(-3000)}\n--- node-b:\n${b.output().slice(-3000)}\n--- kamailio:\n${kam.lines.slice(-40).map((l) => l.text).join('\n')}`;

  it('spreads 40 IVR calls over both nodes, every webhook and post-call action once; set-up with and without the Kamailio hop', async () => {
    try {
      const who = callers(1, 40);
      const run = await viaKamailio('proxied-ivr.xml', who, { limit: 12, rate: 6, timeoutS: 100 });
      expect(run.successful, report(run)).toBe(40);
      expect(run.failed, report(run)).toBe(0);

      const perNode = await callsPerNode();
      expect(Object.keys(perNode).sort()).toEqual(['node-a', 'node-b']);
      expect(perNode['node-a']! + perNode['node-b']!).toBe(40);
      expect(Math.min(perNode['node-a']!, perNode['node-b']!)).toBeGreaterThanOrEqual(10);

      // Every IVR webhook once: one request per caller, each completed with the keys pressed.
      const ivr = hooks.requests.filter((r) => r.path === '/hook');
      expect(ivr).toHaveLength(40);
      expect(new Set(ivr.map((r) => paramsOf(r).get('caller')))).toEqual(new Set(who));
      for (const r of ivr) expect([paramsOf(r).get('account'), paramsOf(r).get('dept'), paramsOf(r).get('ivr_completed')]).toEqual(['12345', 'support', '1']);
      // Every post-call action once (the outbox is shared; each item is claimed by one node).
      await until('40 post-call actions delivered', () => posts.delivered.size === 40, 20_000);
      expect([...posts.delivered.values()].every((n) => n === 1)).toBe(true);
      expect(posts.arrived).toHaveLength(40);

      // INVITE→200 with and without the proxy, same nodes, same moment.
      const quick = { limit: 10, rate: 10, timeoutS: 30, service: QUICK_NUMBER, extraArgs: ['-trace_rtt', '-rtt_freq', '1'] };
      const proxied = await viaKamailio('quick-call-proxied.xml', callers(100, 40), quick);
      expect(proxied.successful, report(proxied)).toBe(40);
      const direct: SippRun[] = [];
      for (const node of [a, b]) {
        direct.push(await runSipp({ scenario: 'quick-call.xml', dir, target: { host: '127.0.0.1', port: node.sipPort }, transport: 'u1', callers: callers(200, 20), calls: 20, ...quick }));
      }
      for (const d of direct) expect(d.successful, report(d)).toBe(20);
      const viaMs = await setupTimes(dir, 'quick-call-proxied.xml');
      const directMs = await setupTimes(dir, 'quick-call.xml');
      expect(viaMs.length).toBe(40);
      expect(directMs.length).toBe(40);
      // Nothing was taken out meanwhile: both nodes answered every OPTIONS probe.
      expect(kam.lines.filter((l) => l.text.includes('hookline node down'))).toEqual([]);

      // Configuration made on node-a reaches node-b without a restart, and both take calls for it.
      const api = (node: HooklineProcess, p: string, init: RequestInit = {}): Promise<Response> =>
        fetch(`${node.httpBase}/api/v1${p}`, { ...init, headers: { Authorization: 'Bearer cluster-test-key', 'Content-Type': 'application/json' } });
      // Each node's console and API list both nodes, alive, with the load of their heartbeats.
      type NodeItem = { node_id: string; alive: boolean; this_node: boolean; load: { calls: number } | null };
      const listNodes = async (): Promise<NodeItem[]> => ((await (await api(b, '/nodes')).json()) as { items: NodeItem[] }).items;
      // The last calls of the run end, and the next heartbeats say so.
      await until('both nodes report their calls over', async () => (await listNodes()).every((n) => n.load?.calls === 0), 10_000);
      expect((await listNodes()).map((n) => [n.node_id, n.alive, n.this_node])).toEqual([['node-a', true, false], ['node-b', true, true]]);
      const madeAt = Date.now();
      expect((await api(a, '/ivrs/30', { method: 'PUT', body: JSON.stringify({ name: 'Made on node-a', questions: [{ type: 'say', prompt: 'New.' }] }) })).status).toBeLessThan(300);
      expect((await api(a, `/numbers/${NEW_NUMBER}`, { method: 'PUT', body: JSON.stringify({ to: 'ivr/30' }) })).status).toBeLessThan(300);
      await until('node-b serves the new number', async () => (await api(b, `/numbers/${NEW_NUMBER}`)).status === 200, 10_000);
      const propagationMs = Date.now() - madeAt;
      const since = Date.now();
      const fresh = await viaKamailio('quick-call-proxied.xml', callers(500, 4), { limit: 1, rate: 2, timeoutS: 20, service: NEW_NUMBER });
      expect(fresh.successful, report(fresh)).toBe(4);
      const freshNodes = await db.query<{ node_id: string }>('select distinct node_id from calls where to_addr = $1 and started_at >= $2', [NEW_NUMBER, since]);
      expect(freshNodes.rows.map((r) => r.node_id).sort()).toEqual(['node-a', 'node-b']);

      const f = (v: number): string => v.toFixed(1);
      console.log(
        `[cluster] calls per node: ${JSON.stringify(perNode)}; INVITE→200 through Kamailio p50 ${f(percentile(viaMs, 50))} ms p99 ${f(percentile(viaMs, 99))} ms, ` +
          `direct p50 ${f(percentile(directMs, 50))} ms p99 ${f(percentile(directMs, 99))} ms (40 calls each); configuration made on node-a served by node-b after ${propagationMs} ms`,
      );
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 170_000);

  it('kill -9 of a node mid-run: its calls end, new calls go to the survivor, and its claimed post-backs are delivered by the survivor once', async () => {
    try {
      const t0 = Date.now();
      posts.hold = true;
      const who = callers(300, 12);
      const batch = viaKamailio('proxied-ivr.xml', who, { limit: 8, rate: 4, timeoutS: 60 });
      // Wait until node-a has finished a call and claimed its post-call action (held by the receiver), and
      // has calls in progress: then kill it.
      await until('node-a holds a post-back and runs calls', async () => {
        const r = await db.query<{ n: string }>("select count(*) as n from outbox where claimed_by = 'node-a' and state = 'pending'");
        const open = await db.query<{ n: string }>("select count(*) as n from calls where node_id = 'node-a' and ended_at is null and started_at >= $1", [t0]);
        return Number(r.rows[0]!.n) > 0 && Number(open.rows[0]!.n) > 0;
      }, 40_000);
      const claimedByA = (await db.query<{ payload: string }>("select payload from outbox where claimed_by = 'node-a' and state = 'pending'")).rows.map((r) => new Map(JSON.parse(r.payload).params as Array<[string, string]>).get('session'));
      const openOnA = (await db.query<{ session_id: string }>("select session_id from calls where node_id = 'node-a' and ended_at is null")).rows.map((r) => r.session_id);
      const killedAt = Date.now();
      process.kill(a.pid, 'SIGKILL');
      await a.exited;
      // node-b's deliveries were only held: answer them now (node-a's connections died with it).
      posts.release();

      // New calls after the kill: all on node-b, all set up.
      const after = await viaKamailio('quick-call-proxied.xml', callers(400, 10), { limit: 2, rate: 4, timeoutS: 30, service: QUICK_NUMBER });
      expect(after.successful, report(after)).toBe(10);
      const lateCalls = await db.query<{ node_id: string }>('select node_id from calls where started_at >= $1 and to_addr = $2', [killedAt, QUICK_NUMBER]);
      expect(lateCalls.rows.map((r) => r.node_id)).toEqual(Array(10).fill('node-b'));

      const run = await batch;
      // node-a's calls in progress ended with it (SIPp saw no BYE): they fail, the others succeed.
      expect(run.failed, report(run)).toBeGreaterThanOrEqual(openOnA.length);
      expect(run.successful + run.failed, report(run)).toBe(12);

      // Kamailio's probes took node-a out.
      expect(kam.lines.filter((l) => l.at < killedAt && l.text.includes('hookline node down'))).toEqual([]);
      const down = kam.lines.find((l) => l.at >= killedAt && l.text.includes('hookline node down'));
      expect(down, kam.lines.map((l) => l.text).join('\n')).toBeDefined();
      const failoverMs = down!.at - killedAt;
      expect(failoverMs).toBeLessThanOrEqual(2 * PROBE_INTERVAL_S * 1000 + 1500);

      // What node-a had claimed goes out from node-b once its lease has run out, once.
      expect(claimedByA.length).toBeGreaterThan(0);
      await until('node-a\'s post-backs delivered by node-b', () => claimedByA.every((s) => posts.delivered.get(s!) === 1), LEASE_MS + 15_000);
      // And they were sent again after the kill: node-a's own attempt was still held when it died.
      expect(claimedByA.filter((s) => !posts.arrived.some((x) => x.session === s && x.at >= killedAt))).toEqual([]);
      // The rest go out too: node-b's own, held at most MAX_HOLD_MS, may still be on their way. Wait for
      // them rather than race them.
      const undelivered = async (): Promise<string[]> =>
        (await db.query<{ id: string; state: string; attempts: number; claimed_by: string | null }>("select id, state, attempts, claimed_by from outbox where state <> 'delivered'")).rows.map((r) => JSON.stringify(r));
      await until('every post-back delivered', async () => (await undelivered()).length === 0, LEASE_MS + 15_000).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${(await undelivered()).join(', ')}`);
      });
      // Every post-back of a finished call was delivered exactly once, whichever node sent it.
      const finished = await db.query<{ session_id: string }>('select session_id from calls where to_addr = $1 and ended_at is not null', [NUMBER]);
      for (const r of finished.rows) expect(posts.delivered.get(r.session_id), r.session_id).toBe(1);
      console.log(
        `[cluster] kill -9 node-a with ${openOnA.length} call(s) in progress and ${claimedByA.length} post-back(s) claimed: ` +
          `Kamailio marked it down after ${failoverMs} ms (probe every ${PROBE_INTERVAL_S} s); its post-backs went out from node-b ` +
          `${((Math.max(...claimedByA.map((s) => posts.arrived.filter((x) => x.session === s).at(-1)!.at)) - killedAt) / 1000).toFixed(1)} s after the kill (lease ${LEASE_MS / 1000} s)`,
      );

      // The survivor lists no call of the dead node as in progress once its heartbeat is old.
      const active = await (await fetch(`${b.httpBase}/api/v1/calls/active`, { headers: { Authorization: 'Bearer cluster-test-key' } })).json() as { items: Array<{ node: string }> };
      expect(active.items.filter((c) => c.node === 'node-a')).toEqual([]);
      // And lists node-a as gone.
      const nodes = await (await fetch(`${b.httpBase}/api/v1/nodes`, { headers: { Authorization: 'Bearer cluster-test-key' } })).json() as { items: Array<{ node_id: string; alive: boolean }> };
      expect(nodes.items.map((n) => [n.node_id, n.alive])).toEqual([['node-a', false], ['node-b', true]]);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 170_000);
});
