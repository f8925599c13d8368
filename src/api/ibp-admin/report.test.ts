import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { at, ibpKit, rows, SID_A, SID_B, T0, type IbpKit } from './testing.js';

let kit: IbpKit;
const SID_C = 'c'.repeat(32);
const HOUR = 3_600_000;

// T0 is 2026-12-06 12:00 in Chicago (the flows file's zone): 18:00 UTC.
beforeEach(async () => {
  kit = await ibpKit();
  await kit.store.calls.create({ sessionId: SID_A, direction: 'inbound', from: '+13125550001', to: '8005550100', startedAt: new Date(T0), endedAt: new Date(T0 + 61_000), endReason: 'caller_hangup', passThrough: '', monitoredSeconds: 45 });
  await kit.store.calls.create({ sessionId: SID_B, direction: 'outbound', from: '+18005550100', to: '+13125550002', startedAt: new Date(T0 + 8 * HOUR), endedAt: new Date(T0 + 8 * HOUR + 5000), passThrough: '', monitoredSeconds: 0 });
  // 2026-12-07 00:30 in Chicago: the next day there.
  await kit.store.calls.create({ sessionId: SID_C, direction: 'inbound', from: '+13125550003', to: '8005550100', startedAt: new Date(T0 + 12.5 * HOUR), passThrough: '', monitoredSeconds: 0 });
});
afterEach(() => kit.close());

describe('report.call_detail', () => {
  it('gives every column hookline has when no flag is set, for the days asked in the flows file’s zone', async () => {
    const r = await kit.call('report.call_detail', { start_date: '20261206', end_date: '20261206' });
    expect(rows(r.xml!, 'calls')).toEqual([
      { date_added: '2026-12-06 12:00:00', phone_label: 'Main line', dnis: '8005550100', ani: '+13125550001', call_duration: '2', enhanced_minutes: '8', adj_enhanced: '1', call_type: 'Inbound', sid: SID_A },
      { date_added: '2026-12-06 20:00:00', phone_label: '', dnis: '+13125550002', ani: '+18005550100', call_duration: '1', enhanced_minutes: '0', adj_enhanced: '0', call_type: 'Outbound', sid: SID_B },
    ]);
    const both = await kit.call('report.call_detail', { start_date: '2026-12-06', end_date: '20261207', sid: '1' });
    expect(rows(both.xml!, 'calls')).toEqual([{ sid: SID_A }, { sid: SID_B }, { sid: SID_C }]);
  });

  it('picks columns by flag, notes flags for what hookline does not record, and ignores unknown ones', async () => {
    const r = await kit.call('report.call_detail', { start_date: '20261206', end_date: '20261207', ani: '1', sid: '1', dnis: '0', first_activity: '1', transfer_to_number: '1', colour: '1' });
    expect(rows(r.xml!, 'calls')[0]).toEqual({ ani: '+13125550001', sid: SID_A });
    expect(at(r.xml!, 'notes/note')!.text).toBe('not recorded by hookline, so left out: first_activity, transfer_to_number');
  });

  it('filters by call type and by a daily time window (which may wrap past midnight)', async () => {
    const sids = async (fields: Record<string, string>) =>
      rows((await kit.call('report.call_detail', { start_date: '20261206', end_date: '20261207', sid: '1', ...fields })).xml!, 'calls').map((c) => c['sid']![0]);
    expect(await sids({ call_type_filter: 'Inbound' })).toEqual(['a', 'c']);
    expect(await sids({ call_type_filter: 'outbound' })).toEqual(['b']);
    expect(await sids({ call_type_filter: 'Click-To' })).toEqual(['b']);
    expect(await sids({ call_type_filter: '1', call_type_value: 'Inbound' })).toEqual(['a', 'c']);
    expect(await sids({ start_time: '11:00', end_time: '13:00' })).toEqual(['a']);
    expect(await sids({ start_time: '1900', end_time: '0100' })).toEqual(['b', 'c']);
  });

  it('answers CSV and tab-separated text', async () => {
    const csv = await kit.call('report.call_detail', { start_date: '20261206', end_date: '20261206', format: 'csv', sid: '1', ani: '1' });
    expect([csv.contentType, csv.headers.get('content-disposition')]).toEqual(['text/csv; charset=utf-8', 'attachment; filename="call_detail.csv"']);
    expect(csv.text).toBe(`ani,sid\r\n+13125550001,${SID_A}\r\n+18005550100,${SID_B}\r\n`);
    const text = await kit.call('report.call_detail', { start_date: '20261206', end_date: '20261206', format: 'text', sid: '1', ani: '1' });
    expect([text.contentType, text.text]).toEqual(['text/plain; charset=utf-8', `ani\tsid\r\n+13125550001\t${SID_A}\r\n+18005550100\t${SID_B}\r\n`]);
  });

  it.each([
    [{ end_date: '20261206' }, 'Missing Required Parameter: start_date'],
    [{ start_date: '20261206' }, 'Missing Required Parameter: end_date'],
    [{ start_date: '20261306', end_date: '20261206' }, 'Invalid Parameter: start_date (expected a date as YYYYMMDD)'],
    [{ start_date: '20261207', end_date: '20261206' }, 'Invalid Parameter: end_date (before start_date)'],
    [{ start_date: '20261206', end_date: '20261206', format: 'pdf' }, 'Invalid Parameter: format (expected one of xml, csv, text)'],
    [{ start_date: '20261206', end_date: '20261206', call_type_filter: 'Missed' }, 'Invalid Parameter: call_type_filter (expected Inbound, Outbound or Click-To)'],
    [{ start_date: '20261206', end_date: '20261206', start_time: '09:00' }, 'Missing Required Parameter: end_time (start_time and end_time go together)'],
    [{ start_date: '20261206', end_date: '20261206', start_time: '25:00', end_time: '26:00' }, 'Invalid Parameter: start_time (expected a time of day as HH:MM)'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('report.call_detail', fields)).description).toBe(description);
  });

  it('report.call_detail_csv is call_detail as CSV with every column', async () => {
    const r = await kit.call('report.call_detail_csv', { start_date: '20261206', end_date: '20261206', lookup: '1' });
    expect((parse(r.text, { columns: true }) as Array<Record<string, string>>).map((c) => c['sid'])).toEqual([SID_A, SID_B]);
    expect(r.headers.get('x-hookline-notes')).toBe('lookup is ignored: hookline has no reverse lookup');
    expect((await kit.call('report.call_detail_csv', { start_date: '20261206' })).description).toBe('Missing Required Parameter: end_date');
  });
});

