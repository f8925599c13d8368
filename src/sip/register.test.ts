import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestGuard, linkedPair, settle, type LinkedPair } from './auth-test-kit.js';
import { parseCredentials } from './digest.js';
import { createSipEndpoint, type SipEndpoint } from './endpoint.js';
import type { SipRequest } from './message.js';
import { Registration, type RegisteredInfo, type RegistrationFailure, type RegistrationOptions, type RegistrationState } from './register.js';
import type { ServerTransaction } from './transaction-server.js';

const CREDS = { username: 'ivr1', password: 'pw' };

let p: LinkedPair;
beforeEach(() => {
  p = linkedPair();
});

/** A registrar that wants digest auth and grants `grant` seconds on the echoed Contact. */
function registrar(grant = 120, extra?: (req: SipRequest, tx: ServerTransaction) => boolean) {
  const guard = digestGuard({ realm: 'trunk.example', users: { ivr1: 'pw' }, clock: p.clock });
  p.handle((req, tx) => {
    if (!guard.check(req, tx)) return;
    if (extra && extra(req, tx)) return;
    const asked = Number(req.get('Expires'));
    tx.respond(200, 'OK', { headers: { Contact: `${req.get('Contact')};expires=${Math.min(asked, grant)}` } });
  });
  return guard;
}

function start(opts: Partial<RegistrationOptions> = {}) {
  const reg = new Registration(p.client, { registrar: 'sip:192.0.2.2', credentials: CREDS, random: () => 1, ...opts });
  const registered: RegisteredInfo[] = [];
  const failed: RegistrationFailure[] = [];
  const states: RegistrationState[] = [];
  reg.on('registered', (i) => registered.push(i));
  reg.on('failed', (f) => failed.push(f));
  reg.on('state', (s) => states.push(s));
  reg.start();
  return { reg, registered, failed, states };
}

const registers = (): SipRequest[] => p.received.filter((r) => r.method === 'REGISTER');

