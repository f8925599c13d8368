import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadFlowsFile, parseFlows } from './flows.js';
import type { PostCallAction } from './types.js';

/** Lines 1-12: two numbers, IVR 10 (questions 1 say, 2 keypad, 3 menu) and voicemail 7; cases start at line 13. */
const BASE = [
  'numbers:',
  '  "8005550100": ivr/10',
  '  "+18005550111": voicemail/7',
  'ivrs:',
  '  - id: 10',
  '    questions:',
  '      - { type: say, prompt: Hi }',
  '      - { type: keypad, prompt: Digits }',
  '      - { type: menu, prompt: Pick, options: { "1": a } }',
  'voicemails:',
  '  - { id: 7, greeting: Bye }',
  'post_call_actions:',
].join('\n');

const flows = (actions: string) => parseFlows(`${BASE}\n${actions}\n`, 'f.yaml');

function errorsOf(actions: string): string[] {
  try {
    flows(actions);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError, the flows loaded');
}

describe('post_call_actions', () => {
  it('builds every placeholder and scope, with the defaults', () => {
    const f = flows(
      [
        '  - url: http://crm.test/calls?src=ivr',
        '    parameters:',
        ...[
          'session_id', 'caller_id', 'number_called', 'start', 'end', 'duration', 'end_reason',
          'transfer_target', 'monitored_time', 'recording_url', 'pass_through',
        ].map((field) => `      - { name: ${field}, value: call.${field} }`),
        '      - { name: account, value: ivr.10.question.2 }',
        '  - url: https://crm.test/vm',
        '    method: POST',
        '    secret: s3cret',
        '    applies_to: ["8005550100", +18005550111, 8005550100, voicemail/7, ivr/10]',
      ].join('\n'),
    );
    expect(f.postCallActions).toEqual<PostCallAction[]>([
      {
        id: 1,
        url: 'http://crm.test/calls?src=ivr',
        method: 'GET',
        appliesTo: [],
        parameters: [
          ...(['session_id', 'caller_id', 'number_called', 'start', 'end', 'duration', 'end_reason', 'transfer_target', 'monitored_time', 'recording_url', 'pass_through'] as const).map(
            (field) => ({ name: field, source: { kind: 'call' as const, field } }),
          ),
          { name: 'account', source: { kind: 'answer', ivrId: 10, questionNo: 2 } },
        ],
      },
      {
        id: 2,
        url: 'https://crm.test/vm',
        method: 'POST',
        secret: 's3cret',
        parameters: [],
        appliesTo: [
          { kind: 'number', number: '8005550100' },
          { kind: 'number', number: '+18005550111' }, // unquoted: the + survives from the source text
          { kind: 'number', number: '8005550100' },
          { kind: 'voicemail', id: 7 },
          { kind: 'ivr', id: 10 },
        ],
      },
    ]);
  });

  it('loads the demo flows, which show the keys', () => {
    const demo = loadFlowsFile(fileURLToPath(new URL('../../examples/demo-flows.yaml', import.meta.url)));
    expect(demo.postCallActions?.map((a) => [a.method, a.appliesTo.length, a.parameters.length])).toEqual([
      ['GET', 0, 7],
      ['POST', 2, 6],
    ]);
    expect(demo.postCallActions?.[1]?.appliesTo).toEqual([{ kind: 'number', number: '8005550100' }, { kind: 'findme', id: 4 }]);
  });

  it('defaults to none', () => {
    expect(parseFlows('timezone: UTC\n', 'f.yaml').postCallActions).toEqual([]);
  });

  it('suggests the key for a typo at the top', () => {
    expect(() => parseFlows('timezone: UTC\npost_call_action: []\n', 'f.yaml')).toThrow(
      'f.yaml:2: post_call_action: unknown key; did you mean post_call_actions?',
    );
  });

  it.each<[string, string, string[]]>([
    ['a url is required', '  - method: GET', ['f.yaml:13: post_call_actions[0].url: required']],
    ['an http url', '  - url: mailto:x@y.test', ["f.yaml:13: post_call_actions[0].url: expected an http:// or https:// URL, or a path on hookline's own HTTP server such as /demo/hook"]],
    ['GET or POST', '  - { url: http://h/, method: PUT }', ['f.yaml:13: post_call_actions[0].method: expected one of GET, POST']],
    ['a camelCase key', '  - { url: http://h/, appliesTo: [] }', ['f.yaml:13: post_call_actions[0].appliesTo: unknown key; did you mean applies_to?']],
    ['an empty secret', '  - { url: http://h/, secret: "" }', ['f.yaml:13: post_call_actions[0].secret: must not be empty']],
    [
      'an unknown call field',
      '  - url: http://h/\n    parameters:\n      - { name: t, value: call.timestamp }',
      [
        'f.yaml:15: post_call_actions[0].parameters[0].value: unknown call field "timestamp"; expected one of session_id, caller_id, ' +
          'number_called, start, end, duration, end_reason, transfer_target, monitored_time, recording_url, pass_through, or a SourceTrak field st_* such as st_rank or st_campaign',
      ],
    ],
    [
      'a value of the IVR webhook form',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: question.2 }',
      ['f.yaml:15: post_call_actions[0].parameters[0].value: expected call.FIELD or ivr.ID.question.N'],
    ],
    [
      'a malformed answer reference',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: ivr.x.question.0 }',
      ['f.yaml:15: post_call_actions[0].parameters[0].value: expected ivr.ID.question.N with ID an IVR id and N a question number (from 1)'],
    ],
    [
      'an IVR that does not exist',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: ivr.11.question.2 }',
      ['f.yaml:15: post_call_actions[0].parameters[0].value: no IVR with id 11 in this file'],
    ],
    [
      'a question that does not exist',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: ivr.10.question.4 }',
      ['f.yaml:15: post_call_actions[0].parameters[0].value: question 4 does not exist: IVR 10 has 3 questions'],
    ],
    [
      'a say question',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: ivr.10.question.1 }',
      ['f.yaml:15: post_call_actions[0].parameters[0].value: question 1 is a say question and has no answer'],
    ],
    [
      'a duplicate name',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: call.end }\n      - { name: a, value: call.start }',
      ['f.yaml:16: post_call_actions[0].parameters[1].name: duplicate parameter name "a"'],
    ],
    [
      'an empty name',
      '  - url: http://h/\n    parameters:\n      - { name: "", value: call.end }',
      ['f.yaml:15: post_call_actions[0].parameters[0].name: must not be empty'],
    ],
    [
      'a number not in numbers',
      '  - { url: http://h/, applies_to: ["8005550199"] }',
      ['f.yaml:13: post_call_actions[0].applies_to[0]: 8005550199 is not a dialed number in numbers, so no call can match it'],
    ],
    [
      'numbers are matched as written',
      '  - { url: http://h/, applies_to: ["18005550111"] }',
      ['f.yaml:13: post_call_actions[0].applies_to[0]: 18005550111 is not a dialed number in numbers, so no call can match it'],
    ],
    [
      'a block that does not exist',
      '  - url: http://h/\n    applies_to:\n      - vr/3',
      ['f.yaml:15: post_call_actions[0].applies_to[0]: vr/3 does not exist: no VR with id 3 in this file'],
    ],
    [
      'neither a number nor a block',
      '  - { url: http://h/, applies_to: [ivr10] }',
      ['f.yaml:13: post_call_actions[0].applies_to[0]: expected a dialed number (digits with an optional leading +) or a reference like ivr/10'],
    ],
    ['applies_to is a list', '  - { url: http://h/, applies_to: ivr/10 }', ['f.yaml:13: post_call_actions[0].applies_to: expected a list']],
    [
      'every mistake at once, in line order',
      '  - url: http://h/\n    parameters:\n      - { name: a, value: call.nope }\n  - url: http://h/\n    applies_to: [ivr/99]',
      [
        'f.yaml:15: post_call_actions[0].parameters[0].value: unknown call field "nope"; expected one of session_id, caller_id, ' +
          'number_called, start, end, duration, end_reason, transfer_target, monitored_time, recording_url, pass_through, or a SourceTrak field st_* such as st_rank or st_campaign',
        'f.yaml:17: post_call_actions[1].applies_to[0]: ivr/99 does not exist: no IVR with id 99 in this file',
      ],
    ],
  ])('%s', (_name, actions, expected) => {
    expect(errorsOf(actions)).toEqual(expected);
  });
});
