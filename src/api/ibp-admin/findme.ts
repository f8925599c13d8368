/**
 * `findme.*`: Find Mes made, changed and listed with the original's parameter names, stored as
 * flows-file entries through the live configuration (so the same checks apply as to the file).
 * The original's names map onto the flows file's: numbers → phone_list, simul → simultaneous,
 * timeout → timeout_s, findme_action → nextaction, findme_action_parameter → nextactionitem,
 * distribution_type 1 → randomize. `findme_number_id` is a number's position in the list, from 1.
 */
import path from 'node:path';
import { AdminError } from '../../admin/errors.js';
import type { Json } from '../../admin/config-kinds.js';
import type { RecordingRecord } from '../../store/types.js';
import { localTimestamp } from './dates.js';
import { existing, seconds, update, zoneOf, type IbpActions, type IbpRequest, type IbpServices } from './context.js';
import { invalid, missing, notOffered, phoneValue, type Params } from './params.js';
import type { XmlNode } from './xml.js';

/** Flows-file field → the original's parameter (for messages from the configuration check). */
export const FINDME_FIELDS = {
  id: 'findme_id',
  name: 'name',
  phone_list: 'numbers',
  simultaneous: 'simul',
  timeout_s: 'timeout',
  screen_method: 'screen_method',
  whisper_phrase: 'whisper_phrase',
  whisper_audio: 'whisper_audio',
  record: 'record',
  auto_accept: 'auto_accept',
  nextaction: 'findme_action',
  nextactionitem: 'findme_action_parameter',
  loop_count: 'loop_count',
  randomize: 'distribution_type',
  holdmusic: 'holdmusic',
} as const;

/** Far more recorded calls than one answer should carry; the list says when it was cut. */
const MAX_LISTED = 5000;

/** `numbers`: "a single number or a comma-separated list" (`|` taken too, as Click-to-Find Me List writes lists). */
function numberList(p: Params): string[] | undefined {
  const raw = p.text('numbers');
  if (raw === undefined) return undefined;
  return raw
    .split(/[,|]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => phoneValue('numbers', s));
}

/** The settings create and update_list_settings share, as a flows-file patch; notes what has no effect. */
function settings(p: Params, req: IbpRequest): Json {
  const out: Json = {};
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) out[key] = v;
  };
  set('name', p.text('name'));
  const listType = p.int('list_type', 1, 2);
  if (listType === 2) req.note('list_type 2 (customer service hunt group) rings the list like an individual Find Me: hookline has one kind');
  set('loop_count', p.int('loop_count', 1, 10));
  const distribution = p.int('distribution_type', 0, 2);
  if (distribution === 2) {
    throw notOffered('Not Offered: distribution_type 2 (round robin): hookline rings a Find Me in list order, or at random with distribution_type=1');
  }
  if (distribution !== undefined) out['randomize'] = distribution === 1;
  const record = p.flag('record');
  if (record !== undefined) out['record'] = record ? 1 : 0;
  // The PHP client sends the screening method as `method`.
  set('screen_method', p.int(['screen_method', 'method'], 0, 3));
  if (p.has('screen_prompt')) req.note('screen_prompt is ignored: hookline asks the person answering to press 1 in its own words');
  if (p.flag('dtmf_only') === false) req.note('dtmf_only 0 is ignored: calls are accepted with the keypad only');
  set('holdmusic', p.text('holdmusic'));
  const holdRepeat = p.int('holdrepeat', 0, 2);
  if (holdRepeat !== undefined && holdRepeat !== 2) req.note(`holdrepeat ${holdRepeat} is ignored: hold audio repeats until someone answers`);
  set('timeout_s', p.int('timeout', 10, 60));
  set('whisper_phrase', p.text('whisper_phrase'));
  set('nextaction', p.int('findme_action', 1, 7));
  set('nextactionitem', p.optionalId('findme_action_parameter'));
  // Create-only in the original's documentation; taken on update too, where they mean the same.
  if (p.has('advanced_audio_id')) req.note('advanced_audio_id is ignored: hookline has no advanced audio prompt sets');
  set('phone_list', numberList(p));
  set('auto_accept', p.int('auto_accept', 0, 3));
  set('simultaneous', p.int('simul', 1, 20));
  set('whisper_audio', p.text('whisper_audio'));
  return out;
}

function phoneListOf(value: Json): string[] {
  const list = value['phone_list'];
  return Array.isArray(list) ? list.map(String) : [];
}

function findme(s: IbpServices, p: Params) {
  return existing(s, 'findme', p.id('findme_id'));
}

function recordingName(r: RecordingRecord): string {
  return path.basename(r.path);
}

function recordingNode(r: RecordingRecord, zone: string): XmlNode {
  return [
    'recording',
    [
      ['recording_name', recordingName(r)],
      ['sid', r.sessionId],
      ['caller_id', r.callerId],
      ['date_added', localTimestamp(r.createdAt, zone)],
      ['duration', seconds(r.durationMs)],
    ],
  ];
}

/** A Find Me's recorded calls; Not Found when neither the Find Me nor any recording of it exists. */
export async function findmeRecordings(s: IbpServices, id: number): Promise<RecordingRecord[]> {
  const recs = await s.store.reports.recordings({ kind: 'call', findmeId: id }, MAX_LISTED);
  if (recs.length === 0 && !s.config.entry('findme', String(id))) throw new AdminError('not_found', `no Find Me with id ${id}`);
  return recs;
}

