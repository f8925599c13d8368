/**
 * `routing.*`: which building block a dialed number starts (the flows file's `numbers`), with the
 * original's routing types for the four kinds of block hookline has. A number is matched to an
 * existing entry whatever its form (8005550100, 18005550100, +18005550100 are one number); a new
 * one is stored as written, since calls match it exactly as the trunk presents the dialed number.
 */
import { normaliseDialNumber } from '../../config/dial-policy.js';
import { PHONE_NUMBER } from '../../config/schema.js';
import type { ConfigEntry } from '../../admin/config-service.js';
import type { ConfigKind } from '../../admin/config-kinds.js';
import { AdminError } from '../../admin/errors.js';
import { type IbpActions, type IbpServices } from './context.js';
import { BLOCK_TYPES } from './general.js';
import { invalid, missing, notOffered, type Params } from './params.js';
import { tableAnswer, type Row } from './tables.js';

export const NUMBER_FIELDS = { number: 'phone_number', to: 'parameter1', label: 'description' } as const;

const KIND_OF: Readonly<Record<string, ConfigKind>> = Object.fromEntries(BLOCK_TYPES.map((b) => [b.type, b.kind]));
const TYPE_OF: Readonly<Record<string, string>> = Object.fromEntries(BLOCK_TYPES.map((b) => [b.kind, b.type]));

/** The original's other routing types, each with why hookline has none. */
const NOT_OFFERED_TYPES: Readonly<Record<string, string>> = {
  transfer: 'route the number to a Find Me with one number',
  transfer_w_whisper: 'route the number to a Find Me with one number and a whisper_phrase',
  locator: 'hookline has no store locator',
  broadcast_from_phone: 'hookline places no voice broadcasts',
  call_distributor: 'hookline has no call distributor',
  phone_directory: 'hookline has no phone directory',
  voting: 'hookline has no VoteByPhone',
};

const ROUTING_TYPES = [...BLOCK_TYPES.map((b) => b.type), ...Object.keys(NOT_OFFERED_TYPES)];

/** The `numbers` entry this number is, however it is written; or the form to store a new one under. */
function numberKey(s: IbpServices, p: Params): { key: string; entry: ConfigEntry | undefined } {
  const written = p.required('phone_number').replace(/[\s().-]/g, '');
  if (!PHONE_NUMBER.test(written)) throw invalid('phone_number', 'not a phone number');
  const same = normaliseDialNumber(written);
  const entry = s.config.entries('number').find((e) => e.key === written || normaliseDialNumber(e.key) === same);
  return { key: entry?.key ?? written, entry };
}

function routeOf(e: ConfigEntry): { type: string; id: string } {
  const [kind = '', id = ''] = String(e.value['to'] ?? '').split('/');
  return { type: TYPE_OF[kind] ?? kind, id };
}

export const routingActions: IbpActions = {
  'routing.configure': {
    scope: 'admin',
    fields: NUMBER_FIELDS,
    run: async (req, s) => {
      const p = req.params;
      const { key, entry } = numberKey(s, p);
      const type = p.choice('routing_type', ROUTING_TYPES);
      if (type === undefined) throw missing('routing_type');
      if (Object.hasOwn(NOT_OFFERED_TYPES, type)) throw notOffered(`Not Offered: routing_type ${type}: ${NOT_OFFERED_TYPES[type]}`);
      const kind = KIND_OF[type]!;
      const id = p.id('parameter1');
      if (!s.config.entry(kind, String(id))) throw invalid('parameter1', `no ${BLOCK_TYPES.find((b) => b.kind === kind)?.label} with id ${id}`);
      if (p.has('parameter2', 'parameter3', 'parameter4')) req.note('parameter2 to parameter4 (a prompt or whisper before routing) are ignored: say it in the building block');
      for (const name of ['record_call', 'recording_warning', 'reverse_lookup', 'play_ring']) {
        if (p.has(name)) req.note(`${name} is ignored: hookline records calls per Find Me (record), and has no reverse lookup`);
      }
      const label = p.text('description') ?? (entry ? String(entry.value['label'] ?? '') : '');
      await s.config.write('number', key, { number: key, to: `${kind}/${id}`, label }, { mode: 'put', ...(entry ? { ifMatch: [entry.etag] } : {}) }, req.actor);
      return { xml: [['phone_number', key], ['routing_type', type], ['parameter1', id], ['description', label]] };
    },
  },

  'routing.numbers': {
    scope: 'read',
    run: async (req, s) => {
      const format = req.params.choice('format', ['xml', 'csv'] as const) ?? 'xml';
      const rows = s.config.entries('number').map((e): Row => {
        const r = routeOf(e);
        return { phone_number: e.key, routing_type: r.type, parameter1: r.id, description: String(e.value['label'] ?? ''), managed_by: e.managedBy };
      });
      return tableAnswer(format, ['phone_number', 'routing_type', 'parameter1', 'description', 'managed_by'], rows, { list: 'numbers', item: 'number', filename: 'numbers' });
    },
  },

  'routing.update_label': {
    scope: 'admin',
    fields: NUMBER_FIELDS,
    run: async (req, s) => {
      const { key, entry } = numberKey(s, req.params);
      if (!entry) throw new AdminError('not_found', `${key} is not a number in the configuration; route it with routing.configure`);
      // Present but empty clears the label; absent is a mistake.
      const label = req.params.fields.get('description');
      if (label === undefined) throw missing('description');
      await s.config.write('number', key, { ...entry.value, label: label.trim() }, { mode: 'put', ifMatch: [entry.etag] }, req.actor);
      return { xml: [['phone_number', key], ['description', label.trim()]] };
    },
  },

  'routing.advanced': {
    scope: 'admin',
    run: async () => {
      throw notOffered(
        'Not Offered: routing.advanced: reverse lookup, whole-call recording with its warnings, always_ring and the Google Analytics fields have no equivalent in hookline; calls are recorded per Find Me (record)',
      );
    },
  },
};
