import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { at, ibpKit, rows, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

const numbers = () => kit.config.entries('number').map((e) => [e.key, e.value['to'], e.value['label']]);

describe('routing.configure', () => {
  it('routes a number to each kind of block by its original routing type, with description as the label', async () => {
    for (const [type, id, ref] of [['survo', '10', 'ivr/10'], ['findme', '4', 'findme/4'], ['vmail', '7', 'voicemail/7'], ['virtual_receptionist', '3', 'vr/3']]) {
      const r = await kit.call('routing.configure', { phone_number: '8005550111', routing_type: type!, parameter1: id!, description: `To ${type}` });
      expect([r.result, r.get('routing_type'), r.get('parameter1')]).toEqual(['success', type, id]);
      expect(kit.config.entry('number', '8005550111')!.value).toMatchObject({ to: ref, label: `To ${type}` });
    }
  });

  it('keeps the label when no description is given, finds a number however it is written, and notes what has no effect', async () => {
    await kit.call('routing.configure', { phone_number: '8005550111', routing_type: 'survo', parameter1: '10', description: 'Sales' });
    const r = await kit.call('routing.configure', { phone_number: '+1 800 555 0111', routing_type: 'findme', parameter1: '4', parameter2: 'Hello', record_call: '1' });
    expect(r.get('phone_number')).toBe('8005550111');
    expect(numbers()).toEqual([['8005550100', 'ivr/10', 'Main line'], ['8005550111', 'findme/4', 'Sales']]);
    expect(at(r.xml!, 'notes')!.children.map((n) => n.text)).toEqual([
      'parameter2 to parameter4 (a prompt or whisper before routing) are ignored: say it in the building block',
      'record_call is ignored: hookline records calls per Find Me (record), and has no reverse lookup',
    ]);
  });

  it.each([
    [{ routing_type: 'survo', parameter1: '10' }, 'Missing Required Parameter: phone_number'],
    [{ phone_number: 'sales', routing_type: 'survo', parameter1: '10' }, 'Invalid Parameter: phone_number (not a phone number)'],
    [{ phone_number: '8005550111', parameter1: '10' }, 'Missing Required Parameter: routing_type'],
    [{ phone_number: '8005550111', routing_type: 'fax', parameter1: '10' }, 'Invalid Parameter: routing_type (expected one of survo, findme, virtual_receptionist, vmail, transfer, transfer_w_whisper, locator, broadcast_from_phone, call_distributor, phone_directory, voting)'],
    [{ phone_number: '8005550111', routing_type: 'transfer', parameter1: '3125550101' }, 'Not Offered: routing_type transfer: route the number to a Find Me with one number'],
    [{ phone_number: '8005550111', routing_type: 'locator', parameter1: '1' }, 'Not Offered: routing_type locator: hookline has no store locator'],
    [{ phone_number: '8005550111', routing_type: 'survo' }, 'Missing Required Parameter: parameter1'],
    [{ phone_number: '8005550111', routing_type: 'survo', parameter1: '11' }, 'Invalid Parameter: parameter1 (no SurVo (IVR) with id 11)'],
    [{ phone_number: '8005550100', routing_type: 'findme', parameter1: '4' }, 'Not Allowed: number 8005550100 is defined in flows.yaml and managed by that file: edit the file, then reload (SIGHUP) or restart hookline'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('routing.configure', fields)).description).toBe(description);
  });
});

describe('routing.numbers', () => {
  beforeEach(() => kit.call('routing.configure', { phone_number: '8005550111', routing_type: 'vmail', parameter1: '7', description: 'After "hours", closed' }));

  it('lists every number as XML', async () => {
    expect(rows((await kit.call('routing.numbers', { format: 'xml' })).xml!, 'numbers')).toEqual([
      { phone_number: '8005550100', routing_type: 'survo', parameter1: '10', description: 'Main line', managed_by: 'file' },
      { phone_number: '8005550111', routing_type: 'vmail', parameter1: '7', description: 'After "hours", closed', managed_by: 'api' },
    ]);
  });

  it('and as CSV, quoted as RFC 4180 says', async () => {
    const r = await kit.call('routing.numbers', { format: 'csv' });
    expect(r.contentType).toBe('text/csv; charset=utf-8');
    expect(r.text).toContain('8005550111,vmail,7,"After ""hours"", closed",api\r\n');
    expect(parse(r.text, { columns: true })).toEqual([
      { phone_number: '8005550100', routing_type: 'survo', parameter1: '10', description: 'Main line', managed_by: 'file' },
      { phone_number: '8005550111', routing_type: 'vmail', parameter1: '7', description: 'After "hours", closed', managed_by: 'api' },
    ]);
  });

  it('refuses another format', async () => {
    expect((await kit.call('routing.numbers', { format: 'json' })).description).toBe('Invalid Parameter: format (expected one of xml, csv)');
  });
});

describe('routing.update_label and routing.advanced', () => {
  it('update_label changes only the label; an empty description clears it', async () => {
    await kit.call('routing.configure', { phone_number: '8005550111', routing_type: 'survo', parameter1: '10', description: 'Old' });
    expect((await kit.call('routing.update_label', { phone_number: '18005550111', description: 'New' })).result).toBe('success');
    expect(numbers()[1]).toEqual(['8005550111', 'ivr/10', 'New']);
    await kit.call('routing.update_label', { phone_number: '8005550111', description: '' });
    expect(numbers()[1]).toEqual(['8005550111', 'ivr/10', '']);
  });

  it.each([
    ['routing.update_label', { description: 'x' }, 'Missing Required Parameter: phone_number'],
    ['routing.update_label', { phone_number: '8005550199', description: 'x' }, 'Not Found: 8005550199 is not a number in the configuration; route it with routing.configure'],
    ['routing.update_label', { phone_number: '8005550100' }, 'Missing Required Parameter: description'],
    ['routing.update_label', { phone_number: '8005550100', description: 'x' }, 'Not Allowed: number 8005550100 is defined in flows.yaml and managed by that file: edit the file, then reload (SIGHUP) or restart hookline'],
    ['routing.advanced', { phone_number: '8005550100', reverse_lookup: '1' }, 'Not Offered: routing.advanced: reverse lookup, whole-call recording with its warnings, always_ring and the Google Analytics fields have no equivalent in hookline; calls are recorded per Find Me (record)'],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});
