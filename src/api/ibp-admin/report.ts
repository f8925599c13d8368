/**
 * `report.*`: call detail and IVR (SurVo) results for a range of days in the flows file's time zone,
 * as XML, CSV or tab-separated text.
 *
 * Call detail columns are chosen with the original's flags (`date_added=1&ani=1...`); without any,
 * every column hookline has is given. Flags for what hookline does not record (activities,
 * switch/network minutes, transfer targets, reverse lookup) are named in a note; other unknown
 * parameters are ignored, as the original's were.
 */
import path from 'node:path';
import { normaliseDialNumber } from '../../config/dial-policy.js';
import type { CallRecord, InteractionRow } from '../../store/types.js';
import { zoneOf, type IbpAnswer, type IbpActions, type IbpRequest, type IbpServices } from './context.js';
import { inWindow, localTimestamp, minuteOfDay, startOfDay } from './dates.js';
import { invalid, missing, notOffered, type Params } from './params.js';
import { tableAnswer, type Row } from './tables.js';
import type { XmlNode } from './xml.js';

/** Rows one report may hold; a report that reaches it says so in a note. */
export const REPORT_MAX_ROWS = 10_000;

/** Call detail columns hookline has, in the order they are given. */
const CALL_COLUMNS = ['date_added', 'phone_label', 'dnis', 'ani', 'call_duration', 'enhanced_minutes', 'adj_enhanced', 'call_type', 'sid'] as const;
type CallColumn = (typeof CALL_COLUMNS)[number];

/** The original's flags for what hookline does not record. */
const UNAVAILABLE_FLAGS = [
  'first_activity', 'last_activity', 'activity_info', 'click_description', 'switch_minutes', 'network_minutes', 'adj_switch', 'adj_network',
  'transfer_type', 'transfer_to_number', 'last_name', 'first_name', 'street_address', 'city', 'state', 'zipcode',
] as const;

const FORMATS = ['xml', 'csv', 'text'] as const;

function range(p: Params, s: IbpServices): { from: Date; to: Date } {
  const start = p.date('start_date');
  const end = p.date('end_date');
  if (!start) throw missing('start_date');
  if (!end) throw missing('end_date');
  const zone = zoneOf(s);
  const from = startOfDay(start, zone);
  // end_date is the last day included.
  const to = startOfDay(end, zone, 1);
  if (to <= from) throw invalid('end_date', 'before start_date');
  return { from, to };
}

function capped(req: IbpRequest, n: number): void {
  if (n >= REPORT_MAX_ROWS) req.note(`the report stops at ${REPORT_MAX_ROWS} rows: ask for fewer days`);
}

/** `call_type_filter` Inbound|Outbound|Click-To; the PHP client may send it as a bare flag with the value in `call_type_value`. */
function direction(p: Params): CallRecord['direction'] | undefined {
  const name = p.text('call_type_filter') === '1' ? 'call_type_value' : 'call_type_filter';
  const v = p.text(name)?.toLowerCase();
  if (v === undefined || v === '1') return undefined;
  if (v === 'inbound') return 'inbound';
  // Every outbound call hookline places is started through the Call Initiation (Click-To) API.
  if (v === 'outbound' || v === 'click-to' || v === 'clickto') return 'outbound';
  throw invalid(name, 'expected Inbound, Outbound or Click-To');
}

function columnsAsked(p: Params, req: IbpRequest): CallColumn[] {
  const on = (name: string): boolean => {
    const v = p.text(name);
    return v !== undefined && v !== '0' && v.toLowerCase() !== 'false';
  };
  const missingFlags = UNAVAILABLE_FLAGS.filter(on);
  if (missingFlags.length > 0) req.note(`not recorded by hookline, so left out: ${missingFlags.join(', ')}`);
  const asked = CALL_COLUMNS.filter(on);
  return asked.length > 0 ? asked : [...CALL_COLUMNS];
}

function labels(s: IbpServices): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of s.config.entries('number')) {
    const label = String(e.value['label'] ?? '');
    out.set(e.key, label);
    const n = normaliseDialNumber(e.key);
    if (n) out.set(n, label);
  }
  return out;
}

function callRow(c: CallRecord, zone: string, labelOf: Map<string, string>): Record<CallColumn, string | number> {
  const monitored = c.monitoredSeconds;
  const dnisLabel = labelOf.get(c.to) ?? labelOf.get(normaliseDialNumber(c.to) ?? '') ?? '';
  return {
    date_added: localTimestamp(c.startedAt, zone),
    phone_label: c.direction === 'inbound' ? dnisLabel : '',
    dnis: c.to,
    ani: c.from,
    // "total duration rounded up to the next minute"; empty while the call is still going on.
    call_duration: c.endedAt ? Math.ceil((c.endedAt.getTime() - c.startedAt.getTime()) / 60_000) : '',
    // Recorded time, in tenths of a minute and rounded up to whole minutes.
    enhanced_minutes: Math.round(monitored / 6),
    adj_enhanced: Math.ceil(monitored / 60),
    call_type: c.direction === 'inbound' ? 'Inbound' : 'Outbound',
    sid: c.sessionId,
  };
}

