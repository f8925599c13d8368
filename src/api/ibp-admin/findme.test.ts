import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ibpKit, rows, SID_A, SID_B, T0, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

const value = (id: string) => kit.config.entry('findme', id)!.value;

async function created(fields: Record<string, string>): Promise<string> {
  const r = await kit.call('findme.create', fields);
  expect(r.description).toBeUndefined();
  expect(r.result).toBe('success');
  return r.get('findme_id')!;
}

describe('findme.create', () => {
  it('makes a Find Me from the original parameters, with the original defaults', async () => {
    const id = await created({ name: 'Sales', numbers: '3125550102,(312) 555-0103', simul: '2', timeout: '25', record: '1', loop_count: '3', distribution_type: '1', findme_action: '2', findme_action_parameter: '7', auto_accept: '1', whisper_phrase: 'Sales call', screen_method: '1' });
    expect(id).toBe('5'); // after the file's Find Me 4
    expect(value(id)).toMatchObject({
      name: 'Sales', phone_list: ['+13125550102', '+13125550103'], simultaneous: 2, timeout_s: 25, record: 1, loop_count: 3, randomize: true,
      nextaction: 2, nextactionitem: 7, auto_accept: 1, whisper_phrase: 'Sales call', screen_method: 1,
    });
    // Without them: the caller's name is recorded for screening, and each number rings 30 seconds.
    expect(value(await created({ numbers: '3125550104' }))).toMatchObject({ screen_method: 0, timeout_s: 30, randomize: false, name: '' });
  });

  it('takes the PHP client’s `method` for screen_method, and notes settings without effect', async () => {
    const r = await kit.call('findme.create', { numbers: '3125550102', method: '3', list_type: '2', screen_prompt: 'Hi', dtmf_only: '0', holdrepeat: '1', advanced_audio_id: '9' });
    expect(r.result).toBe('success');
    expect(value(r.get('findme_id')!)['screen_method']).toBe(3);
    expect(r.xml!.children.find((c) => c.name === 'notes')!.children.map((n) => n.text.split(' ')[0])).toEqual(['list_type', 'screen_prompt', 'dtmf_only', 'holdrepeat', 'advanced_audio_id']);
  });

  it.each([
    [{}, 'Missing Required Parameter: numbers'],
    [{ numbers: 'sales' }, 'Invalid Parameter: numbers (not a phone number)'],
    [{ numbers: '3125550102', timeout: '5' }, 'Invalid Parameter: timeout (expected a whole number from 10 to 60)'],
    [{ numbers: '3125550102', simul: 'two' }, 'Invalid Parameter: simul (expected a whole number from 1 to 20)'],
    [{ numbers: '3125550102', record: 'yes' }, 'Invalid Parameter: record (expected 1 or 0)'],
    [{ numbers: '3125550102', auto_accept: '4' }, 'Invalid Parameter: auto_accept (expected a whole number from 0 to 3)'],
    [{ numbers: '3125550102', distribution_type: '2' }, 'Not Offered: distribution_type 2 (round robin): hookline rings a Find Me in list order, or at random with distribution_type=1'],
    [{ numbers: '3125550102', findme_action: '2' }, 'Invalid Parameter: findme_action_parameter (required when nextaction is 2: the id of the voicemail to route to)'],
    [{ numbers: '3125550102', findme_action: '2', findme_action_parameter: '99' }, 'Invalid Parameter: findme_action_parameter (no voicemail with id 99 in the configuration (nextaction 2 routes to a voicemail))'],
    [{ numbers: '3125550102', screen_method: '1' }, 'Invalid Parameter: whisper_phrase (required when screen_method is 1 (whisper text))'],
    [{ numbers: '3125550102', holdmusic: 'music.mp3' }, 'Invalid Parameter: holdmusic (expected ringback or a .wav file name from the audio library)'],
  ])('%j: %s', async (fields, description) => {
    const r = await kit.call('findme.create', fields);
    expect([r.result, r.description]).toEqual(['failed', description]);
    expect(kit.config.entries('findme').map((e) => e.key)).toEqual(['4']);
  });
});