describe('report.survo', () => {
  let first: number;
  beforeEach(async () => {
    first = await kit.store.interactions.start({ sessionId: SID_A, ivrId: 10, startedAt: new Date(T0) });
    await kit.store.interactions.addAnswer({ responseId: first, questionNo: 1, questionType: 'keypad', value: '42', keys: '42#', at: new Date(T0) });
    await kit.store.interactions.addAnswer({ responseId: first, questionNo: 2, questionType: 'recorded', value: `recordings/${SID_A}/q2-1.wav`, at: new Date(T0) });
    await kit.store.interactions.finish(first, { completed: true, optedOut: false, endedAt: new Date(T0 + 30_000) });
    await kit.store.interactions.start({ sessionId: SID_C, ivrId: 10, startedAt: new Date(T0 + 12.5 * HOUR) });
    await kit.store.interactions.start({ sessionId: SID_A, ivrId: 11, startedAt: new Date(T0) });
  });

  it('gives every interaction of the IVR in the days asked, with its answers', async () => {
    const r = await kit.call('report.survo', { start_date: '20261206', end_date: '20261206', id: '10' });
    const [one] = r.xml!.children.find((c) => c.name === 'interactions')!.children;
    expect(rows(r.xml!, 'interactions').map((i) => i['unique_id'])).toEqual([String(first)]);
    expect(Object.fromEntries(one!.children.filter((c) => c.name !== 'answers').map((c) => [c.name, c.text]))).toEqual({
      unique_id: String(first), sid: SID_A, date_added: '2026-12-06 12:00:00', ani: '+13125550001', dnis: '8005550100', completed: '1', opted_out: '0',
    });
    expect(rows(one!, 'answers')).toEqual([
      { question: '1', type: 'keypad', value: '42', keys: '42#' },
      { question: '2', type: 'recorded', value: 'q2-1.wav' },
    ]);
    expect(rows((await kit.call('report.survo', { start_date: '20261206', end_date: '20261207', id: '10' })).xml!, 'interactions')).toHaveLength(2);
  });

  it('as CSV: one column per question of the IVR', async () => {
    const r = await kit.call('report.survo', { start_date: '20261206', end_date: '20261207', id: '10', format: 'csv' });
    expect(parse(r.text, { columns: true })).toEqual([
      { unique_id: String(first), sid: SID_A, date_added: '2026-12-06 12:00:00', ani: '+13125550001', dnis: '8005550100', completed: '1', opted_out: '0', question_1: '42', question_2: 'q2-1.wav' },
      expect.objectContaining({ sid: SID_C, completed: '0', question_1: '', question_2: '' }),
    ]);
  });

  it.each([
    [{ start_date: '20261206', end_date: '20261206' }, 'Missing Required Parameter: id'],
    [{ id: '10', end_date: '20261206' }, 'Missing Required Parameter: start_date'],
    [{ id: 'ten', start_date: '20261206', end_date: '20261206' }, 'Invalid Parameter: id (expected an id: a positive whole number)'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('report.survo', fields)).description).toBe(description);
  });
});

describe('report.broadcast and report.clickto', () => {
  it.each([
    ['report.broadcast', 'Not Offered: report.broadcast: hookline places no voice broadcasts'],
    ['report.clickto', 'Not Offered: report.clickto: hookline keeps no click-to report (page, ref); report.call_detail with call_type_filter=Outbound lists the calls it placed'],
  ])('%s is not offered, with its reason', async (action, description) => {
    expect((await kit.call(action, { start_date: '20261206', end_date: '20261206' })).description).toBe(description);
  });
});
