import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { tempDir } from '../helpers.js';
import { ci, digestParams, digestVerifies, freeSipPort, hasSipp, openCallerMedia, parseSippTrace, startCaller, startFarEnd, startHookline, waitForLog, waitForLogOrExit, type Hookline, type TracedMessage, trunkSuite } from './harness.js';

/**
 * A trunk that challenges (RFC 3261 §22) against hookline's credentials from HOOKLINE_TRUNK: SIPp is the
 * trunk (auth-far-end.xml: 401 then 200, 407 then 200, or a refusal) and the caller (caller.xml), whose
 * webhook transfers to the number that picks the trunk's behaviour. The SIPp registrar (auth-registrar.xml)
 * challenges the REGISTER that `;register=yes` asks for. Skipped where sipp is not installed, except
 * under CI, where a missing sipp must fail rather than quietly skip.
 */

const USER = 'hookline';
const PASSWORD = 's3cret';

const FLOWS = (hook: string) => `
numbers:
  "8005550140": ivr/1
  "8005550141": ivr/2
  "8005550142": ivr/3
  "8005550143": ivr/4
ivrs:
${['3125550101', '3125550107', '3125550103', '3125550104']
  .map((to, i) => `  - id: ${i + 1}\n    questions: [{ type: say, prompt: "One moment." }]\n    webhook: { url: "${hook}?to=${to}" }`)
  .join('\n')}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const invites = (msgs: TracedMessage[]) => msgs.filter((m) => m.dir === 'received' && m.start.startsWith('INVITE '));

describe.skipIf(!hasSipp && !ci)('a trunk that wants Digest authentication (SIPp)', () => {
  let dir: string;
  let farPort: number;
  let hookline: Hookline;
  trunkSuite({ prefix: 'hookline-trunk-auth-', flows: FLOWS, rtpPorts: '33000-33099', credentials: `${USER}:${PASSWORD}` }, (s) => ({ dir, farPort, hookline } = s));

  /** The two INVITEs of one challenged call: the first bare, the second a copy with credentials (§8.1.3.5, §22.2). */
  function expectRetry(msgs: TracedMessage[], credentialsHeader: 'Authorization' | 'Proxy-Authorization', challengeHeader: string, realm: string) {
    const [first, second, ...more] = invites(msgs);
    expect(more).toHaveLength(0);
    expect(first!.header('Authorization')).toBeUndefined();
    expect(first!.header('Proxy-Authorization')).toBeUndefined();
    expect(second!.header(credentialsHeader === 'Authorization' ? 'Proxy-Authorization' : 'Authorization')).toBeUndefined();
    expect(second!.start).toBe(first!.start);
    expect(second!.header('Call-ID')).toBe(first!.header('Call-ID'));
    expect(second!.header('From')).toBe(first!.header('From'));
    expect(second!.header('CSeq')).toBe('2 INVITE');
    expect(first!.header('CSeq')).toBe('1 INVITE');
    expect(/branch=([^;\s]+)/.exec(second!.header('Via')!)?.[1]).not.toBe(/branch=([^;\s]+)/.exec(first!.header('Via')!)?.[1]);
    // The challenge was ACKed (§17.1.1.3) before the retry went.
    expect(msgs.filter((m) => m.dir === 'received' && m.start.startsWith('ACK ')).length).toBeGreaterThanOrEqual(1);

    const challenge = digestParams(msgs.find((m) => m.dir === 'sent' && m.header(challengeHeader))!.header(challengeHeader)!);
    const credentials = second!.header(credentialsHeader)!;
    const p = digestParams(credentials);
    expect(p).toMatchObject({ username: USER, realm, nonce: challenge.nonce, uri: second!.start.split(' ')[1], qop: 'auth', nc: '00000001' });
    if (challenge.opaque !== undefined) expect(p.opaque).toBe(challenge.opaque);
    expect(p.cnonce).toMatch(/^\S{8,}$/);
    expect(digestVerifies(credentials, 'INVITE', PASSWORD)).toBe(true);
    expect(digestVerifies(credentials, 'INVITE', 'not-the-password')).toBe(false);
  }

  it.each([
    ['401 + WWW-Authenticate', '8005550140', '3125550101', 'Authorization', 'WWW-Authenticate', 'trunk.test'],
    ['407 + Proxy-Authenticate', '8005550141', '3125550107', 'Proxy-Authorization', 'Proxy-Authenticate', 'proxy.trunk.test'],
  ] as const)('%s: the INVITE is re-sent with credentials that verify, and the call is bridged', async (_name, number, destination, credentialsHeader, challengeHeader, realm) => {
    const since = hookline.logs.length;
    const media = await openCallerMedia();
    const far = await startFarEnd({ scenario: 'auth-far-end.xml', port: farPort, dir, calls: 1 });
    await sleep(300);
    const call = await startCaller({ hookline, dir, number, media, mode: 'hangup', holdMs: 6000 });
    await waitForLogOrExit(hookline, 'outbound leg answered', { since, match: (l) => l.destination === destination }, far.run, call);
    const bridgedAt = Date.now();
    const [c, f] = await Promise.all([call.done, far.run.done]);
    const ended = await waitForLog(hookline, 'bridge ended', { since, ms: 5000 });
    await media.close();

    expect(c.code, c.output).toBe(0);
    expect(f.code, f.output).toBe(0); // SIPp's verifyauth accepted the Authorization (401 case) and every step followed
    expectRetry(parseSippTrace(await far.messages()), credentialsHeader, challengeHeader, realm);
    expect(ended).toMatchObject({ endedBy: 'caller' });
    // The far end echoes: the caller hears their own 1 kHz voice through the authenticated leg.
    expect(media.framesAt(1000, bridgedAt)).toBeGreaterThan(50);
    // The credentials are never logged.
    expect(JSON.stringify(hookline.logs.slice(since))).not.toContain(PASSWORD);
  }, 60_000);

  it.each([
    ['401 again after the authenticated INVITE', '8005550142', '3125550103', 401],
    ['403 Forbidden after the authenticated INVITE', '8005550143', '3125550104', 403],
  ] as const)('refused (%s): hookline gives up after one retry, and the caller hears "not available" and gets BYE', async (_name, number, destination, status) => {
    const since = hookline.logs.length;
    const media = await openCallerMedia();
    const far = await startFarEnd({ scenario: 'auth-far-end.xml', port: farPort, dir, calls: 1 });
    await sleep(300);
    const call = await startCaller({ hookline, dir, number, media, mode: 'wait' });
    const refused = await waitForLogOrExit(hookline, 'outbound leg refused', { since, match: (l) => l.destination === destination }, far.run, call);
    const [c, f] = await Promise.all([call.done, far.run.done]);
    await media.close();

    // The far end saw exactly two INVITEs and nothing for 3 s after ACKing its refusal (the scenario fails otherwise).
    expect(f.code, f.output).toBe(0);
    const msgs = parseSippTrace(await far.messages());
    expect(invites(msgs)).toHaveLength(2);
    expect(digestVerifies(invites(msgs)[1]!.header('Authorization')!, 'INVITE', PASSWORD)).toBe(true);
    expect(msgs.filter((m) => m.dir === 'received' && m.start.startsWith('ACK '))).toHaveLength(2);

    // What is logged says what happened: the trunk's final status, and the leg failed (not busy, not no answer).
    expect(refused).toMatchObject({ status });
    const logs = hookline.logs.slice(since);
    expect(logs.filter((l) => l.msg === 'INVITE sent' && l.destination === destination)).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'outbound leg failed' && l.destination === destination)).toBe(true);
    // A second challenge is the trunk refusing our credentials: an error naming the user, for the operator.
    const refusedCreds = logs.filter((l) => l.msg.startsWith('the trunk refused the credentials of HOOKLINE_TRUNK (user hookline)'));
    expect(refusedCreds.map((l) => l.level)).toEqual(status === 401 ? [50] : []);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);

    // "The party you are trying to reach is not available. Goodbye.", then hookline's BYE (the caller insists on it).
    expect(c.code, c.output).toBe(0);
    expect(media.loudFrames(refused.time)).toBeGreaterThan(100);
    const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(refused.sessionId) as { end_reason: string };
      expect(row.end_reason).toBe('transfer_failed');
    } finally {
      db.close();
    }
  }, 60_000);
});

describe.skipIf(!hasSipp && !ci)('REGISTER with a registrar that challenges (HOOKLINE_TRUNK ...;register=yes, SIPp)', () => {
  let dir: string;

  beforeAll(async () => {
    if (hasSipp) dir = await tempDir('hookline-trunk-register-');
  });

  it('sipp is installed', () => {
    expect(hasSipp).toBe(true);
  });

  /** The registrar on a free port, then hookline registering there as `user`. */
  async function register(user: string, rtpPorts: string) {
    const port = await freeSipPort();
    const registrar = await startFarEnd({ scenario: 'auth-registrar.xml', port, dir, calls: 1, echo: false });
    await sleep(300);
    const hookline = await startHookline({
      flowsYaml: 'numbers: {}\n',
      dir: path.join(dir, user),
      trunk: `sip:${user}:${PASSWORD}@127.0.0.1:${port};transport=udp;register=yes`,
      rtpPorts,
    });
    return { registrar, hookline };
  }

  it('answers the 401 with credentials that verify, is bound, and removes the binding at shutdown with credentials sent up front', async () => {
    const { registrar, hookline } = await register(USER, '33100-33149');
    let stopped = false;
    try {
      await waitForLogOrExit(hookline, 'trunk registration', { match: (l) => l.state === 'registered' }, registrar.run);
      expect(await hookline.stop()).toBe(0);
      stopped = true;
      const r = await registrar.run.done;
      expect(r.code, r.output).toBe(0); // every REGISTER verified with SIPp's verifyauth

      const registers = parseSippTrace(await registrar.messages()).filter((m) => m.dir === 'received' && m.start.startsWith('REGISTER '));
      expect(registers).toHaveLength(3);
      const [first, second, last] = registers as [TracedMessage, TracedMessage, TracedMessage];
      expect(first.header('Authorization')).toBeUndefined();
      expect(registers.map((m) => m.header('CSeq'))).toEqual(['1 REGISTER', '2 REGISTER', '3 REGISTER']);
      expect(new Set(registers.map((m) => m.header('Call-ID'))).size).toBe(1); // §10.2: one Call-ID per registrar
      expect(last.header('Expires')).toBe('0');
      const bound = digestParams(second.header('Authorization')!);
      const unbound = digestParams(last.header('Authorization')!);
      expect(bound).toMatchObject({ username: USER, realm: 'registrar.test', qop: 'auth', nc: '00000001' });
      // The unregister reuses the nonce with the next count (RFC 7616 §3.4) instead of waiting for a new 401.
      expect(unbound).toMatchObject({ username: USER, realm: 'registrar.test', nonce: bound.nonce, nc: '00000002' });
      for (const m of [second, last]) expect(digestVerifies(m.header('Authorization')!, 'REGISTER', PASSWORD)).toBe(true);
      expect(JSON.stringify(hookline.logs)).not.toContain(PASSWORD);
    } finally {
      if (!stopped) await hookline.stop();
    }
  }, 60_000);

  it('refused after authenticating (403): hookline says so in a warning and backs off instead of registering again at once', async () => {
    const { registrar, hookline } = await register('blocked', '33150-33199');
    try {
      const failed = await waitForLogOrExit(hookline, 'trunk registration failed (403 Forbidden); retrying', {}, registrar.run);
      const r = await registrar.run.done; // 3 s without another REGISTER
      expect(r.code, r.output).toBe(0);
      expect(failed.level).toBe(40); // pino's warn
      expect(failed).toMatchObject({ reason: 'rejected', status: 403 });
      expect(failed.retryInMs as number).toBeGreaterThanOrEqual(10_000);
      const registers = parseSippTrace(await registrar.messages()).filter((m) => m.dir === 'received' && m.start.startsWith('REGISTER '));
      expect(registers).toHaveLength(2);
      expect(digestVerifies(registers[1]!.header('Authorization')!, 'REGISTER', PASSWORD)).toBe(true);
      expect(hookline.logs.some((l) => l.msg === 'trunk registration' && l.state === 'registered')).toBe(false);
    } finally {
      expect(await hookline.stop()).toBe(0);
    }
  }, 60_000);
});
