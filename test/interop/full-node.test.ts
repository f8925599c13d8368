/**
 * A full node behind Kamailio (deploy/kamailio/kamailio.cfg): node-a takes one call at a time
 * (HOOKLINE_MAX_CALLS=1). While a call holds that place, node-a answers the dispatcher's OPTIONS probes
 * with 503, Kamailio takes it out of the set, and new calls go to node-b without a single INVITE
 * reaching node-a (its max_calls refusals stay at 0: the 503 to an INVITE and Kamailio's fail-over are not
 * what steered them). Once the call ends, the next probe brings node-a back and calls reach it again.
 *
 * Skipped where SIPp or Kamailio is missing, except under CI (CI=1), where that fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric } from '../../src/testkit/server-output.js';
import { skipWithout } from '../../src/testkit/system-tools.js';
import { tempDir } from '../helpers.js';
import { RUN_INTEROP, removeUnlessFailed, runSipp, startHookline, until, type HooklineProcess, type SippRun } from './harness.js';
import { startKamailio, type Kamailio } from './kamailio.js';

const HOLD_NUMBER = '8005550140';
const HELLO_NUMBER = '8005550141';
const PROBE_INTERVAL_S = 1;
const skip = !RUN_INTEROP || skipWithout('kamailio', 'kamailio', ['-v']);

const FLOWS = `
numbers:
  "${HOLD_NUMBER}": ivr/40
  "${HELLO_NUMBER}": ivr/41
ivrs:
  - id: 40
    name: Hold
    questions:
      - { type: keypad, prompt: "Enter a number.", min_digits: 1, max_digits: 4, timeout_s: 60 }
  - id: 41
    name: Hello
    questions:
      - { type: say, prompt: "Hello." }
`;

const callers = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `3126${String(from + i).padStart(6, '0')}`);
const inbound = async (node: HooklineProcess): Promise<number> => metric(await node.metrics(), 'hookline_calls_total', 'direction="inbound"') ?? 0;
const refusedFull = async (node: HooklineProcess): Promise<number> => metric(await node.metrics(), 'hookline_sip_refused_total', 'reason="max_calls"') ?? 0;

describe.skipIf(skip)('a full node behind Kamailio', () => {
  let a: HooklineProcess;
  let b: HooklineProcess;
  let kam: Kamailio;
  let dir: string;
  let failed = false;

  beforeAll(async () => {
    dir = await tempDir('hookline-full-node-');
    [a, b] = await Promise.all([
      startHookline(FLOWS, { env: { HOOKLINE_NODE_ID: 'node-a', HOOKLINE_MAX_CALLS: '1' } }),
      startHookline(FLOWS, { env: { HOOKLINE_NODE_ID: 'node-b' } }),
    ]);
    kam = await startKamailio(dir, [a, b], PROBE_INTERVAL_S);
  }, 60_000);

  afterAll(async () => {
    await kam?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await removeUnlessFailed(failed ? 'fail' : 'pass', [dir, ...(a ? [a.dir] : []), ...(b ? [b.dir] : [])]);
  }, 30_000);

  const hellos = (who: string[]): Promise<SippRun> =>
    runSipp({ scenario: 'quick-call-proxied.xml', dir, target: { host: '127.0.0.1', port: kam.port }, transport: 'u1', service: HELLO_NUMBER, callers: who, calls: who.length, limit: 1, rate: 4, timeoutS: 30 });
  const report = (run: SippRun): string => `${run.report}\n--- node-a:\n${a.output().slice(-2000)}\n--- node-b:\n${b.output().slice(-2000)}\n--- kamailio:\n${kam.lines.slice(-30).map((l) => l.text).join('\n')}`;
  const marked = (state: 'down' | 'up', node: HooklineProcess, since: number): boolean =>
    kam.lines.some((l) => l.at >= since && l.text.includes(`hookline node ${state}`) && l.text.includes(`:${node.sipPort}`));

  it('takes node-a out while its one place is taken, sends every call to node-b meanwhile, and brings node-a back after', async () => {
    try {
      // Node-a's one place, taken by a caller who holds for 12 s in an IVR that waits for keys.
      const holdStarted = Date.now();
      const hold = runSipp({ scenario: 'hold-call.xml', dir, target: { host: '127.0.0.1', port: a.sipPort }, transport: 'u1', service: HOLD_NUMBER, callers: callers(0, 1), calls: 1, timeoutS: 30, extraArgs: ['-d', '12000'] });
      await until('the held call is up on node-a', async () => metric(await a.metrics(), 'hookline_calls_active') === 1, 5000);
      await until('Kamailio takes node-a out', async () => marked('down', a, holdStarted), 5000);

      const [aBefore, bBefore] = [await inbound(a), await inbound(b)];
      const meanwhile = await hellos(callers(100, 6));
      expect(meanwhile.failed, report(meanwhile)).toBe(0);
      expect(meanwhile.successful, report(meanwhile)).toBe(6);
      expect([(await inbound(a)) - aBefore, (await inbound(b)) - bBefore]).toEqual([0, 6]);
      expect(await refusedFull(a)).toBe(0);

      const held = await hold;
      expect(held.successful, report(held)).toBe(1);
      const freed = Date.now();
      await until('Kamailio brings node-a back', async () => marked('up', a, freed), 5000);

      const aAgain = await inbound(a);
      const after = await hellos(callers(200, 6));
      expect(after.failed, report(after)).toBe(0);
      expect((await inbound(a)) - aAgain).toBeGreaterThan(0);
      expect(await refusedFull(a)).toBe(0);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 90_000);
});
