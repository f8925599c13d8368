import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DigestSession, sendWithAuth, type AuthHandlers, type SendWithAuthOptions } from './auth-client.js';
import { digestGuard, linkedPair, settle, type LinkedPair } from './auth-test-kit.js';
import { createRequest } from './builders.js';
import { parseCredentials } from './digest.js';
import type { NonceStore } from './digest-server.js';
import { MemoryNonceStore } from './digest-server.js';
import { tagOf, viaBranch } from './header-values.js';
import { SipRequest, type SipResponse } from './message.js';

const CREDS = { username: 'trunkuser', password: 's3cret' };
const USERS = { trunkuser: 's3cret' };

let p: LinkedPair;
beforeEach(() => {
  p = linkedPair();
});

function req(method = 'OPTIONS', callId = 'call-a'): SipRequest {
  return createRequest({ method, uri: 'sip:+15551234567@192.0.2.2', from: '<sip:ivr@192.0.2.1>', to: '<sip:+15551234567@192.0.2.2>', callId, cseq: 10 }, () => 'ftag');
}

function send(r: SipRequest, opts: SendWithAuthOptions = {}, creds = CREDS) {
  const h = {
    onProvisional: vi.fn<(res: SipResponse) => void>(),
    onFinal: vi.fn<(res: SipResponse) => void>(),
    onTimeout: vi.fn(),
    onTransportError: vi.fn(),
    onTerminated: vi.fn(),
    onChallenge: vi.fn<(res: SipResponse, retry: SipRequest) => void>(),
  } satisfies AuthHandlers;
  const out = sendWithAuth(p.client, r, p.serverAddress, creds, h, opts);
  return { out, h, finals: () => h.onFinal.mock.calls.map((c) => c[0].status) };
}

const auth = (r: SipRequest, name = 'Authorization') => parseCredentials(r.get(name) ?? '');

