import { describe, expect, it } from 'vitest';
import { isSelfPath, SelfUrl } from './self-url.js';

describe('isSelfPath', () => {
  it.each([
    ['/demo/hook?step=lookup', true],
    ['/', true],
    ['//evil.example/x', false], // scheme-relative: another host
    ['/\\evil.example/x', false], // read as // by URL parsers
    ['demo/hook', false],
    ['http://127.0.0.1:8080/demo/hook', false],
    ['', false],
  ])('%s: %s', (url, expected) => {
    expect(isSelfPath(url)).toBe(expected);
  });
});

describe('SelfUrl', () => {
  it('leaves absolute URLs alone and has no answer for a path until the server listens', () => {
    const self = new SelfUrl();
    expect(self.resolve('https://crm.example.com/x?a=1')).toBe('https://crm.example.com/x?a=1');
    expect(self.resolve('/demo/hook')).toBeUndefined();
    expect(self.origin).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:9090/demo/hook?step=lookup&x=%20'],
    ['0.0.0.0', 'http://127.0.0.1:9090/demo/hook?step=lookup&x=%20'], // a wildcard bind is reached on loopback
    ['::', 'http://[::1]:9090/demo/hook?step=lookup&x=%20'],
    ['::1', 'http://[::1]:9090/demo/hook?step=lookup&x=%20'],
    ['10.1.2.3', 'http://10.1.2.3:9090/demo/hook?step=lookup&x=%20'],
  ])('bound to %s: the path and query exactly as written, on the port bound', (host, expected) => {
    const self = new SelfUrl();
    self.listening(host, 9090);
    expect(self.resolve('/demo/hook?step=lookup&x=%20')).toBe(expected);
  });
});