describe('findme.update_list_settings', () => {
  it('changes only what is given', async () => {
    const id = await created({ name: 'Sales', numbers: '3125550102', timeout: '25' });
    const r = await kit.call('findme.update_list_settings', { findme_id: id, name: 'Support', distribution_type: '0', holdmusic: 'ringback' });
    expect(r.result).toBe('success');
    expect(value(id)).toMatchObject({ name: 'Support', timeout_s: 25, randomize: false, phone_list: ['+13125550102'] });
  });

  it.each([
    [{}, 'Missing Required Parameter: findme_id'],
    [{ findme_id: 'x' }, 'Invalid Parameter: findme_id (expected an id: a positive whole number)'],
    [{ findme_id: '99', name: 'x' }, 'Not Found: no Find Me with id 99'],
    [{ findme_id: '5' }, 'Missing Required Parameter: no setting to change was given (name, numbers, loop_count, distribution_type, record, screen_method, holdmusic, timeout, whisper_phrase, findme_action, ...)'],
    [{ findme_id: '5', loop_count: '11' }, 'Invalid Parameter: loop_count (expected a whole number from 1 to 10)'],
  ])('%j: %s', async (fields, description) => {
    await created({ numbers: '3125550102' });
    expect((await kit.call('findme.update_list_settings', fields)).description).toBe(description);
  });

  it('leaves a Find Me of the flows file alone, saying so', async () => {
    const r = await kit.call('findme.update_list_settings', { findme_id: '4', name: 'x' });
    expect(r.description).toMatch(/^Not Allowed: Find Me 4 is defined in flows.yaml and managed by that file/);
  });
});