async function callDetail(req: IbpRequest, s: IbpServices, format: (typeof FORMATS)[number], columns: readonly CallColumn[]): Promise<IbpAnswer> {
  const p = req.params;
  const { from, to } = range(p, s);
  const dir = direction(p);
  const startTime = p.timeOfDay('start_time');
  const endTime = p.timeOfDay('end_time');
  if ((startTime === undefined) !== (endTime === undefined)) throw missing(startTime === undefined ? 'start_time' : 'end_time', 'start_time and end_time go together');
  const zone = zoneOf(s);
  const calls = await s.store.reports.calls({ from, to, ...(dir ? { direction: dir } : {}) }, REPORT_MAX_ROWS);
  capped(req, calls.length);
  const inTime = startTime === undefined || endTime === undefined ? calls : calls.filter((c) => inWindow(minuteOfDay(c.startedAt, zone), startTime, endTime));
  const labelOf = labels(s);
  const rows = inTime.map((c) => callRow(c, zone, labelOf));
  return tableAnswer(format, columns, rows, { list: 'calls', item: 'call', filename: 'call_detail' });
}

function answerValue(a: InteractionRow['answers'][number]): string {
  return a.questionType === 'recorded' ? path.basename(a.value) : a.value;
}

function interactionNode(r: InteractionRow, zone: string): XmlNode {
  return [
    'interaction',
    [
      ['unique_id', r.responseId],
      ['sid', r.sessionId],
      ['date_added', localTimestamp(r.startedAt, zone)],
      ['ani', r.callerId],
      ['dnis', r.numberCalled],
      ['completed', r.completed],
      ['opted_out', r.optedOut],
      [
        'answers',
        r.answers.map((a): XmlNode => ['answer', [['question', a.questionNo], ['type', a.questionType], ['value', answerValue(a)], ['keys', a.keys]]]),
      ],
    ],
  ];
}

export const reportActions: IbpActions = {
  'report.broadcast': {
    scope: 'read',
    run: async () => {
      throw notOffered('Not Offered: report.broadcast: hookline places no voice broadcasts');
    },
  },

  'report.clickto': {
    scope: 'read',
    run: async () => {
      throw notOffered('Not Offered: report.clickto: hookline keeps no click-to report (page, ref); report.call_detail with call_type_filter=Outbound lists the calls it placed');
    },
  },

  'report.call_detail': {
    scope: 'read',
    run: (req, s) => callDetail(req, s, req.params.choice('format', FORMATS) ?? 'xml', columnsAsked(req.params, req)),
  },

  'report.call_detail_csv': {
    scope: 'read',
    run: (req, s) => {
      if (req.params.flag('lookup')) req.note('lookup is ignored: hookline has no reverse lookup');
      return callDetail(req, s, 'csv', CALL_COLUMNS);
    },
  },

  'report.survo': {
    scope: 'read',
    run: async (req, s) => {
      const p = req.params;
      const id = p.id('id', 'survo_id');
      const format = p.choice('format', FORMATS) ?? 'xml';
      const { from, to } = range(p, s);
      const zone = zoneOf(s);
      const rows = await s.store.reports.interactions({ ivrId: id, from, to }, REPORT_MAX_ROWS);
      capped(req, rows.length);
      if (format === 'xml') return { xml: [['survo_id', id], ['interactions', rows.map((r) => interactionNode(r, zone))]] };
      // One column per question, as many as the IVR asks now or any result answered.
      const asked = s.config.entry('ivr', String(id))?.value['questions'];
      const count = Math.max(Array.isArray(asked) ? asked.length : 0, ...rows.flatMap((r) => r.answers.map((a) => a.questionNo)));
      const questions = Array.from({ length: count }, (_, i) => `question_${i + 1}`);
      const table = rows.map((r): Row => ({
        unique_id: r.responseId,
        sid: r.sessionId,
        date_added: localTimestamp(r.startedAt, zone),
        ani: r.callerId,
        dnis: r.numberCalled,
        completed: r.completed ? 1 : 0,
        opted_out: r.optedOut ? 1 : 0,
        ...Object.fromEntries(r.answers.map((a) => [`question_${a.questionNo}`, answerValue(a)])),
      }));
      return tableAnswer(format, ['unique_id', 'sid', 'date_added', 'ani', 'dnis', 'completed', 'opted_out', ...questions], table, { list: 'interactions', item: 'interaction', filename: `survo_${id}` });
    },
  },
};
