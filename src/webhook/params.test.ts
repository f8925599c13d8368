import { describe, expect, it } from 'vitest';
import type { WebhookParam } from '../config/types.js';
import { AUTOMATIC_PARAMS, SOURCETRAK_PARAMS, buildIvrParams, formatTimestamp, isReservedParamName, type IvrWebhookInput } from './params.js';

const START = new Date(Date.UTC(2026, 10, 24, 18, 43, 55, 789));

function input(over: Partial<IvrWebhookInput> = {}): IvrWebhookInput {
  return {
    numberCalled: '+18005550100',
    callerId: '3125550199',
    ivrId: 10,
    responseId: 4711,
    startedAt: START,
    timezone: 'UTC',
    passThrough: 'user_id|12345||step|call_user',
    callResult: '',
    completed: true,
    optedOut: false,
    sessionId: '0123456789abcdef0123456789abcdef',
    monitoredSeconds: 0,
    answers: new Map([
      [2, '1234'],
      [3, 'sales'],
    ]),
    userParameters: { firstName: 'Bill' },
    ...over,
  };
}
const noDyn = { parameters: [], includeSourcetrak: false };
const asObj = (p: Array<[string, string]>): Record<string, string> => Object.fromEntries(p);

describe('formatTimestamp', () => {
  it.each([
    ['UTC', START, '2026-11-24T18:43:55+00:00'],
    ['America/New_York', START, '2026-11-24T13:43:55-05:00'],
    ['America/New_York', new Date(Date.UTC(2026, 6, 4, 16, 0, 0)), '2026-07-04T12:00:00-04:00'],
    ['Asia/Kolkata', START, '2026-11-25T00:13:55+05:30'],
    ['Asia/Kathmandu', START, '2026-11-25T00:28:55+05:45'],
    ['Europe/Berlin', new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), '2026-01-01T01:00:00+01:00'],
    // Midnight must print as 00, not 24 (the hour12:false pitfall).
    ['UTC', new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), '2026-01-01T00:00:00+00:00'],
    ['Pacific/Chatham', new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), '2026-01-01T13:45:00+13:45'],
  ])('%s %s -> %s', (tz, date, expected) => {
    expect(formatTimestamp(date, tz)).toBe(expected);
  });

  it('truncates milliseconds rather than rounding into the next second', () => {
    expect(formatTimestamp(new Date(Date.UTC(2026, 0, 1, 23, 59, 59, 999)), 'UTC')).toBe('2026-01-01T23:59:59+00:00');
  });

  it('refuses an unknown zone with a WebhookError', () => {
    expect(() => formatTimestamp(START, 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'bad_param' }));
  });
});

