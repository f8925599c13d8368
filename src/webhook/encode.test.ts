import { describe, expect, it } from 'vitest';
import { appendQuery, encodeRequest, formEncode, pathAndQuery } from './encode.js';

const params: Array<[string, string]> = [
  ['ivr_caller_id', '+13125550199'],
  ['ivr_pass_through', 'user_id|12345||step|call_user'],
  ['name', 'Zoë & Bill'],
  ['empty', ''],
];
const ENCODED = 'ivr_caller_id=%2B13125550199&ivr_pass_through=user_id%7C12345%7C%7Cstep%7Ccall_user&name=Zo%C3%AB+%26+Bill&empty=';

describe('formEncode', () => {
  it('encodes as an HTML form does: UTF-8, space as +, reserved characters escaped', () => {
    expect(formEncode(params)).toBe(ENCODED);
    expect(formEncode([['a*b-c._', '~!\'()']])).toBe('a*b-c._=%7E%21%27%28%29');
  });
});

describe('encodeRequest', () => {
  it('GET appends the params after the static query', () => {
    const r = encodeRequest('GET', 'http://example.com/hook?source=ivr10&x=1#frag', params, '1.2.3');
    expect(r.url).toBe(`http://example.com/hook?source=ivr10&x=1&${ENCODED}`);
    expect(r.body).toBeUndefined();
    expect(r.headers).toEqual({ 'user-agent': 'hookline/1.2.3' });
  });

  it.each([
    ['http://example.com', 'http://example.com/?a=1'],
    ['http://example.com/hook', 'http://example.com/hook?a=1'],
    ['http://example.com/hook?', 'http://example.com/hook?a=1'],
    ['http://example.com/hook?s=1&', 'http://example.com/hook?s=1&a=1'],
    ['https://example.com:8443/p/q?s=a%20b', 'https://example.com:8443/p/q?s=a%20b&a=1'],
  ])('GET %s -> %s', (url, expected) => {
    expect(encodeRequest('GET', url, [['a', '1']], 'v').url).toBe(expected);
  });

  it('POST sends a form body and leaves the URL with its static params', () => {
    const r = encodeRequest('POST', 'http://example.com/hook?source=ivr10', params, '0.1.0');
    expect(r.url).toBe('http://example.com/hook?source=ivr10');
    expect(r.body).toBe(ENCODED);
    expect(r.headers).toEqual({ 'user-agent': 'hookline/0.1.0', 'content-type': 'application/x-www-form-urlencoded' });
  });

  it('with no params, GET leaves the URL alone and POST sends an empty body', () => {
    expect(encodeRequest('GET', 'http://example.com/h?s=1', [], 'v').url).toBe('http://example.com/h?s=1');
    expect(encodeRequest('POST', 'http://example.com/h', [], 'v').body).toBe('');
  });

  it.each(['not a url', 'ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)'])('refuses %s', (url) => {
    expect(() => encodeRequest('GET', url, [], 'v')).toThrow(expect.objectContaining({ code: 'bad_url' }));
  });
});

describe('appendQuery / pathAndQuery', () => {
  it('keeps the path and query as sent for signing', () => {
    const url = encodeRequest('GET', 'http://h/a/b?s=1', [['k', 'v w']], 'v').url;
    expect(pathAndQuery(url)).toBe('/a/b?s=1&k=v+w');
    expect(appendQuery(new URL('http://h'), '')).toBe('http://h/');
  });
});
