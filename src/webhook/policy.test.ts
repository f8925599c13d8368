import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkLiteralHost, guardedLookup, isPublicAddress, policyPredicate } from './policy.js';

describe('isPublicAddress', () => {
  it.each([
    // refused: loopback, link-local, private, CGNAT, unspecified, metadata, multicast, reserved
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.10', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['169.254.169.254', false],
    ['169.254.1.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['192.0.2.1', false],
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:10.0.0.1', false],
    ['::127.0.0.1', false],
    ['64:ff9b::10.0.0.1', false],
    ['2002:c0a8:0101::1', false], // 6to4 of 192.168.1.1
    ['not an ip', false],
    // allowed: globally routable unicast
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['172.15.255.255', true],
    ['172.32.0.1', true],
    ['100.63.255.255', true],
    ['100.128.0.1', true],
    ['169.253.1.1', true],
    ['2606:4700:4700::1111', true],
    ['2001:4860:4860::8888', true],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::8.8.8.8', true],
  ])('%s -> %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});

describe('policyPredicate / checkLiteralHost', () => {
  it('all checks nothing; public refuses literal private hosts, bracketed IPv6 included', () => {
    expect(policyPredicate('all')).toBeUndefined();
    const pub = policyPredicate('public');
    expect(() => checkLiteralHost('127.0.0.1', pub)).toThrow(expect.objectContaining({ code: 'policy' }));
    expect(() => checkLiteralHost('[::1]', pub)).toThrow(expect.objectContaining({ code: 'policy' }));
    expect(() => checkLiteralHost('8.8.8.8', pub)).not.toThrow();
    expect(() => checkLiteralHost('example.com', pub)).not.toThrow(); // names are checked at lookup
    expect(() => checkLiteralHost('127.0.0.1', undefined)).not.toThrow();
  });
});

describe('guardedLookup', () => {
  const fakeDns =
    (answers: Record<string, Array<{ address: string; family: number }>>): LookupFunction =>
    (host, _opts, cb) => {
      const a = answers[host];
      if (!a) cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), '', 0);
      else (cb as unknown as (e: null, a: unknown) => void)(null, a);
    };
  const dns = fakeDns({
    'public.test': [{ address: '93.184.215.14', family: 4 }],
    'private.test': [{ address: '10.0.0.5', family: 4 }],
    'mixed.test': [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
  });
  const look = (host: string, all: boolean): Promise<unknown> =>
    new Promise((resolve, reject) =>
      guardedLookup(isPublicAddress, dns)(host, { all }, (err, address, family) => (err ? reject(err) : resolve({ address, family }))),
    );

  it('hands the checked address to the socket, in both callback forms', async () => {
    await expect(look('public.test', false)).resolves.toEqual({ address: '93.184.215.14', family: 4 });
    await expect(look('public.test', true)).resolves.toEqual({ address: [{ address: '93.184.215.14', family: 4 }], family: undefined });
  });

  it('refuses a name with any refused address (rebinding), and passes DNS errors through', async () => {
    await expect(look('private.test', false)).rejects.toMatchObject({ code: 'policy' });
    await expect(look('mixed.test', true)).rejects.toMatchObject({ code: 'policy', message: expect.stringContaining('127.0.0.1') });
    await expect(look('missing.test', false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
