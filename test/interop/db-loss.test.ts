/**
 * A node on Postgres loses its database in the middle of a call (the server stopped, its connections
 * cut) and gets it back: the call goes on to its end with its webhook, a new call meanwhile is refused
 * with 503 (what makes Kamailio try another node), and what the call wrote while the database was away
 * (its answers, its end, its post-call action) is in the database once it is back, the action delivered.
 *
 * Skipped where SIPp or Postgres is missing, except under CI (CI=1), where that fails.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { skipWithoutPostgres, startPostgres, type PgCluster } from '../../src/testkit/postgres.js';
import { tempDir } from '../helpers.js';
import { HANGUP, NUMBER, expectIvrWebhook, interopFlows } from './flows.js';
import { RUN_INTEROP, invite, preparePcaps, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess } from './harness.js';

const CALLER = '3125550177';
const skip = !RUN_INTEROP || skipWithoutPostgres();

describe.skipIf(skip)('a node that loses its Postgres database mid-call', () => {
  let pgc: PgCluster;
  let url: string;
  let node: HooklineProcess | undefined;
  let dir: string;
  let failed = false;
  const hooks = new WebhookReceiver((r) => (r.path === '/post' ? { status: 200 } : { body: HANGUP }));

  beforeAll(async () => {
    pgc = await startPostgres();
    url = await pgc.createDatabase('loss');
    await hooks.start();
    dir = await tempDir('hookline-dbloss-');
    await preparePcaps(dir);
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await hooks.stop();
    await pgc?.stop();
    await removeUnlessFailed(failed ? 'fail' : 'pass', [dir, ...(node ? [node.dir] : [])]);
  });

  it('finishes the call in progress, refuses new calls with 503, and writes what was held once the database is back', async () => {
    try {
      const hook = hooks.url('').replace(/\/$/, '');
      const flows = `${interopFlows(hook)}post_call_actions:\n  - url: ${hook}/post\n    method: POST\n    parameters: [{ name: session, value: call.session_id }]\n`;
      const n = (node = await startHookline(flows, { logLevel: 'info', env: { HOOKLINE_DATABASE_URL: url, HOOKLINE_NODE_ID: 'lonely' } }));
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const call = runSipp({ scenario: 'rfc4733-ivr.xml', dir, target: { host: '127.0.0.1', port: n.sipPort }, transport: 'u1', service: NUMBER, callers: [CALLER], timeoutS: 45 });
      // The call is up and its IVR run started (that row needs the database): now the database goes.
      await until('the IVR run is stored', async () => Number((await db.query('select count(*) as n from interactions')).rows[0].n) === 1, 10_000);
      await db.end();
      pgc.halt();

      await until('/healthz says the database is away', async () => (await fetch(`${n.httpBase}/healthz`)).status === 503, 10_000);
      expect(await (await fetch(`${n.httpBase}/healthz`)).text()).toBe('database unreachable');
      const refused = await invite(n.sipPort, NUMBER, '3125550178');
      expect(refused.split('\r\n')[0]).toBe('SIP/2.0 503 Service Unavailable');

      // The call goes on to its end: keys, webhook, hookline's BYE.
      const run = await call;
      expect(run.successful, `${run.report}\n--- hookline:\n${n.output()}`).toBe(1);
      const ivr = hooks.requests.filter((r) => r.path === '/hook');
      expect(ivr).toHaveLength(1);
      expectIvrWebhook(ivr[0]!, { caller: CALLER, completed: '1', account: '12345', dept: 'support' });
      expect(hooks.requests.filter((r) => r.path === '/post')).toHaveLength(0); // held, not lost

      pgc.resume();
      await until('/healthz ok again', async () => (await fetch(`${n.httpBase}/healthz`)).status === 200, 15_000);
      await until('the post-call action delivered', () => hooks.requests.some((r) => r.path === '/post'), 15_000);
      const back = new pg.Client({ connectionString: url });
      await back.connect();
      try {
        const calls = await back.query<{ session_id: string; end_reason: string | null; node_id: string }>('select session_id, end_reason, node_id from calls');
        expect(calls.rows).toHaveLength(1); // the refused call left no row
        expect(calls.rows[0]).toMatchObject({ node_id: 'lonely', end_reason: expect.any(String) });
        const answers = await back.query<{ question_no: number; value: string }>('select question_no, value from answers order by question_no');
        expect(answers.rows.map((r) => [r.question_no, r.value])).toEqual([[2, '12345'], [3, 'support'], [4, '']]);
        const run2 = await back.query<{ ended_at: string | null; completed: number }>('select ended_at, completed from interactions');
        expect(run2.rows[0]).toMatchObject({ completed: 1 });
        expect(run2.rows[0]!.ended_at).not.toBeNull();
        const outbox = await back.query<{ state: string }>('select state from outbox');
        expect(outbox.rows.map((r) => r.state)).toEqual(['delivered']);
      } finally {
        await back.end();
      }
      const post = hooks.requests.filter((r) => r.path === '/post');
      expect(post).toHaveLength(1);
      const out = n.output();
      expect(out).toContain('the database cannot be reached');
      expect(out).toContain('the database answers again');
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 120_000);
});
