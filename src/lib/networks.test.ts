import { describe, expect, it } from 'vitest';
import { networkList, parseNetwork } from './networks.js';

describe('networkList', () => {
  it('matches addresses of either family against CIDRs and single addresses', () => {
    const l = networkList(['127.0.0.0/8', '::1/128', '192.168.1.0/24', '203.0.113.7', '2001:db8::/32']);
    expect(l.entries).toEqual(['127.0.0.0/8', '::1/128', '192.168.1.0/24', '203.0.113.7/32', '2001:db8::/32']);
    for (const yes of ['127.0.0.1', '127.255.0.9', '::1', '192.168.1.200', '203.0.113.7', '2001:db8:1::5', '::ffff:192.168.1.9']) {
      expect(l.has(yes), yes).toBe(true);
    }
    for (const no of ['10.0.0.1', '192.168.2.1', '203.0.113.8', '::2', '2001:db9::1', 'not an address', '']) {
      expect(l.has(no), no).toBe(false);
    }
  });

  it('an empty list matches nothing; 0.0.0.0/0 and ::/0 match everything', () => {
    expect(networkList([]).has('127.0.0.1')).toBe(false);
    const all = networkList(['0.0.0.0/0', '::/0']);
    expect(all.has('198.51.100.1') && all.has('2001:db8::1')).toBe(true);
  });

  it('names a bad entry', () => {
    expect(parseNetwork('192.168.1.0/33')).toMatch(/prefix length 0-32 in "192.168.1.0\/33"/);
    expect(parseNetwork('fe80::/129')).toMatch(/prefix length 0-128/);
    expect(parseNetwork('lan')).toMatch(/expected an IP address or CIDR .* got "lan"/);
    expect(parseNetwork('10.0.0.0/8/1')).toMatch(/got "10.0.0.0\/8\/1"/);
    expect(parseNetwork('10.0.0.0/x')).toMatch(/prefix length/);
    expect(() => networkList(['10.0.0.0/8', 'nope'])).toThrow(/"nope"/);
  });
});
