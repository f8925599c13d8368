import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GREETING } from './vmail.js';
import { at, ibpKit, rows, SID_A, SID_B, T0, type IbpKit } from './testing.js';

let kit: IbpKit;
beforeEach(async () => (kit = await ibpKit()));
afterEach(() => kit.close());

const notes = (r: { xml?: Parameters<typeof at>[0] }) => (r.xml && at(r.xml, 'notes')?.children.map((n) => n.text)) ?? [];

describe('vmail.createbox and vmail.deletebox', () => {
  it('makes a box with the default greeting; pin, envelope and e-mail are noted as without effect', async () => {
    const r = await kit.call('vmail.createbox', { name: 'Sales', pin: '1234', email_address: 'sales@example.com', send_email: '1', envelope: '0' });
    expect(r.result).toBe('success');
    expect(r.get('box_id')).toBe('8');
    expect(kit.config.entry('voicemail', '8')!.value).toMatchObject({ name: 'Sales', greeting: DEFAULT_GREETING });
    expect(notes(r)).toEqual([
      'pin and envelope are ignored: hookline has no telephone access to a mailbox',
      'email_address and send_email are ignored: hookline sends no e-mail; set the box’s notify_url to be told of each message',
    ]);
    expect(notes(await kit.call('vmail.createbox', { name: 'Plain' }))).toEqual([]);
    expect((await kit.call('vmail.deletebox', { box_id: '8' })).get('box_id')).toBe('8');
    expect(kit.config.entry('voicemail', '8')).toBeUndefined();
  });

  it.each([
    ['vmail.createbox', { pin: '12' }, 'Invalid Parameter: pin (expected exactly 4 digits)'],
    ['vmail.createbox', { send_email: '2' }, 'Invalid Parameter: send_email (expected 1 or 0)'],
    ['vmail.createbox', { name: 'x'.repeat(201) }, 'Invalid Parameter: name (must be at most 200 characters)'],
    ['vmail.deletebox', {}, 'Missing Required Parameter: box_id'],
    ['vmail.deletebox', { box_id: '99' }, 'Not Found: no voicemail box with id 99'],
    ['vmail.deletebox', { box_id: '7' }, 'Not Allowed: voicemail box 7 is defined in flows.yaml and managed by that file: edit the file, then reload (SIGHUP) or restart hookline'],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});

describe('messages', () => {
  let first: number;
  let second: number;
  beforeEach(async () => {
    const base = { kind: 'voicemail' as const, callerId: '+13125550001', voicemailId: 7 };
    first = await kit.addRecording({ ...base, sessionId: SID_A, path: `recordings/voicemail/7/${SID_A}-1.wav`, durationMs: 20_400, createdAt: new Date(T0) });
    second = await kit.addRecording({ ...base, sessionId: SID_B, path: `recordings/voicemail/7/${SID_B}-2.wav`, durationMs: 5_000, createdAt: new Date(T0 + 60_000) });
  });

  it('getmessages lists a box’s messages, with its greeting when asked', async () => {
    const r = await kit.call('vmail.getmessages', { box_id: '7', greetings: '1' });
    expect(rows(r.xml!, 'messages')).toEqual([
      { message_id: String(first), box_id: '7', sid: SID_A, caller_id: '+13125550001', date_added: '2026-12-06 12:00:00', duration: '20', file_name: `${SID_A}-1.wav` },
      { message_id: String(second), box_id: '7', sid: SID_B, caller_id: '+13125550001', date_added: '2026-12-06 12:01:00', duration: '5', file_name: `${SID_B}-2.wav` },
    ]);
    expect(rows(r.xml!, 'greetings')).toEqual([{ text: 'Leave a message.' }]);
    expect(at((await kit.call('vmail.getmessages', { box_id: '7' })).xml!, 'greetings')).toBeUndefined();
  });

  it('getmessagebyid and getmessagebysid find messages, with and without the group in the action', async () => {
    for (const action of ['getmessagebyid', 'vmail.getmessagebyid']) {
      expect(rows((await kit.call(action, { vmail_id: String(second) })).xml!, 'messages').map((m) => m['sid'])).toEqual([SID_B]);
    }
    for (const action of ['getmessagebysid', 'vmail.getmessagebysid']) {
      expect(rows((await kit.call(action, { vmail_sid: SID_A, vmail_id: '7' })).xml!, 'messages').map((m) => m['message_id'])).toEqual([String(first)]);
      expect(rows((await kit.call(action, { vmail_sid: SID_A.toUpperCase() })).xml!, 'messages')).toHaveLength(1);
    }
  });

  it('deletemessage removes the message and its file', async () => {
    const file = path.join(kit.dataDir, `recordings/voicemail/7/${SID_A}-1.wav`);
    await stat(file);
    expect((await kit.call('vmail.deletemessage', { box_id: '7', message_id: String(first) })).result).toBe('success');
    await expect(stat(file)).rejects.toThrow();
    expect(rows((await kit.call('vmail.getmessages', { box_id: '7' })).xml!, 'messages').map((m) => m['message_id'])).toEqual([String(second)]);
  });

  it.each([
    ['vmail.getmessages', {}, 'Missing Required Parameter: box_id'],
    ['vmail.getmessages', { box_id: '99' }, 'Not Found: no voicemail box with id 99'],
    ['vmail.getmessages', { box_id: '7', greetings: 'yes' }, 'Invalid Parameter: greetings (expected 1 or 0)'],
    ['vmail.deletemessage', { box_id: '7' }, 'Missing Required Parameter: message_id'],
    ['vmail.deletemessage', { message_id: '1' }, 'Missing Required Parameter: box_id'],
    ['vmail.deletemessage', { box_id: '8', message_id: '1' }, 'Not Found: voicemail box 8 has no message 1'],
    ['vmail.deletemessage', { box_id: '7', message_id: '999' }, 'Not Found: no voicemail message with id 999'],
    ['getmessagebyid', {}, 'Missing Required Parameter: vmail_id'],
    ['getmessagebyid', { vmail_id: '999' }, 'Not Found: no voicemail message with id 999'],
    ['getmessagebysid', {}, 'Missing Required Parameter: vmail_sid'],
    ['getmessagebysid', { vmail_sid: 'abc' }, 'Invalid Parameter: vmail_sid (expected a session id: 32 hexadecimal digits)'],
    ['getmessagebysid', { vmail_sid: 'c'.repeat(32) }, `Not Found: no voicemail message was left in session ${'c'.repeat(32)}`],
    ['getmessagebysid', { vmail_sid: SID_A, vmail_id: '8' }, `Not Found: no voicemail message was left in session ${SID_A} for box 8`],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});

describe('vmail.recordgreeting', () => {
  it('is not offered, and says how to set a greeting instead', async () => {
    const r = await kit.call('vmail.recordgreeting', { box_id: '7', type: 'greeting', phone_to_call: '3125550101' });
    expect([r.result, r.description]).toEqual([
      'failed',
      'Not Offered: vmail.recordgreeting: hookline does not call you to record a greeting; upload one with recording.upload type=vmail (or through the audio library)',
    ]);
  });
});