describe('Registration (socketless, FakeClock)', () => {
  it('registers with digest auth: AOR in To and From, our Contact, Expires 3600', async () => {
    registrar(3600);
    const { reg, registered, states } = start();
    await settle();
    expect(reg.state).toBe('registered');
    expect(reg.registered).toBe(true);
    expect(states).toEqual(['registering', 'registered']);
    expect(registered[0]).toMatchObject({ expires: 3600, refreshInMs: 1_800_000 });
    const [first, second] = registers() as [SipRequest, SipRequest];
    expect(String(first)).toBe('REGISTER sip:192.0.2.2');
    expect(first.get('To')).toBe('<sip:ivr1@192.0.2.2>');
    expect(first.get('From')).toMatch(/^<sip:ivr1@192\.0\.2\.2>;tag=/);
    expect(first.get('Contact')).toBe('<sip:ivr1@192.0.2.1:5060>');
    expect(first.get('Expires')).toBe('3600');
    expect(second.cseq.seq).toBe(first.cseq.seq + 1);
    expect(parseCredentials(second.get('Authorization') ?? '')?.uri).toBe('sip:192.0.2.2');
  });

  it('refreshes at half the granted expiry, with the same Call-ID, rising CSeq and cached credentials', async () => {
    const guard = registrar(120);
    const { registered } = start();
    await settle();
    expect(registered.map((r) => r.expires)).toEqual([120]);
    await p.clock.advanceAsync(59_990, 1000);
    expect(registers()).toHaveLength(2);
    await p.clock.advanceAsync(10, 10);
    await settle();
    const all = registers();
    expect(all).toHaveLength(3); // one refresh, no new challenge: the nonce is still good
    expect(new Set(all.map((r) => r.callId)).size).toBe(1);
    expect(all.map((r) => r.cseq.seq)).toEqual([1, 2, 3]);
    expect(parseCredentials(all[2]!.get('Authorization') ?? '')?.nc).toBe(2);
    expect(guard.verdicts.map((v) => v.ok)).toEqual([false, true, true]);
    expect(registered).toHaveLength(2);
  });

  it('takes the Expires header when our Contact has no expires param, and what it asked when there is neither', async () => {
    let mode: 'header' | 'bare' = 'header';
    p.handle((_req, tx) => {
      if (mode === 'header') tx.respond(200, 'OK', { headers: { Contact: '<sip:ivr1@192.0.2.1:5060>', Expires: '300' } });
      else tx.respond(200);
    });
    const { registered } = start({ credentials: undefined, aor: 'sip:ivr1@trunk.example', expires: 600 });
    await settle();
    mode = 'bare';
    await p.clock.advanceAsync(150_000, 5_000);
    await settle();
    expect(registered.map((r) => r.expires)).toEqual([300, 600]);
  });

  it('on 423, asks again at once with Min-Expires (§10.2.8)', async () => {
    p.handle((req, tx) => {
      if (Number(req.get('Expires')) < 1800) tx.respond(423, undefined, { headers: { 'Min-Expires': '1800' } });
      else tx.respond(200, 'OK', { headers: { Expires: req.get('Expires')! } });
    });
    const { registered, failed } = start({ credentials: undefined, aor: 'sip:ivr1@trunk.example', expires: 60 });
    await settle();
    expect(registers().map((r) => r.get('Expires'))).toEqual(['60', '1800']);
    expect(registered.map((r) => r.expires)).toEqual([1800]);
    expect(failed).toEqual([]);
  });

  it('backs off after failures, doubling to the cap, honours Retry-After, and resets after success', async () => {
    let refuse = 3;
    registrar(120, (_req, tx) => {
      if (refuse-- <= 0) return false;
      tx.respond(refuse === 0 ? 503 : 403, undefined, refuse === 0 ? { headers: { 'Retry-After': '90' } } : {});
      return true;
    });
    const { failed, registered, reg } = start({ retryBaseMs: 10_000, retryMaxMs: 15_000 });
    await settle();
    expect(failed.map((f) => [f.reason, f.response?.status, f.retryInMs])).toEqual([['rejected', 403, 10_000]]);
    await p.clock.advanceAsync(10_000, 1000);
    await settle();
    expect(failed.map((f) => f.retryInMs)).toEqual([10_000, 15_000]);
    await p.clock.advanceAsync(15_000, 1000);
    await settle();
    expect(failed.map((f) => f.retryInMs)).toEqual([10_000, 15_000, 90_000]);
    expect(reg.state).toBe('retrying');
    await p.clock.advanceAsync(90_000, 1000);
    await settle();
    expect(registered).toHaveLength(1);
    expect(reg.state).toBe('registered');
  });

  it('applies jitter: between half and all of the backoff', async () => {
    p.handle((_req, tx) => tx.respond(500));
    const { failed } = start({ credentials: undefined, aor: 'sip:a@b.example', retryBaseMs: 1000, random: () => 0 });
    await settle();
    expect(failed[0]?.retryInMs).toBe(500);
  });

  it('reports a timeout when the registrar never answers', async () => {
    p.serverWire.mute = true;
    const { failed } = start();
    await p.clock.advanceAsync(32_000, 500);
    expect(failed.map((f) => f.reason)).toEqual(['timeout']);
    expect(failed[0]?.error?.code).toBe('SIP_TIMEOUT');
  });

  it('fails on wrong credentials with the final 401 and keeps retrying later', async () => {
    registrar();
    const { failed } = start({ credentials: { username: 'ivr1', password: 'bad' } });
    await settle();
    expect(failed.map((f) => [f.reason, f.response?.status])).toEqual([['rejected', 401]]);
  });

  it('treats a 200 that lists other bindings but not ours as no binding', async () => {
    p.handle((_req, tx) => tx.respond(200, 'OK', { headers: { Contact: '<sip:someone@198.51.100.7>;expires=300' } }));
    const { failed } = start({ credentials: undefined, aor: 'sip:ivr1@trunk.example' });
    await settle();
    expect(failed.map((f) => f.reason)).toEqual(['no-binding']);
  });

  it('stop() removes the binding with Expires: 0 and schedules nothing more', async () => {
    registrar(120);
    const { reg } = start();
    const unregistered: unknown[] = [];
    reg.on('unregistered', (u) => unregistered.push(u));
    await settle();
    const stopping = reg.stop();
    expect(reg.stop()).toBe(stopping);
    await settle();
    await stopping;
    const last = registers().at(-1)!;
    expect(last.get('Expires')).toBe('0');
    expect(last.get('Contact')).toBe('<sip:ivr1@192.0.2.1:5060>');
    expect(reg.state).toBe('stopped');
    expect(reg.registered).toBe(false);
    expect(unregistered).toHaveLength(1);
    const count = registers().length;
    await p.clock.advanceAsync(3_600_000, 60_000);
    expect(registers()).toHaveLength(count);
  });

  it('stop() before anything was registered sends nothing', async () => {
    p.serverWire.mute = true;
    const reg = new Registration(p.client, { registrar: 'sip:192.0.2.2', credentials: CREDS });
    await reg.stop();
    expect(reg.state).toBe('stopped');
    expect(p.clientWire.sent).toHaveLength(0);
  });

  it('stop() while a REGISTER is in flight unregisters all the same and ignores the late answer', async () => {
    registrar(120);
    const { reg, registered } = start();
    const stopping = reg.stop(); // the first REGISTER has not been answered yet
    await settle();
    await stopping;
    // The first REGISTER's 401 is not answered: only the removal goes on (through its own 401).
    expect(registers().map((r) => r.get('Expires'))).toEqual(['3600', '0', '0']);
    expect(registered).toEqual([]);
    expect(reg.state).toBe('stopped');
  });

  it('needs an AOR or a username', () => {
    expect(() => new Registration(p.client, { registrar: 'sip:192.0.2.2' })).toThrow(/AOR/);
  });
});

describe('Registration over real UDP on 127.0.0.1', () => {
  const endpoints: SipEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  it('registers through a 401 and unregisters on stop', async () => {
    const seen: string[] = [];
    const guard = digestGuard({ realm: 'loopback', users: { ivr1: 'pw' } });
    const server = await createSipEndpoint({
      host: '127.0.0.1',
      udpPort: 0,
      methods: ['REGISTER'],
      onRequest(req, tx) {
        seen.push(`${req.method} ${req.get('Expires')} ${req.has('Authorization') ? 'auth' : 'none'}`);
        if (!guard.check(req, tx)) return;
        tx.respond(200, 'OK', { headers: { Contact: `${req.get('Contact')};expires=${req.get('Expires')}` } });
      },
    });
    endpoints.push(server);
    const client = await createSipEndpoint({ host: '127.0.0.1', udpPort: 0, onRequest: () => {} });
    endpoints.push(client);
    const port = server.transport('UDP')!.port;
    const reg = new Registration(client, { registrar: `sip:127.0.0.1:${port}`, credentials: CREDS, expires: 60 });
    const registered = new Promise<RegisteredInfo>((resolve) => reg.on('registered', resolve));
    reg.start();
    const info = await registered;
    expect(info.expires).toBe(60);
    await reg.stop();
    expect(seen).toEqual(['REGISTER 60 none', 'REGISTER 60 auth', 'REGISTER 0 auth']);
    expect(reg.state).toBe('stopped');
  });
});