describe('buildIvrParams', () => {
  it('sends the 11 automatic parameters in the table order with their formats', () => {
    const p = buildIvrParams(input(), noDyn);
    expect(p).toEqual([
      ['ivr_number_called', '+18005550100'],
      ['ivr_caller_id', '3125550199'],
      ['ivr_id', '10'],
      ['ivr_response_id', '4711'],
      ['ivr_timestamp', '2026-11-24T18:43:55+00:00'],
      ['ivr_pass_through', 'user_id|12345||step|call_user'],
      ['ivr_call_result', ''],
      ['ivr_completed', '1'],
      ['ivr_session_id', '0123456789abcdef0123456789abcdef'],
      ['ivr_monitored_time', '0'],
      ['ivr_opted_out', '0'],
    ]);
    expect(p.map(([k]) => k)).toEqual([...AUTOMATIC_PARAMS]);
  });

  it('uses the configured time zone for ivr_timestamp', () => {
    expect(asObj(buildIvrParams(input({ timezone: 'America/New_York' }), noDyn)).ivr_timestamp).toBe('2026-11-24T13:43:55-05:00');
  });

  it('keeps every automatic parameter present, empty when unknown', () => {
    const p = asObj(buildIvrParams(input({ callerId: '', passThrough: '', numberCalled: '' }), noDyn));
    expect(p.ivr_caller_id).toBe('');
    expect(p.ivr_pass_through).toBe('');
    expect(p.ivr_number_called).toBe('');
    expect(Object.keys(p)).toHaveLength(11);
  });

  it.each([
    [{ completed: false, optedOut: true }, { ivr_completed: '0', ivr_opted_out: '1' }],
    [{ completed: false, optedOut: false, callResult: 'no_answer' as const }, { ivr_completed: '0', ivr_call_result: 'no_answer' }],
    [{ callResult: 'answered' as const }, { ivr_call_result: 'answered' }],
    [{ monitoredSeconds: 93.7 }, { ivr_monitored_time: '93' }],
    [{ monitoredSeconds: -1 }, { ivr_monitored_time: '0' }],
  ])('flags and numbers %j', (over, expected) => {
    expect(asObj(buildIvrParams(input(over), noDyn))).toMatchObject(expected);
  });

  it('adds the 22 st_* names in order, empty when unknown, only with the option and SourceTrak data', () => {
    const st = { st_rank: '2', st_search_term: 'plumber chicago', st_gclid: 'abc', not_st: 'x' };
    const on = buildIvrParams(input({ sourcetrak: st }), { parameters: [], includeSourcetrak: true });
    expect(on.slice(11).map(([k]) => k)).toEqual([...SOURCETRAK_PARAMS]);
    expect(SOURCETRAK_PARAMS).toHaveLength(22);
    const o = asObj(on);
    expect(o.st_rank).toBe('2');
    expect(o.st_search_term).toBe('plumber chicago');
    expect(o.st_gclid).toBe('abc');
    expect(o.st_url_tag).toBe('');
    expect(o.not_st).toBeUndefined();
    // Option off, or a one-to-one number (no SourceTrak data): none at all.
    expect(buildIvrParams(input({ sourcetrak: st }), noDyn)).toHaveLength(11);
    expect(buildIvrParams(input(), { parameters: [], includeSourcetrak: true })).toHaveLength(11);
  });

  it('appends dynamic parameters in configured order after automatic and SourceTrak ones', () => {
    const parameters: WebhookParam[] = [
      { name: 'dept', source: { kind: 'question', n: 3 } },
      { name: 'account', source: { kind: 'question', n: 2 } },
      { name: 'unanswered', source: { kind: 'question', n: 9 } },
      { name: 'first', source: { kind: 'user', name: 'firstName' } },
      { name: 'nobody', source: { kind: 'user', name: 'lastName' } },
      { name: 'proto', source: { kind: 'user', name: 'constructor' } },
      { name: 'from', source: { kind: 'call', field: 'caller_id' } },
      { name: 'to', source: { kind: 'call', field: 'number_called' } },
      { name: 'sid', source: { kind: 'call', field: 'session_id' } },
      { name: 'pt', source: { kind: 'call', field: 'pass_through' } },
      { name: 'when', source: { kind: 'call', field: 'timestamp' } },
      { name: 'ivr', source: { kind: 'call', field: 'ivr_id' } },
      { name: 'rid', source: { kind: 'call', field: 'response_id' } },
    ];
    const p = buildIvrParams(input({ sourcetrak: {} }), { parameters, includeSourcetrak: true });
    expect(p.slice(0, 11).map(([k]) => k)).toEqual([...AUTOMATIC_PARAMS]);
    expect(p.slice(33)).toEqual([
      ['dept', 'sales'],
      ['account', '1234'],
      ['unanswered', ''],
      ['first', 'Bill'],
      ['nobody', ''],
      ['proto', ''],
      ['from', '3125550199'],
      ['to', '+18005550100'],
      ['sid', '0123456789abcdef0123456789abcdef'],
      ['pt', 'user_id|12345||step|call_user'],
      ['when', '2026-11-24T18:43:55+00:00'],
      ['ivr', '10'],
      ['rid', '4711'],
    ]);
  });

  it('keeps a repeated dynamic name as configured (a form may repeat a field)', () => {
    const parameters: WebhookParam[] = [
      { name: 'a', source: { kind: 'question', n: 2 } },
      { name: 'a', source: { kind: 'question', n: 3 } },
    ];
    expect(buildIvrParams(input(), { parameters, includeSourcetrak: false }).slice(11)).toEqual([
      ['a', '1234'],
      ['a', 'sales'],
    ]);
  });
});

describe('isReservedParamName', () => {
  it.each([
    ['ivr_id', true],
    ['st_url_tag', true],
    ['account', false],
    ['ivr_other', false],
  ])('%s -> %s', (name, reserved) => expect(isReservedParamName(name)).toBe(reserved));
});
