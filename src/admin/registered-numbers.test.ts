import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { RegisteredNumbers } from './registered-numbers.js';

describe('RegisteredNumbers', () => {
  let store: Store;
  beforeEach(async () => (store = await createSqliteStore(':memory:')));
  afterEach(() => store.close());

  it('keeps one E.164 entry however the number is written', async () => {
    const numbers = new RegisteredNumbers(store.registeredNumbers);
    expect((await numbers.add('(312) 555-0001', 'Office')).created).toBe(true);
    expect((await numbers.add('13125550001', 'Front desk')).created).toBe(false);
    expect((await numbers.list()).map((n) => [n.phone, n.description])).toEqual([['+13125550001', 'Front desk']]);
    expect(await numbers.isRegistered('+13125550001')).toBe(true);
    expect(await numbers.isRegistered('3125550002')).toBe(false);
    expect(await numbers.remove('3125550001')).toBe('+13125550001');
    await expect(numbers.remove('3125550001')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses what is not a phone number, naming the field', async () => {
    await expect(new RegisteredNumbers(store.registeredNumbers).add('call me', '')).rejects.toMatchObject({ code: 'invalid', issues: [{ path: 'phone' }] });
  });
});
