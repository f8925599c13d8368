import { describe, expect, it } from 'vitest';
import { compileDialPattern, compileDialPolicy, DEFAULT_DIAL_ALLOW, normaliseDialNumber } from './dial-policy.js';

describe('normaliseDialNumber', () => {
  it.each([
    ['3125550101', '+13125550101'],
    ['13125550101', '+13125550101'],
    ['+1 (312) 555-0101', '+13125550101'],
    ['442071234567', '+442071234567'],
    ['sip:alice@example.com', undefined],
  ])('%s -> %s', (input, output) => expect(normaliseDialNumber(input)).toBe(output));
});

describe('the default policy', () => {
  const policy = compileDialPolicy(DEFAULT_DIAL_ALLOW);
  it.each([
    ['3125550101', true, 'US geographic'],
    ['+14165550101', true, 'Canada'],
    ['18005550100', true, 'toll-free'],
    ['+18885550100', true, 'toll-free'],
    ['+17875550101', true, 'Puerto Rico is domestic'],
    ['+19005550100', false, 'premium 900'],
    ['3129765555', false, 'premium 976 exchange'],
    ['+18765550101', false, 'Jamaica'],
    ['8095550101', false, 'Dominican Republic'],
    ['+442071234567', false, 'international'],
    ['011442071234567', false, 'international with the 011 prefix'],
    ['911', false, 'emergency short code'],
    ['1125550101', false, 'area code cannot start with 1'],
    ['3121555010', false, 'exchange cannot start with 1'],
    ['sip:evil@example.com', false, 'not a number'],
  ])('%s -> %s (%s)', (number, allowed) => expect(policy.allows(number)).toBe(allowed));
});

describe('patterns', () => {
  it.each([
    ['X', '+5', true],
    ['Z', '+0', false],
    ['N', '+1', false],
    ['44.', '+442071234567', true],
    ['+44.', '+44', false],
    ['+1800NXXXXXX', '+18005550100', true],
  ])('%s matches %s: %s', (pattern, number, matches) => {
    const re = compileDialPattern(pattern);
    expect(re).toBeInstanceOf(RegExp);
    expect((re as RegExp).test(number)).toBe(matches);
  });

  it.each([
    ['+1[2-9]', 'unexpected "[" in +1[2-9]; patterns use digits, a leading +, X, Z, N and .'],
    ['nxx', 'unexpected "n" in nxx; patterns use digits, a leading +, X, Z, N and .'],
    ['', 'empty dial pattern'],
  ])('refuses %j', (pattern, message) => expect(compileDialPattern(pattern)).toBe(message));

  it('lets a refusal win over any allow', () => {
    const policy = compileDialPolicy(['.', '!+1900.']);
    expect([policy.allows('+19005550100'), policy.allows('+442071234567')]).toEqual([false, true]);
  });

  it('expands default', () => {
    expect(compileDialPolicy(['default', '+44.']).patterns).toEqual([...DEFAULT_DIAL_ALLOW, '+44.']);
  });
});
