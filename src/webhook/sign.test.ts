import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './sign.js';

const T = 1795545835;

describe('signatureHeader', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<METHOD>.<path?query>.<body>">', () => {
    const body = 'ivr_id=10&ivr_completed=1';
    const expected = createHmac('sha256', 'change-me').update(`${T}.POST./hook?source=ivr10.${body}`).digest('hex');
    expect(signatureHeader('change-me', T, 'post', '/hook?source=ivr10', body)).toBe(`t=${T},v1=${expected}`);
  });

  it('signs GET with an empty body', () => {
    const expected = createHmac('sha256', 's').update(`${T}.GET./h?a=1.`).digest('hex');
    expect(signatureHeader('s', T, 'GET', '/h?a=1', '')).toBe(`t=${T},v1=${expected}`);
  });
});

describe('verifySignature', () => {
  const h = signatureHeader('secret', T, 'POST', '/hook?x=1', 'a=1&b=2');

  it('accepts its own signature', () => {
    expect(verifySignature('secret', h, 'POST', '/hook?x=1', 'a=1&b=2')).toBe(true);
    expect(verifySignature('secret', h, 'POST', '/hook?x=1', 'a=1&b=2', { nowSeconds: T + 299 })).toBe(true);
  });

  it.each([
    ['another secret', 'nope', 'POST', '/hook?x=1', 'a=1&b=2'],
    ['another method', 'secret', 'GET', '/hook?x=1', 'a=1&b=2'],
    ['another query', 'secret', 'POST', '/hook?x=2', 'a=1&b=2'],
    ['another body', 'secret', 'POST', '/hook?x=1', 'a=1&b=3'],
  ])('rejects %s', (_what, secret, method, pq, body) => {
    expect(verifySignature(secret, h, method, pq, body)).toBe(false);
  });

  it('rejects stale timestamps and malformed headers', () => {
    expect(verifySignature('secret', h, 'POST', '/hook?x=1', 'a=1&b=2', { nowSeconds: T + 301 })).toBe(false);
    expect(verifySignature('secret', 'garbage', 'POST', '/hook?x=1', '')).toBe(false);
    expect(verifySignature('secret', `t=${T}`, 'POST', '/hook?x=1', '')).toBe(false);
    expect(verifySignature('secret', h.replace(/v1=../, 'v1=zz'), 'POST', '/hook?x=1', 'a=1&b=2')).toBe(false);
  });

  it('accepts when any of several v1 values matches (secret rotation)', () => {
    const old = signatureHeader('old', T, 'GET', '/', '').split(',')[1];
    const multi = `${signatureHeader('new', T, 'GET', '/', '')},${old}`;
    expect(verifySignature('old', multi, 'GET', '/', '')).toBe(true);
    expect(verifySignature('new', multi, 'GET', '/', '')).toBe(true);
  });
});
