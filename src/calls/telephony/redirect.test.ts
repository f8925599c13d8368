import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { FakeClock, systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Pacer } from '../../media/pacer.js';
import { compileDialPolicy, DEFAULT_DIAL_ALLOW } from '../../config/dial-policy.js';
import { createResponse } from '../../sip/builders.js';
import { createSipEndpoint, type InviteServerTransaction, type SipRequest } from '../../sip/index.js';
import type { Leg } from '../types.js';
import { buildInvite, type DialRequest } from './outbound.js';
import { followRedirects, redirectTargets, type Attempt } from './redirect.js';
import type { PromptRenderer } from './renderer.js';
import { TelephonyServer } from './server.js';

const trunk = { host: '127.0.0.1', port: 5080, transport: 'UDP' as const, maxLegs: 10 };
const invite = buildInvite(trunk, '3125550101', '3125550199', 'v=0\r\n');
const response = (status: number, contacts: string[]) => createResponse(invite, status, undefined, { headers: { Contact: contacts } });

const policy = compileDialPolicy(DEFAULT_DIAL_ALLOW);
const checkDial = (n: string): string | undefined => (policy.allows(n) ? undefined : `${n} is refused by the dial-out policy`);

describe('redirectTargets (RFC 3261 §8.1.3.4, §20.10)', () => {
  it('takes the number of each Contact, best q first, in order among equal q', () => {
    const res = response(302, [
      '<sip:3125550102@carrier.example>;q=0.5',
      '<sip:+13125550103@10.0.0.9:5070;user=phone>;q=0.9',
      '<tel:+1-312-555-0104;phone-context=+1>',
      'sip:3125550105@carrier.example',
    ]);
    expect(redirectTargets(res)).toEqual({
      targets: [
        { number: '+13125550104', q: 1 },
        { number: '3125550105', q: 1 },
        { number: '+13125550103', q: 0.9 },
        { number: '3125550102', q: 0.5 },
      ],
      unusable: [],
    });
  });

  it('lists Contacts without a number (names, *, user parameters only) as unusable', () => {
    const res = response(302, ['<sip:alice@example.com>', '<sip:%2B13125550106%3Bnpdi@x.example>', '<sip:example.com>']);
    expect(redirectTargets(res)).toEqual({
      targets: [{ number: '+13125550106', q: 1 }],
      unusable: ['<sip:alice@example.com>', '<sip:example.com>'],
    });
    expect(redirectTargets(response(302, ['*'])).targets).toEqual([]);
  });
});

/** A scripted far side: each number answers with the attempt the test gives it. */
function script(outcomes: Record<string, Attempt>) {
  const placed: Array<{ destination: string; timeoutMs: number; startedAt?: number }> = [];
  const place = async (r: DialRequest): Promise<Attempt> => {
    placed.push({ destination: r.destination, timeoutMs: r.timeoutMs, ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}) });
    return outcomes[r.destination] ?? { outcome: 'failed', status: 404 };
  };
  return { place, placed };
}

const redirect = (status: number, ...numbers: string[]): Attempt => ({ outcome: 'failed', status, redirect: numbers.map((number) => ({ number, q: 1 })) });
const answered: Attempt = { outcome: 'answered', leg: { destination: 'x' } as unknown as Leg };

function logged() {
  const lines: Array<{ msg: string; [k: string]: unknown }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
  return { logger, lines };
}

const request = (o: Partial<DialRequest> = {}): DialRequest => ({
  sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '3125550199', timeoutMs: 30_000, logger: silentLogger, startedAt: 1, ...o,
});