describe('numbers of a Find Me', () => {
  it('add_number appends and says its position; get_phone_list lists by position; delete_number takes one out; empty clears', async () => {
    const id = await created({ numbers: '3125550102' });
    const added = await kit.call('findme.add_number', { findme_id: id, phone_number: '3125550103' });
    expect([added.get('findme_number_id'), added.get('phone_number')]).toEqual(['2', '+13125550103']);
    await kit.call('findme.add_number', { findme_id: id, phone_number: '+13125550104' });
    const list = await kit.call('findme.get_phone_list', { findme_id: id });
    expect(rows(list.xml!, 'numbers')).toEqual([
      { findme_number_id: '1', phone_number: '+13125550102' },
      { findme_number_id: '2', phone_number: '+13125550103' },
      { findme_number_id: '3', phone_number: '+13125550104' },
    ]);
    const removed = await kit.call('findme.delete_number', { findme_id: id, findme_number_id: '2' });
    expect(removed.get('phone_number')).toBe('+13125550103');
    expect(value(id)['phone_list']).toEqual(['+13125550102', '+13125550104']);
    expect((await kit.call('findme.empty', { findme_id: id })).result).toBe('success');
    expect(value(id)['phone_list']).toEqual([]);
    expect(rows((await kit.call('findme.get_phone_list', { findme_id: id })).xml!, 'numbers')).toEqual([]);
    expect((await kit.call('findme.delete_number', { findme_id: id, findme_number_id: '1' })).description).toBe(`Invalid Parameter: findme_number_id (Find Me ${id} has no numbers)`);
  });

  it.each([
    ['findme.add_number', {}, 'Missing Required Parameter: findme_id'],
    ['findme.add_number', { findme_id: '5' }, 'Missing Required Parameter: phone_number'],
    ['findme.add_number', { findme_id: '5', phone_number: 'x' }, 'Invalid Parameter: phone_number (not a phone number)'],
    ['findme.add_number', { findme_id: '5', phone_number: '3125550102' }, 'Invalid Parameter: phone_number (+13125550102 is already number 1 of Find Me 5)'],
    ['findme.add_number', { findme_id: '4', phone_number: '3125550109' }, 'Not Allowed: Find Me 4 is defined in flows.yaml and managed by that file: edit the file, then reload (SIGHUP) or restart hookline'],
    ['findme.delete_number', { findme_id: '5' }, 'Missing Required Parameter: findme_number_id'],
    ['findme.delete_number', { findme_id: '5', findme_number_id: '2' }, 'Invalid Parameter: findme_number_id (expected a whole number from 1 to 1)'],
    ['findme.empty', {}, 'Missing Required Parameter: findme_id'],
    ['findme.empty', { findme_id: '98' }, 'Not Found: no Find Me with id 98'],
    ['findme.get_phone_list', {}, 'Missing Required Parameter: findme_id'],
    ['findme.get_phone_list', { findme_id: '0' }, 'Invalid Parameter: findme_id (expected an id: a positive whole number)'],
  ])('%s %j: %s', async (action, fields, description) => {
    await created({ numbers: '3125550102' });
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});

describe('findme.delete and findme.get_findme_list', () => {
  it('lists file and API Find Mes, and deletes one made through the API', async () => {
    const id = await created({ name: 'Sales', numbers: '3125550102,3125550103' });
    const list = await kit.call('findme.get_findme_list');
    expect(rows(list.xml!, 'findmes')).toEqual([
      { findme_id: '4', name: 'Office', number_count: '1', managed_by: 'file' },
      { findme_id: id, name: 'Sales', number_count: '2', managed_by: 'api' },
    ]);
    expect((await kit.call('findme.delete', { findme_id: id })).get('findme_id')).toBe(id);
    expect(kit.config.entry('findme', id)).toBeUndefined();
  });

  it.each([
    [{}, 'Missing Required Parameter: findme_id'],
    [{ findme_id: '99' }, 'Not Found: no Find Me with id 99'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('findme.delete', fields)).description).toBe(description);
  });

  it('will not delete a Find Me something still routes to', async () => {
    const id = await created({ numbers: '3125550102' });
    await kit.call('routing.configure', { phone_number: '8005550111', routing_type: 'findme', parameter1: id });
    expect((await kit.call('findme.delete', { findme_id: id })).description).toMatch(/^Conflict: Find Me 5 is still used/);
  });
});

describe('recorded calls of a Find Me', () => {
  beforeEach(async () => {
    const base = { kind: 'call' as const, durationMs: 61_400, callerId: '+13125550001' };
    await kit.addRecording({ ...base, sessionId: SID_A, path: `recordings/${SID_A}/call-1.wav`, createdAt: new Date(T0), findmeId: 4 });
    await kit.addRecording({ ...base, sessionId: SID_B, path: `recordings/${SID_B}/call-1.wav`, createdAt: new Date(T0 + 1000), findmeId: 4 });
    await kit.addRecording({ ...base, sessionId: 'c'.repeat(32), path: `recordings/${'c'.repeat(32)}/call-2.wav`, createdAt: new Date(T0 + 2000), findmeId: 4 });
  });

  it('get_recorded_calls_list gives name, session, caller, time in the flows file’s zone and seconds', async () => {
    const r = await kit.call('findme.get_recorded_calls_list', { findme_id: '4' });
    expect(rows(r.xml!, 'recordings')[0]).toEqual({ recording_name: 'call-1.wav', sid: SID_A, caller_id: '+13125550001', date_added: '2026-12-06 12:00:00', duration: '61' });
    expect(rows(r.xml!, 'recordings')).toHaveLength(3);
    expect(rows((await kit.call('findme.get_recorded_calls_list', { findme_id: '3' })).xml!, 'recordings')).toEqual([]);
  });

  it('delete_recorded_call takes the file name, or <sid>/<name> when two share it', async () => {
    expect((await kit.call('findme.delete_recorded_call', { findme_id: '4', recording_name: 'call-2.wav' })).result).toBe('success');
    expect((await kit.call('findme.delete_recorded_call', { findme_id: '4', recording_name: 'call-1.wav' })).description).toBe(
      'Invalid Parameter: recording_name (2 recordings are named call-1.wav; name one as <sid>/call-1.wav)',
    );
    expect((await kit.call('findme.delete_recorded_call', { findme_id: '4', recording_name: `${SID_B}/call-1.wav` })).result).toBe('success');
    expect(rows((await kit.call('findme.get_recorded_calls_list', { findme_id: '4' })).xml!, 'recordings').map((r) => r['sid'])).toEqual([SID_A]);
  });

  it.each([
    ['findme.get_recorded_calls_list', {}, 'Missing Required Parameter: findme_id'],
    ['findme.get_recorded_calls_list', { findme_id: '99' }, 'Not Found: no Find Me with id 99'],
    ['findme.delete_recorded_call', { findme_id: '4' }, 'Missing Required Parameter: recording_name'],
    ['findme.delete_recorded_call', { recording_name: 'call-2.wav' }, 'Missing Required Parameter: findme_id'],
    ['findme.delete_recorded_call', { findme_id: '4', recording_name: 'nope.wav' }, 'Not Found: Find Me 4 has no recording named nope.wav'],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});
