import { describe, expect, it } from 'vitest';
import { formatPassThrough, parsePassThrough } from './passthrough.js';

describe('parsePassThrough', () => {
  it.each([
    ['user_id|12345||step|call_user', [['user_id', '12345'], ['step', 'call_user']]],
    ['', []],
    ['single|pair', [['single', 'pair']]],
    ['lonely', [['lonely', '']]],
    ['a|1||b', [['a', '1'], ['b', '']]],
    ['a|x|y||b|2', [['a', 'x|y'], ['b', '2']]],
    ['||a|1||||b|2||', [['a', '1'], ['b', '2']]],
    ['a|', [['a', '']]],
    ['|orphan||k|v', [['k', 'v']]],
    ['k|v w ', [['k', 'v w ']]],
  ])('%j', (s, pairs) => {
    expect(parsePassThrough(s)).toEqual(pairs);
  });
});

describe('formatPassThrough', () => {
  it('is the inverse of parse', () => {
    const pairs: Array<[string, string]> = [
      ['user_id', '12345'],
      ['step', 'call_user'],
      ['path', 'a|b'],
      ['empty', ''],
    ];
    const s = formatPassThrough(pairs);
    expect(s).toBe('user_id|12345||step|call_user||path|a|b||empty|');
    expect(parsePassThrough(s)).toEqual(pairs);
    expect(formatPassThrough([])).toBe('');
  });

  it.each([
    [['', 'v']],
    [['a|b', 'v']],
    [['k', 'x||y']],
    [['k', '|x']],
    [['k', 'x|']],
  ] as Array<[[string, string]]>)('refuses a pair that would not come back: %j', (pair) => {
    expect(() => formatPassThrough([pair])).toThrow(expect.objectContaining({ code: 'bad_param' }));
  });
});