describe('followRedirects', () => {
  it('follows a 302 through the trunk to the Contact\'s number and logs the redirect', async () => {
    const clock = new FakeClock();
    const s = script({ '3125550101': redirect(302, '3125550102'), '3125550102': answered });
    const { logger, lines } = logged();
    const r = await followRedirects(request({ logger }), s.place, { clock, checkDial });
    expect(r.outcome).toBe('answered');
    expect(r.leg).toBe(answered.leg);
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '3125550102']);
    // The new INVITE's post-dial delay counts from the redirect, not from the first INVITE.
    expect(s.placed[1]!.startedAt).toBeUndefined();
    expect(lines).toContainEqual(expect.objectContaining({ destination: '3125550101', status: 302, targets: ['3125550102'], msg: 'outbound leg redirected (302) to 3125550102' }));
  });

  it.each([301, 302, 380, 300])('a %i is followed like a 302', async (status) => {
    const s = script({ '3125550101': redirect(status, '3125550102'), '3125550102': { outcome: 'busy', status: 486 } });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'busy' });
  });

  it('refuses a target the dial-out policy refuses, without an INVITE, and says so', async () => {
    const s = script({ '3125550101': redirect(302, '+19005550100', '+442079460000') });
    const { logger, lines } = logged();
    expect(await followRedirects(request({ logger }), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'refused' });
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101']);
    expect(lines.filter((l) => l.msg.startsWith('redirect refused:')).map((l) => l.target)).toEqual(['+19005550100', '+442079460000']);
  });

  it('skips a refused target and tries the next allowed one', async () => {
    const s = script({ '3125550101': redirect(302, '+18765550100', '3125550103'), '3125550103': answered });
    expect((await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).outcome).toBe('answered');
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '3125550103']);
  });

  it('follows no redirect without a dial-out policy to check it against', async () => {
    const s = script({ '3125550101': redirect(302, '3125550102') });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock() })).toEqual({ outcome: 'failed' });
    expect(s.placed).toHaveLength(1);
  });

  it('tries the targets in order, moving on after a failure, until one answers', async () => {
    const s = script({
      '3125550101': redirect(302, '3125550102', '3125550103', '3125550104'),
      '3125550102': { outcome: 'failed', status: 404 },
      '3125550103': { outcome: 'busy', status: 486 },
      '3125550104': answered,
    });
    expect((await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).outcome).toBe('answered');
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '3125550102', '3125550103', '3125550104']);
  });

  it('stops at a 6xx: nowhere else will do better (§21.6)', async () => {
    const s = script({ '3125550101': redirect(302, '3125550102', '3125550103'), '3125550102': { outcome: 'busy', status: 600 } });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'busy' });
    expect(s.placed).toHaveLength(2);
  });

  it('sends at most three INVITEs because of redirects', async () => {
    const s = script({
      '3125550101': redirect(302, '3125550102'),
      '3125550102': redirect(302, '3125550103'),
      '3125550103': redirect(302, '3125550104'),
      '3125550104': redirect(302, '3125550105'),
      '3125550105': answered,
    });
    const { logger, lines } = logged();
    expect(await followRedirects(request({ logger }), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'failed' });
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '3125550102', '3125550103', '3125550104']);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'redirect not followed: 3 redirects already followed for this dial', targets: ['3125550105'] }));
  });

  it('tries each number once: two numbers forwarded to each other end the dial', async () => {
    const s = script({ '3125550101': redirect(302, '+13125550102'), '+13125550102': redirect(302, '3125550101', '+1 312 555 0102') });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'failed' });
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '+13125550102']);
  });

  it('a redirect\'s own redirect is tried before the older targets (recursion, §8.1.3.4)', async () => {
    const s = script({
      '3125550101': redirect(302, '3125550102', '3125550103'),
      '3125550102': redirect(302, '3125550104'),
      '3125550104': { outcome: 'no_answer', status: 480 },
      '3125550103': answered,
    });
    expect((await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).outcome).toBe('answered');
    expect(s.placed.map((p) => p.destination)).toEqual(['3125550101', '3125550102', '3125550104', '3125550103']);
  });

  it('every attempt shares the ring time of the dial', async () => {
    const clock = new FakeClock();
    const placed: number[] = [];
    const place = async (r: DialRequest): Promise<Attempt> => {
      placed.push(r.timeoutMs);
      clock.advance(12_000); // each far end takes 12 s to say where to go
      return r.destination === '3125550101' ? redirect(302, '3125550102') : r.destination === '3125550102' ? redirect(302, '3125550103') : answered;
    };
    expect(await followRedirects(request({ timeoutMs: 20_000 }), place, { clock, checkDial })).toEqual({ outcome: 'no_answer' });
    expect(placed).toEqual([20_000, 8_000]);
  });

  it('a cancelled attempt ends the dial, whatever is left to try', async () => {
    const s = script({ '3125550101': redirect(302, '3125550102', '3125550103'), '3125550102': { outcome: 'canceled' } });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'canceled' });
    expect(s.placed).toHaveLength(2);
  });

  it('a final outcome without a redirect is passed through untouched', async () => {
    const s = script({ '3125550101': { outcome: 'busy', status: 486 } });
    expect(await followRedirects(request(), s.place, { clock: new FakeClock(), checkDial })).toEqual({ outcome: 'busy' });
  });
});

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A far end on our own SIP stack standing in for the trunk, answering INVITEs as the test says; hookline's RTP on 17800-17899. */
async function trunkSetup(onInvite: (req: SipRequest, tx: InviteServerTransaction) => void, checkDial?: (n: string) => string | undefined) {
  const invites: SipRequest[] = [];
  const farEp = await createSipEndpoint({
    host: '127.0.0.1',
    udpPort: 0,
    onRequest: (req, tx) => {
      if (req.method !== 'INVITE') return void tx.respond(200);
      invites.push(req);
      onInvite(req, tx as InviteServerTransaction);
    },
    onAck: () => undefined,
  });
  const pacer = new Pacer();
  const server = await TelephonyServer.start({
    host: '127.0.0.1', sipPort: 0, rtpPorts: { min: 17800, max: 17899 }, clock: systemClock, logger: silentLogger, pacer,
    renderer: {} as PromptRenderer, userAgent: 'hookline-test', onCall: () => undefined,
    trunk: { host: '127.0.0.1', port: farEp.transport('UDP')!.port, transport: 'UDP', maxLegs: 10 },
    ...(checkDial ? { checkDial } : {}),
  });
  cleanup.push(async () => {
    await server.close();
    await farEp.close();
    pacer.close();
  });
  const trunk = server.trunk!;
  const dial = () => trunk.dial({ sessionId: 'a'.repeat(32), destination: '3125550101', callerId: '3125550199', timeoutMs: 5000, logger: silentLogger });
  return { invites, trunk, dial };
}

