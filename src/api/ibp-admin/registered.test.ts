import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ibpKit, rows, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

describe('registerednumbers', () => {
  it('add, list and remove, one entry per number however it is written', async () => {
    const added = await kit.call('registerednumbers.add', { phone: '3125550001', description: 'Office' });
    expect([added.get('phone'), added.get('description'), added.get('created')]).toEqual(['+13125550001', 'Office', '1']);
    kit.clock.advance(60_000);
    expect((await kit.call('registerednumbers.add', { phone: '+1 (312) 555-0001', description: 'Front desk' })).get('created')).toBe('0');
    await kit.call('registerednumbers.add', { phone: '3125550002' });
    expect(rows((await kit.call('registerednumbers.list')).xml!, 'registered_numbers')).toEqual([
      { phone: '+13125550001', description: 'Front desk', date_added: '2026-12-06 12:00:00' },
      { phone: '+13125550002', description: '', date_added: '2026-12-06 12:01:00' },
    ]);
    expect((await kit.call('registerednumbers.remove', { phone: '13125550001' })).get('phone')).toBe('+13125550001');
    expect(rows((await kit.call('registerednumbers.list')).xml!, 'registered_numbers').map((n) => n['phone'])).toEqual(['+13125550002']);
  });

  it.each([
    ['registerednumbers.add', {}, 'Missing Required Parameter: phone'],
    ['registerednumbers.add', { phone: 'office' }, 'Invalid Parameter: phone (not a phone number)'],
    ['registerednumbers.add', { phone: '3125550001', description: 'x'.repeat(201) }, 'Invalid Parameter: description (at most 200 characters)'],
    ['registerednumbers.remove', {}, 'Missing Required Parameter: phone'],
    ['registerednumbers.remove', { phone: '12' }, 'Invalid Parameter: phone (not a phone number)'],
    ['registerednumbers.remove', { phone: '3125550009' }, 'Not Found: +13125550009 is not a registered number'],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});
