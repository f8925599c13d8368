import { describe, expect, it } from 'vitest';
import { POST_CALL_FIELDS, type PostCallAction, type PostCallSource } from '../config/types.js';
import { postCallApplies, postCallRequests, postCallValue, type CallSummary } from './postcall.js';

const SID = '0123456789abcdef0123456789abcdef';

function call(over: Partial<CallSummary> = {}): CallSummary {
  return {
    sessionId: SID,
    callerId: '+13125550101',
    numberCalled: '8005550100',
    startedAt: new Date(Date.UTC(2026, 10, 24, 18, 43, 55, 900)),
    endedAt: new Date(Date.UTC(2026, 10, 24, 18, 46, 7, 100)),
    endReason: 'transfer',
    transferTarget: '3125550102',
    monitoredSeconds: 42.7,
    recordingUrl: 'https://rec.example.test/r/1.wav',
    passThrough: 'account|12345||step|route',
    blocksVisited: ['ivr/10', 'ivr/75', 'findme/4'],
    answers: [
      { ivrId: 10, questionNo: 2, value: '12345' },
      { ivrId: 10, questionNo: 3, value: 'balance' },
      { ivrId: 75, questionNo: 2, value: 'agent' },
    ],
    ...over,
  };
}

const field = (f: (typeof POST_CALL_FIELDS)[number]): PostCallSource => ({ kind: 'call', field: f });
const answer = (ivrId: number, questionNo: number): PostCallSource => ({ kind: 'answer', ivrId, questionNo });

function action(over: Partial<PostCallAction> = {}): PostCallAction {
  return { id: 1, url: 'http://crm.example.test/calls?src=ivr', method: 'GET', parameters: [], appliesTo: [], ...over };
}

describe('postCallValue', () => {
  it.each<[string, PostCallSource, string]>([
    ['session id', field('session_id'), SID],
    ['caller id', field('caller_id'), '+13125550101'],
    ['number called', field('number_called'), '8005550100'],
    ['start, in the zone with its offset', field('start'), '2026-11-24T13:43:55-05:00'],
    ['end', field('end'), '2026-11-24T13:46:07-05:00'],
    ['duration: end - start as sent (132 s), not the truncated 131.2 s', field('duration'), '132'],
    ['how it ended', field('end_reason'), 'transfer'],
    ['transfer target', field('transfer_target'), '3125550102'],
    ['monitored time in whole seconds', field('monitored_time'), '42'],
    ['recording URL', field('recording_url'), 'https://rec.example.test/r/1.wav'],
    ['pass-through, verbatim', field('pass_through'), 'account|12345||step|route'],
    ['an answer', answer(10, 2), '12345'],
    ['an answer of a later IVR', answer(75, 2), 'agent'],
    ['a question not answered', answer(10, 4), ''],
    ['an IVR never reached', answer(20, 2), ''],
  ])('%s', (_name, source, expected) => {
    expect(postCallValue(call(), source, 'America/New_York')).toBe(expected);
  });

  it('covers every call field', () => {
    for (const f of POST_CALL_FIELDS) expect(typeof postCallValue(call(), field(f), 'UTC')).toBe('string');
  });

  it.each<[string, Partial<CallSummary>, PostCallSource, string]>([
    ['no transfer', { transferTarget: undefined }, field('transfer_target'), ''],
    ['no recording', { recordingUrl: undefined }, field('recording_url'), ''],
    ['no pass-through', { passThrough: '' }, field('pass_through'), ''],
    ['withheld caller id', { callerId: '' }, field('caller_id'), ''],
    ['monitored time never negative', { monitoredSeconds: -3 }, field('monitored_time'), '0'],
    ['monitored time NaN', { monitoredSeconds: Number.NaN }, field('monitored_time'), '0'],
    ['an end before the start reads 0', { endedAt: new Date(Date.UTC(2026, 0, 1)) }, field('duration'), '0'],
    [
      'an IVR run twice: its last answer',
      { answers: [{ ivrId: 10, questionNo: 2, value: '1111' }, { ivrId: 10, questionNo: 2, value: '2222' }] },
      answer(10, 2),
      '2222',
    ],
  ])('unknown or odd values: %s', (_name, over, source, expected) => {
    expect(postCallValue(call(over), source, 'UTC')).toBe(expected);
  });

  it('formats in UTC with +00:00', () => {
    expect(postCallValue(call(), field('start'), 'UTC')).toBe('2026-11-24T18:43:55+00:00');
  });
});

describe('postCallApplies', () => {
  it.each<[string, PostCallAction['appliesTo'], boolean]>([
    ['empty: every call', [], true],
    ['the number called', [{ kind: 'number', number: '8005550100' }], true],
    ['another number', [{ kind: 'number', number: '8005550111' }], false],
    ['numbers match exactly (no + added)', [{ kind: 'number', number: '+18005550100' }], false],
    ['a visited IVR', [{ kind: 'ivr', id: 75 }], true],
    ['a visited Find Me', [{ kind: 'findme', id: 4 }], true],
    ['a block not visited', [{ kind: 'voicemail', id: 7 }], false],
    ['the same id of another kind', [{ kind: 'vr', id: 10 }], false],
    ['any one of several', [{ kind: 'voicemail', id: 7 }, { kind: 'number', number: '8005550111' }, { kind: 'ivr', id: 10 }], true],
  ])('%s', (_name, appliesTo, expected) => {
    expect(postCallApplies({ appliesTo }, call())).toBe(expected);
  });
});

describe('postCallRequests', () => {
  it('builds one request per applying action, in file order, parameters in configured order', () => {
    const actions = [
      action({
        parameters: [
          { name: 'sid', source: field('session_id') },
          { name: 'account', source: answer(10, 2) },
          { name: 'len', source: field('duration') },
        ],
      }),
      action({ url: 'http://other.test/x', appliesTo: [{ kind: 'voicemail', id: 7 }] }),
      action({ url: 'http://post.test/y', method: 'POST', secret: 'k', appliesTo: [{ kind: 'number', number: '8005550100' }], parameters: [{ name: 'how', source: field('end_reason') }] }),
    ];
    expect(postCallRequests(call(), actions, 'UTC')).toEqual([
      {
        method: 'GET',
        url: 'http://crm.example.test/calls?src=ivr',
        params: [
          ['sid', SID],
          ['account', '12345'],
          ['len', '132'],
        ],
      },
      { method: 'POST', url: 'http://post.test/y', params: [['how', 'transfer']], secret: 'k' },
    ]);
  });

  it('builds nothing when nothing applies', () => {
    expect(postCallRequests(call(), [], 'UTC')).toEqual([]);
    expect(postCallRequests(call(), [action({ appliesTo: [{ kind: 'ivr', id: 99 }] })], 'UTC')).toEqual([]);
  });
});