const userOf = (q: SipRequest) => ('user' in q.uri ? q.uri.user : '');

describe('3xx redirects through the trunk', () => {
  it('a 302 sends a new INVITE for the Contact\'s number through the same trunk, not to the Contact\'s host', async () => {
    const s = await trunkSetup((req, tx) => {
      if (userOf(req) === '3125550101') tx.respond(302, 'Moved Temporarily', { headers: { Contact: '<sip:3125550177@198.51.100.7:5060>' } });
      else tx.respond(486);
    }, () => undefined);
    expect(await s.dial()).toEqual({ outcome: 'busy' });
    expect(s.invites.map(userOf)).toEqual(['3125550101', '3125550177']);
    expect(s.invites[1]!.get('To')).toMatch(/^<sip:3125550177@127\.0\.0\.1:\d+>$/);
    expect(s.invites[1]!.callId).not.toBe(s.invites[0]!.callId);
    expect(s.trunk.activeLegs).toBe(0);
  });

  it('a redirect to a number the dial-out policy refuses is not dialled: refused', async () => {
    const s = await trunkSetup((_req, tx) => void tx.respond(302, 'Moved Temporarily', { headers: { Contact: '<sip:19005550100@127.0.0.1>' } }), checkDial);
    expect(await s.dial()).toEqual({ outcome: 'refused' });
    expect(s.invites).toHaveLength(1);
    expect(s.trunk.activeLegs).toBe(0);
  });

  it('without a dial-out policy given to the server, a 302 is a failure', async () => {
    const s = await trunkSetup((_req, tx) => void tx.respond(302, 'Moved Temporarily', { headers: { Contact: '<sip:3125550177@127.0.0.1>' } }));
    expect(await s.dial()).toEqual({ outcome: 'failed' });
    expect(s.invites).toHaveLength(1);
  });
});
