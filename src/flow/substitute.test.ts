import { describe, expect, it } from 'vitest';
import { substitute } from './substitute.js';

describe('substitute', () => {
  const params = { firstName: 'Bill', lastName: 'Johnson', acct_2: '1234' };
  it.each([
    ['Hello @firstName @lastName.', 'Hello Bill Johnson.'],
    ['Account @acct_2, thanks', 'Account 1234, thanks'],
    ['Unknown @nobody here', 'Unknown  here'],
    ['@firstName@lastName', 'BillJohnson'],
    ['No names at all', 'No names at all'],
    ['A lone @ stays', 'A lone @ stays'],
    ['prompt_@firstName.wav', 'prompt_Bill.wav'],
  ])('%s', (input, expected) => {
    expect(substitute(input, params)).toBe(expected);
  });

  it('does not read inherited properties', () => {
    expect(substitute('@constructor@toString', {})).toBe('');
  });
});