export function recordingsXml(recs: RecordingRecord[], zone: string, req: IbpRequest): XmlNode[] {
  if (recs.length >= MAX_LISTED) req.note(`only the first ${MAX_LISTED} recordings are listed`);
  return [['recordings', recs.map((r) => recordingNode(r, zone))]];
}

export const findmeActions: IbpActions = {
  'findme.create': {
    scope: 'admin',
    fields: FINDME_FIELDS,
    run: async (req, s) => {
      const p = req.params;
      const body = settings(p, req);
      if (body['phone_list'] === undefined) throw missing('numbers');
      // The original's defaults where they differ from the flows file's: screening by the caller's
      // recorded name, 30 seconds of ringing.
      const created = await s.config.write('findme', undefined, { screen_method: 0, timeout_s: 30, ...body }, { mode: 'create' }, req.actor);
      return { xml: [['findme_id', created.entry.key]] };
    },
  },

  'findme.update_list_settings': {
    scope: 'admin',
    fields: FINDME_FIELDS,
    run: async (req, s) => {
      const entry = findme(s, req.params);
      const patch = settings(req.params, req);
      if (Object.keys(patch).length === 0 && req.notes.length === 0) {
        throw new AdminError('bad_request', 'Missing Required Parameter: no setting to change was given (name, numbers, loop_count, distribution_type, record, screen_method, holdmusic, timeout, whisper_phrase, findme_action, ...)');
      }
      await update(s, req, entry, patch);
      return { xml: [['findme_id', entry.key]] };
    },
  },

  'findme.delete': {
    scope: 'admin',
    fields: FINDME_FIELDS,
    run: async (req, s) => {
      const entry = findme(s, req.params);
      await s.config.remove('findme', entry.key, [entry.etag], req.actor);
      return { xml: [['findme_id', entry.key]] };
    },
  },

  'findme.add_number': {
    scope: 'admin',
    fields: { ...FINDME_FIELDS, phone_list: 'phone_number' },
    run: async (req, s) => {
      const entry = findme(s, req.params);
      const number = req.params.phone('phone_number');
      const list = phoneListOf(entry.value);
      const at = list.indexOf(number);
      if (at >= 0) throw invalid('phone_number', `${number} is already number ${at + 1} of Find Me ${entry.key}`);
      await update(s, req, entry, { phone_list: [...list, number] });
      return { xml: [['findme_id', entry.key], ['findme_number_id', list.length + 1], ['phone_number', number]] };
    },
  },

  'findme.delete_number': {
    scope: 'admin',
    fields: FINDME_FIELDS,
    run: async (req, s) => {
      const entry = findme(s, req.params);
      const list = phoneListOf(entry.value);
      if (list.length === 0) throw invalid('findme_number_id', `Find Me ${entry.key} has no numbers`);
      const position = req.params.requiredInt('findme_number_id', 1, list.length);
      const removed = list[position - 1];
      await update(s, req, entry, { phone_list: list.filter((_, i) => i !== position - 1) });
      return { xml: [['findme_id', entry.key], ['phone_number', removed]] };
    },
  },

  'findme.empty': {
    scope: 'admin',
    fields: FINDME_FIELDS,
    run: async (req, s) => {
      const entry = findme(s, req.params);
      await update(s, req, entry, { phone_list: [] });
      return { xml: [['findme_id', entry.key]] };
    },
  },

  'findme.get_findme_list': {
    scope: 'read',
    run: async (_req, s) => ({
      xml: [
        [
          'findmes',
          s.config.entries('findme').map((e): XmlNode => [
            'findme',
            [
              ['findme_id', e.key],
              ['name', String(e.value['name'] ?? '')],
              ['number_count', phoneListOf(e.value).length],
              ['managed_by', e.managedBy],
            ],
          ]),
        ],
      ],
    }),
  },

  'findme.get_phone_list': {
    scope: 'read',
    run: async (req, s) => {
      const entry = findme(s, req.params);
      const numbers = phoneListOf(entry.value).map((n, i): XmlNode => ['number', [['findme_number_id', i + 1], ['phone_number', n]]]);
      return { xml: [['findme_id', entry.key], ['numbers', numbers]] };
    },
  },

  'findme.get_recorded_calls_list': {
    scope: 'read',
    run: async (req, s) => {
      const id = req.params.id('findme_id');
      return { xml: [['findme_id', id], ...recordingsXml(await findmeRecordings(s, id), zoneOf(s), req)] };
    },
  },

  'findme.delete_recorded_call': {
    scope: 'admin',
    run: async (req, s) => {
      const id = req.params.id('findme_id');
      // The file name, or `<sid>/<file name>` when two calls' recordings share a name.
      const name = req.params.required('recording_name');
      const recs = (await findmeRecordings(s, id)).filter((r) => recordingName(r) === name || `${r.sessionId}/${recordingName(r)}` === name);
      if (recs.length === 0) throw new AdminError('not_found', `Find Me ${id} has no recording named ${name}`);
      if (recs.length > 1) throw invalid('recording_name', `${recs.length} recordings are named ${name}; name one as <sid>/${name}`);
      await s.recordings.remove(recs[0]!);
      return { xml: [['findme_id', id], ['recording_name', name]] };
    },
  },
};
