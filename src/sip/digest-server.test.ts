import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { createRequest } from './builders.js';
import { formatAuthorization, parseChallenge, type DigestAlgorithm } from './digest.js';
import { MemoryNonceStore, challengeHeaders, verifyDigest, type VerifyOptions } from './digest-server.js';
import type { SipRequest } from './message.js';

const REALM = 'trunk.example';
const lookup = (u: string): string | undefined => (u === 'alice' ? 'pw' : undefined);

function setup(opts: VerifyOptions = {}) {
  const clock = new FakeClock(0);
  let n = 0;
  const nonces = new MemoryNonceStore({ clock, lifetimeMs: 30_000, random: () => `nonce-${++n}` });
  const request = (): SipRequest =>
    createRequest({ method: 'INVITE', uri: 'sip:bob@trunk.example', from: '<sip:alice@ivr.example>', to: '<sip:bob@trunk.example>', body: 'v=0\r\n' });
  /** A request answering a fresh challenge of the given algorithm. */
  const answered = (o: { algorithm?: DigestAlgorithm; password?: string; nc?: number; nonce?: string; uri?: string; qop?: string; header?: string } = {}): SipRequest => {
    const r = request();
    const nonce = o.nonce ?? nonces.issue();
    const [ch] = parseChallenge(`Digest realm="${REALM}", nonce="${nonce}", algorithm=${o.algorithm ?? 'SHA-256'}, qop="${o.qop ?? 'auth'}"`);
    const value = formatAuthorization(ch!, { username: 'alice', password: o.password ?? 'pw' }, { method: r.method, uri: o.uri ?? 'sip:bob@trunk.example', body: r.body }, { nc: o.nc ?? 1, cnonce: 'cn' });
    r.append(o.header ?? (opts.proxy ? 'Proxy-Authorization' : 'Authorization'), value);
    return r;
  };
  const verify = (r: SipRequest) => verifyDigest(r, lookup, REALM, nonces, opts);
  return { clock, nonces, request, answered, verify };
}

describe('challengeHeaders', () => {
  it('offers one header per algorithm, preferred first, with one fresh nonce (RFC 8760 §2.3)', () => {
    const { nonces } = setup();
    const h = challengeHeaders(REALM, nonces);
    expect(h).toEqual([
      { name: 'WWW-Authenticate', value: 'Digest realm="trunk.example", nonce="nonce-1", algorithm=SHA-256, qop="auth"' },
      { name: 'WWW-Authenticate', value: 'Digest realm="trunk.example", nonce="nonce-1", algorithm=MD5, qop="auth"' },
    ]);
    expect(challengeHeaders(REALM, nonces, { proxy: true, algorithms: ['SHA-512-256'], stale: true, opaque: 'o' })).toEqual([
      { name: 'Proxy-Authenticate', value: 'Digest realm="trunk.example", nonce="nonce-2", opaque="o", algorithm=SHA-512-256, qop="auth", stale=true' },
    ]);
  });
});