describe('sendWithAuth against a socketless server', () => {
  it('answers a 401 with the next CSeq, same Call-ID and From tag, a new branch, and SHA-256 credentials', async () => {
    const guard = digestGuard({ realm: 'trunk.example', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    const { out, h, finals } = send(req('REGISTER'));
    await settle();
    expect(finals()).toEqual([200]);
    expect(p.received).toHaveLength(2);
    const [first, second] = p.received as [SipRequest, SipRequest];
    expect(first.has('Authorization')).toBe(false);
    expect(second.cseq).toEqual({ seq: 11, method: 'REGISTER' });
    expect(second.callId).toBe(first.callId);
    expect(tagOf(second.from)).toBe('ftag');
    expect(tagOf(second.to)).toBeUndefined();
    expect(viaBranch(second.topVia)).not.toBe(viaBranch(first.topVia));
    expect(auth(second)).toMatchObject({ username: 'trunkuser', realm: 'trunk.example', algorithm: 'SHA-256', qop: 'auth', nc: 1, uri: 'sip:+15551234567@192.0.2.2' });
    expect(guard.verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['missing', 'ok']);
    expect(h.onChallenge).toHaveBeenCalledOnce();
    expect(h.onChallenge.mock.calls[0]?.[0].status).toBe(401);
    expect(out.attempts).toBe(2);
    expect(out.request.cseq.seq).toBe(11);
    p.clock.advance(10_000);
    expect(h.onTerminated).toHaveBeenCalledOnce(); // the challenged transaction's end is not reported
  });

  it('answers a 407 to an INVITE with Proxy-Authorization; the 407 was ACKed by its transaction', async () => {
    const guard = digestGuard({ realm: 'proxy.example', users: USERS, proxy: true, algorithms: ['MD5'] });
    p.handle((r, tx) => {
      if (!guard.check(r, tx)) return;
      tx.respond(180);
      tx.respond(200, 'OK', { body: 'v=0\r\n', headers: { 'Content-Type': 'application/sdp' } });
    });
    const invite = req('INVITE');
    invite.body = Buffer.from('v=0\r\n');
    invite.set('Content-Type', 'application/sdp');
    const { out, h, finals } = send(invite);
    await settle();
    expect(finals()).toEqual([200]);
    expect(h.onProvisional.mock.calls.map((c) => c[0].status)).toEqual([180]);
    const acks = p.clientWire.sent.map((s) => s.msg).filter((m): m is SipRequest => m instanceof SipRequest && m.method === 'ACK');
    expect(acks.map((a) => a.cseq)).toEqual([{ seq: 10, method: 'ACK' }]);
    const retry = p.received[1]!;
    expect(retry.has('Authorization')).toBe(false);
    expect(auth(retry, 'Proxy-Authorization')).toMatchObject({ realm: 'proxy.example', algorithm: 'MD5' });
    expect(retry.text).toBe('v=0\r\n');
    expect(out.request.cseq).toEqual({ seq: 11, method: 'INVITE' });
    expect(out.transaction.state).toBe('Accepted');
  });

  it('fails with the final response when the server refuses after authentication (403)', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(403));
    const { out, h, finals } = send(req('INVITE'));
    await settle();
    expect(finals()).toEqual([403]);
    expect(out.attempts).toBe(2);
    expect(h.onChallenge).toHaveBeenCalledOnce();
  });

  it('gives up on a second 401 without stale=true (wrong password): that 401 is final', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    const { out, finals } = send(req('BYE'), {}, { username: 'trunkuser', password: 'wrong' });
    await settle();
    expect(finals()).toEqual([401]);
    expect(out.attempts).toBe(2);
    expect(guard.verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['missing', 'mismatch']);
  });

  it('retries with the new nonce on stale=true', async () => {
    let staleOnce = true;
    const store = new MemoryNonceStore({ clock: p.clock });
    const nonces: NonceStore = {
      issue: () => store.issue(),
      check: (n, nc) => (staleOnce ? ((staleOnce = false), 'stale') : store.check(n, nc)),
    };
    const guard = digestGuard({ realm: 'r', users: USERS, nonces: nonces as MemoryNonceStore });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    const { out, finals } = send(req());
    await settle();
    expect(finals()).toEqual([200]);
    expect(out.attempts).toBe(3);
    expect(guard.verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['missing', 'stale', 'ok']);
    const [, second, third] = p.received.map((r) => auth(r));
    expect(third?.nonce).not.toBe(second?.nonce);
    expect(p.received.map((r) => r.cseq.seq)).toEqual([10, 11, 12]);
  });

  it('stops after maxAttempts when every answer is stale', async () => {
    p.handle((_r, tx) => tx.respond(401, undefined, { headers: { 'WWW-Authenticate': `Digest realm="r", nonce="n${Math.random()}", qop="auth", stale=true` } }));
    const { out, finals } = send(req(), { maxAttempts: 3 });
    await settle();
    expect(finals()).toEqual([401]);
    expect(out.attempts).toBe(3);
  });

  it('delivers a challenge it cannot answer (no Digest, or unknown algorithms) as final', async () => {
    p.handle((_r, tx) =>
      tx.respond(401, undefined, { headers: [{ name: 'WWW-Authenticate', value: 'Basic realm="r"' }, { name: 'WWW-Authenticate', value: 'Digest realm="r", nonce="n", algorithm=SHA3-512' }] }),
    );
    const { out, finals } = send(req());
    await settle();
    expect(finals()).toEqual([401]);
    expect(out.attempts).toBe(1);
  });

  it('answers a proxy and then the UAS, the last request carrying credentials for both realms (§22.3)', async () => {
    const proxy = digestGuard({ realm: 'proxy', users: USERS, proxy: true });
    const uas = digestGuard({ realm: 'uas', users: USERS });
    p.handle((r, tx) => proxy.check(r, tx) && uas.check(r, tx) && tx.respond(200));
    const { out, finals } = send(req());
    await settle();
    expect(finals()).toEqual([200]);
    expect(out.attempts).toBe(3);
    const last = p.received[2]!;
    expect(auth(last, 'Proxy-Authorization')).toMatchObject({ realm: 'proxy', nc: 2 });
    expect(auth(last)).toMatchObject({ realm: 'uas', nc: 1 });
  });

  it('with a shared session, sends credentials up front, counting nc on the same nonce', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    const session = new DigestSession(() => 'cn');
    send(req(), { session });
    await settle();
    const second = send(req('OPTIONS', 'call-b'), { session });
    await settle();
    expect(second.finals()).toEqual([200]);
    expect(second.out.attempts).toBe(1);
    expect(p.received.map((r) => auth(r)?.nc)).toEqual([undefined, 1, 2]);
  });

  it('re-challenged preemptive credentials still get their one fresh try', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    const session = new DigestSession();
    session.remember([{ proxy: false, realm: 'r', nonce: 'forgotten', algorithm: 'MD5', qop: ['auth'], stale: false, userhash: false }]);
    const { out, finals } = send(req(), { session });
    await settle();
    expect(finals()).toEqual([200]);
    expect(out.attempts).toBe(2);
    expect(guard.verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['stale', 'ok']);
  });

  it('uses nextCSeq for retries (a dialog keeps its local sequence)', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx) && tx.respond(200));
    let local = 10;
    send(req('BYE'), { nextCSeq: () => (local += 5) });
    await settle();
    expect(p.received.map((r) => r.cseq.seq)).toEqual([10, 15]);
  });

  it('cancel() cancels the current attempt: CANCEL follows the retry, which ends 487', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => {
      if (guard.check(r, tx)) tx.respond(180);
    });
    const { out, finals } = send(req('INVITE'));
    await settle();
    out.cancel();
    await settle();
    const cancel = p.clientWire.sent.map((s) => s.msg).find((m): m is SipRequest => m instanceof SipRequest && m.method === 'CANCEL');
    expect(cancel?.cseq).toEqual({ seq: 11, method: 'CANCEL' });
    expect(viaBranch(cancel!.topVia)).toBe(viaBranch(out.request.topVia));
    expect(finals()).toEqual([487]);
  });

  it('does not retry once cancel() was asked: the challenge is final', async () => {
    p.handle((_r, tx) => tx.respond(401, undefined, { headers: { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' } }));
    const { out, finals } = send(req('INVITE'));
    out.cancel(); // before any provisional: the CANCEL waits (§9.1), the 401 ends it
    await settle();
    expect(finals()).toEqual([401]);
    expect(out.attempts).toBe(1);
  });

  it('reports a timeout of the current attempt once', async () => {
    const guard = digestGuard({ realm: 'r', users: USERS });
    p.handle((r, tx) => guard.check(r, tx));
    const { h, finals } = send(req());
    await settle();
    p.serverWire.mute = true;
    p.clock.advance(32_000);
    expect(finals()).toEqual([]);
    expect(h.onTimeout).toHaveBeenCalledOnce();
    p.clock.advance(10_000);
    expect(h.onTerminated).toHaveBeenCalledOnce();
  });

  it('reports a retry that cannot be sent as a transport error', async () => {
    p.handle((_r, tx) => tx.respond(401, undefined, { headers: { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' } }));
    const { h, finals } = send(req(), { nextCSeq: () => 2 ** 31 }); // a CSeq the serializer refuses
    await settle();
    expect(finals()).toEqual([]);
    expect(h.onTransportError).toHaveBeenCalledOnce();
  });
});
