/**
 * `vmail.*`: voicemail boxes and their messages (recordings of kind `voicemail`). Hookline has no
 * telephone access to a mailbox and sends no e-mail: `pin`, `email_address`, `send_email` and
 * `envelope` are checked as the original checked them, then noted in the answer as having no effect
 * (messages reach people through the box's `notify_url`, set with the Administration API's JSON form).
 * A greeting is recorded by uploading it (`recording.upload type=vmail`), not by phone.
 */
import path from 'node:path';
import { AdminError } from '../../admin/errors.js';
import type { RecordingRecord } from '../../store/types.js';
import { existing, seconds, zoneOf, type IbpAction, type IbpActions, type IbpServices } from './context.js';
import { localTimestamp } from './dates.js';
import { invalid, notOffered } from './params.js';
import type { XmlNode } from './xml.js';

export const DEFAULT_GREETING = 'Please leave a message after the tone.';
const MAX_LISTED = 5000;

export const VMAIL_FIELDS = { id: 'box_id', name: 'name', greeting: 'greeting' } as const;

function messageNode(r: RecordingRecord, zone: string): XmlNode {
  return [
    'message',
    [
      ['message_id', r.id],
      ['box_id', r.voicemailId],
      ['sid', r.sessionId],
      ['caller_id', r.callerId],
      ['date_added', localTimestamp(r.createdAt, zone)],
      ['duration', seconds(r.durationMs)],
      ['file_name', path.basename(r.path)],
    ],
  ];
}

/** A box's greeting as it is said: text and audio files in order. */
function greetingNode(greeting: unknown): XmlNode {
  const parts = typeof greeting === 'string' ? [{ text: greeting }] : Array.isArray(greeting) ? (greeting as Array<{ text?: string; audio?: string }>) : [];
  return ['greeting', parts.map((p): XmlNode => (p.audio !== undefined ? ['audio', p.audio] : ['text', p.text ?? '']))];
}

/** A box's messages; Not Found when neither the box nor any message of it exists. */
async function boxMessages(s: IbpServices, id: number): Promise<RecordingRecord[]> {
  const recs = await s.store.reports.recordings({ kind: 'voicemail', voicemailId: id }, MAX_LISTED);
  if (recs.length === 0 && !s.config.entry('voicemail', String(id))) throw new AdminError('not_found', `no voicemail box with id ${id}`);
  return recs;
}

async function message(s: IbpServices, id: number): Promise<RecordingRecord> {
  const rec = await s.store.reports.recording(id);
  if (!rec || rec.kind !== 'voicemail') throw new AdminError('not_found', `no voicemail message with id ${id}`);
  return rec;
}

const getMessageById: IbpAction = {
  scope: 'read',
  run: async (req, s) => ({ xml: [['messages', [messageNode(await message(s, req.params.id('vmail_id')), zoneOf(s))]]] }),
};

const getMessageBySid: IbpAction = {
  scope: 'read',
  run: async (req, s) => {
    const sid = req.params.required('vmail_sid').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(sid)) throw invalid('vmail_sid', 'expected a session id: 32 hexadecimal digits');
    const box = req.params.optionalId('vmail_id');
    const recs = await s.store.reports.recordings({ kind: 'voicemail', sessionId: sid, ...(box !== undefined ? { voicemailId: box } : {}) }, MAX_LISTED);
    if (recs.length === 0) throw new AdminError('not_found', `no voicemail message was left in session ${sid}${box !== undefined ? ` for box ${box}` : ''}`);
    return { xml: [['messages', recs.map((r) => messageNode(r, zoneOf(s)))]] };
  },
};

export const vmailActions: IbpActions = {
  'vmail.createbox': {
    scope: 'admin',
    fields: VMAIL_FIELDS,
    run: async (req, s) => {
      const p = req.params;
      const pin = p.text('pin');
      if (pin !== undefined && !/^[0-9]{4}$/.test(pin)) throw invalid('pin', 'expected exactly 4 digits');
      const sendEmail = p.flag('send_email');
      const envelope = p.flag('envelope');
      if (pin !== undefined || envelope !== undefined) req.note('pin and envelope are ignored: hookline has no telephone access to a mailbox');
      if (p.has('email_address') || sendEmail !== undefined) {
        req.note('email_address and send_email are ignored: hookline sends no e-mail; set the box’s notify_url to be told of each message');
      }
      const created = await s.config.write('voicemail', undefined, { name: p.text('name') ?? '', greeting: DEFAULT_GREETING }, { mode: 'create' }, req.actor);
      return { xml: [['box_id', created.entry.key]] };
    },
  },

  'vmail.deletebox': {
    scope: 'admin',
    fields: VMAIL_FIELDS,
    run: async (req, s) => {
      const entry = existing(s, 'voicemail', req.params.id('box_id'));
      await s.config.remove('voicemail', entry.key, [entry.etag], req.actor);
      return { xml: [['box_id', entry.key]] };
    },
  },

  'vmail.getmessages': {
    scope: 'read',
    run: async (req, s) => {
      const id = req.params.id('box_id');
      const greetings = req.params.flag('greetings');
      const recs = await boxMessages(s, id);
      if (recs.length >= MAX_LISTED) req.note(`only the first ${MAX_LISTED} messages are listed`);
      const box = s.config.entry('voicemail', String(id));
      return {
        xml: [
          ['box_id', id],
          ['messages', recs.map((r) => messageNode(r, zoneOf(s)))],
          ['greetings', greetings && box ? [greetingNode(box.value['greeting'])] : undefined],
        ],
      };
    },
  },

  'vmail.deletemessage': {
    scope: 'admin',
    run: async (req, s) => {
      const box = req.params.id('box_id');
      const rec = await message(s, req.params.id('message_id'));
      if (rec.voicemailId !== box) throw new AdminError('not_found', `voicemail box ${box} has no message ${rec.id}`);
      await s.recordings.remove(rec);
      return { xml: [['box_id', box], ['message_id', rec.id]] };
    },
  },

  // Both original clients send these two without the group (`action=getmessagebyid`); both forms work.
  'vmail.getmessagebyid': getMessageById,
  getmessagebyid: getMessageById,
  'vmail.getmessagebysid': getMessageBySid,
  getmessagebysid: getMessageBySid,

  'vmail.recordgreeting': {
    scope: 'admin',
    run: async () => {
      throw notOffered('Not Offered: vmail.recordgreeting: hookline does not call you to record a greeting; upload one with recording.upload type=vmail (or through the audio library)');
    },
  },
};