describe('verifyDigest', () => {
  it.each(['SHA-256', 'MD5', 'SHA-512-256', 'SHA-256-sess', 'MD5-sess'] as const)('accepts correct %s credentials', (algorithm) => {
    const s = setup({ algorithms: ['SHA-512-256', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'] });
    const v = s.verify(s.answered({ algorithm }));
    expect(v).toMatchObject({ ok: true, username: 'alice', algorithm });
  });

  it('accepts auth-int, which covers the body', () => {
    const s = setup();
    const r = s.answered({ qop: 'auth-int' });
    expect(s.verify(r).ok).toBe(true);
    const tampered = s.answered({ qop: 'auth-int' });
    tampered.body = Buffer.from('v=1\r\n');
    expect(s.verify(tampered)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('challenges a request without credentials, or with credentials for another realm only', () => {
    const s = setup();
    expect(s.verify(s.request())).toMatchObject({ ok: false, reason: 'missing', status: 401 });
    const other = s.request();
    other.append('Authorization', 'Digest username="alice", realm="elsewhere", nonce="n", uri="sip:bob@trunk.example", response="00"');
    const v = s.verify(other);
    expect(v).toMatchObject({ ok: false, reason: 'missing', status: 401 });
    if (!v.ok) expect(v.headers.every((h) => h.name === 'WWW-Authenticate' && !h.value.includes('stale'))).toBe(true);
  });

  it('finds our realm among several Authorization headers', () => {
    const s = setup();
    const r = s.answered();
    r.prepend('Authorization', 'Digest username="x", realm="proxy.example", nonce="n", uri="sip:bob@trunk.example", response="00"');
    expect(s.verify(r).ok).toBe(true);
  });

  it('gives a wrong password and an unknown user the same 401 without stale', () => {
    const s = setup();
    const wrong = s.verify(s.answered({ password: 'nope' }));
    expect(wrong).toMatchObject({ ok: false, reason: 'mismatch', status: 401, username: 'alice' });
    const r = s.request();
    r.append('Authorization', s.answered().get('Authorization')!.replace('username="alice"', 'username="mallory"'));
    expect(s.verify(r)).toMatchObject({ ok: false, reason: 'unknown-user', status: 401 });
  });

  it('says stale=true for a correct digest on an expired, unknown or replayed nonce', () => {
    const s = setup();
    const r = s.answered();
    s.clock.advance(30_001);
    const expired = s.verify(r);
    expect(expired).toMatchObject({ ok: false, reason: 'stale', status: 401 });
    if (!expired.ok) expect(expired.headers[0]?.value).toMatch(/stale=true$/);
    expect(s.verify(s.answered({ nonce: 'never-issued' }))).toMatchObject({ reason: 'stale' });
    const nonce = s.nonces.issue();
    expect(s.verify(s.answered({ nonce, nc: 1 })).ok).toBe(true);
    expect(s.verify(s.answered({ nonce, nc: 1 }))).toMatchObject({ reason: 'stale' }); // replay
    expect(s.verify(s.answered({ nonce, nc: 2 })).ok).toBe(true);
  });

  it('does not let a wrong password use up a nonce count', () => {
    const s = setup();
    const nonce = s.nonces.issue();
    expect(s.verify(s.answered({ nonce, nc: 1, password: 'nope' })).ok).toBe(false);
    expect(s.verify(s.answered({ nonce, nc: 1 })).ok).toBe(true);
  });

  it('refuses an algorithm it did not offer, and credentials without qop', () => {
    const s = setup({ algorithms: ['SHA-256'] });
    expect(s.verify(s.answered({ algorithm: 'MD5' }))).toMatchObject({ ok: false, reason: 'unsupported-algorithm', status: 401 });
    const r = s.request();
    const [ch] = parseChallenge(`Digest realm="${REALM}", nonce="${s.nonces.issue()}", algorithm=SHA-256`);
    r.append('Authorization', formatAuthorization(ch!, { username: 'alice', password: 'pw' }, { method: 'INVITE', uri: 'sip:bob@trunk.example' }, { nc: 1, cnonce: 'c' }));
    expect(s.verify(r)).toMatchObject({ ok: false, reason: 'qop-missing' });
    expect(verifyDigest(r, lookup, REALM, s.nonces, { algorithms: ['SHA-256'], requireQop: false }).ok).toBe(true);
  });

  it('answers 400 without a challenge to a digest-uri other than the Request-URI, or unreadable credentials', () => {
    const s = setup();
    expect(s.verify(s.answered({ uri: 'sip:carol@trunk.example' }))).toMatchObject({ ok: false, reason: 'uri-mismatch', status: 400, headers: [] });
    expect(s.verify(s.answered({ uri: 'SIP:bob@TRUNK.example' })).ok).toBe(true);
    const r = s.request();
    r.append('Authorization', 'Digest username="alice", realm="trunk.example"');
    expect(s.verify(r)).toMatchObject({ ok: false, reason: 'malformed', status: 400 });
  });

  it('as a proxy, reads Proxy-Authorization and challenges with 407', () => {
    const s = setup({ proxy: true });
    expect(s.verify(s.answered())).toMatchObject({ ok: true });
    const v = s.verify(s.answered({ header: 'Authorization' }));
    expect(v).toMatchObject({ ok: false, reason: 'missing', status: 407 });
    if (!v.ok) expect(v.headers[0]?.name).toBe('Proxy-Authenticate');
  });
});

describe('MemoryNonceStore', () => {
  it('keeps at most `max` nonces, forgetting the oldest', () => {
    let n = 0;
    const store = new MemoryNonceStore({ clock: new FakeClock(0), max: 2, random: () => `n${++n}` });
    store.issue();
    store.issue();
    store.issue();
    expect(store.check('n1', 1)).toBe('unknown');
    expect(store.check('n2', 1)).toBe('ok');
    expect(store.check('n3', undefined)).toBe('ok');
  });

  it('forgets nonces long past their lifetime when issuing', () => {
    const clock = new FakeClock(0);
    let n = 0;
    const store = new MemoryNonceStore({ clock, lifetimeMs: 1000, random: () => `n${++n}` });
    store.issue();
    clock.advance(1500);
    expect(store.check('n1', 1)).toBe('stale');
    clock.advance(1000);
    store.issue();
    expect(store.check('n1', 2)).toBe('unknown');
  });
});
