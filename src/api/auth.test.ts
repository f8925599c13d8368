import { describe, expect, it } from 'vitest';
import { bearerToken, formCredentials, formCredentialsValid, keyMatches, staticKeyCheck } from './auth.js';

describe('keyMatches', () => {
  it.each([
    ['s3cret', 's3cret', true],
    ['s3cret', 's3cre', false],
    ['s3cret', 's3cretX', false],
    ['s3cret', 'S3CRET', false],
    ['s3cret', '', false],
    ['s3cret', undefined, false],
    ['', '', false],
    [undefined, 'undefined', false],
    [undefined, undefined, false],
  ])('expected %j, presented %j: %s', (expected, presented, want) => {
    expect(keyMatches(expected, presented)).toBe(want);
  });
});

describe('bearerToken (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc.DEF-123_~+/=', 'abc.DEF-123_~+/='],
    ['bearer abc', 'abc'],
    ['BEARER  abc ', 'abc'],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Basic abc', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, want) => {
    expect(bearerToken(header)).toBe(want);
  });
});

describe('formCredentials', () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o));

  it('prefers the Access key pair, then the public key names in order', () => {
    expect(formCredentials(m({ key: 'k', access_key: 'a', secret_access_key: 's' }), ['key'])).toEqual({ form: 'access', accessKey: 'a', secretAccessKey: 's' });
    expect(formCredentials(m({ key: 'k', public_key: 'p' }), ['public_key', 'key'])).toEqual({ form: 'public', key: 'p' });
    expect(formCredentials(m({ public_key: 'p' }), ['key'])).toEqual({ form: 'none' });
  });

  it('needs both halves of the pair to be the key', async () => {
    const k = staticKeyCheck('K');
    expect(await formCredentialsValid(k, { form: 'access', accessKey: 'K', secretAccessKey: 'K' })).toBe(true);
    expect(await formCredentialsValid(k, { form: 'access', accessKey: 'K', secretAccessKey: undefined })).toBe(false);
    expect(await formCredentialsValid(k, { form: 'access', accessKey: 'x', secretAccessKey: 'K' })).toBe(false);
    expect(await formCredentialsValid(k, { form: 'access', accessKey: 'x', secretAccessKey: 'x' })).toBe(false);
    expect(await formCredentialsValid(k, { form: 'public', key: 'K' })).toBe(true);
    expect(await formCredentialsValid(k, { form: 'none' })).toBe(false);
    expect(await formCredentialsValid(staticKeyCheck(undefined), { form: 'public', key: '' })).toBe(false);
  });
});
