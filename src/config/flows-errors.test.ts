import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadFlowsFile, parseFlows } from './flows.js';

/** Strips the first newline and the common indentation, so YAML in tests can be indented with the code. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** The message lines of the ConfigError the text causes (fails the test when it loads). */
function errorsOf(text: string): string[] {
  try {
    parseFlows(text, 'f.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError, the flows loaded');
}

/** A valid IVR 1 whose lines 1-4 are fixed, so cases can append webhook settings from line 5 on. */
const IVR = yaml`
  ivrs:
    - id: 1
      questions:
        - { type: say, prompt: Hi }
        - { type: keypad, prompt: Digits }
        - { type: menu, prompt: Pick, options: { "1": a } }
        - { type: recorded, prompt: Speak }
`;
const hook = (lines: string): string => `${IVR}    webhook:\n      url: http://h/x\n${lines.replace(/^/gm, '      ')}\n`;
// In `hook(...)`, the first line given is line 10 of the file.

const URL_MESSAGE = "expected an http:// or https:// URL, or a path on hookline's own HTTP server such as /demo/hook";

const cases: Array<[string, string, string[]]> = [
  // YAML itself
  ['syntax error', 'ivrs: [\n', ['f.yaml:2: Flow sequence in block collection must be sufficiently indented and end with a ]']],
  ['unquoted *', 'ivrs:\n  - id: 1\n    opt_out_key: *\n', ['f.yaml:3: Alias cannot be an empty string (quote "*": in YAML an unquoted * starts an alias)']],
  // One message for the first syntax error, naming the other lines with the same mistake; the parser's
  // follow-on errors (implicit keys, block sequences as keys...) are left out.
  [
    'tab indentation',
    'ivrs:\n  - id: 1\n    questions:\n\t- type: say\n\t  prompt: Hi\n\n\t- type: say\n',
    ['f.yaml:4: Tabs are not allowed as indentation (indent with spaces); the same on lines 5, 7'],
  ],
  [
    'two unquoted *',
    'ivrs:\n  - id: 1\n    opt_out_key: *\n  - id: 2\n    opt_out_key: *\n',
    ['f.yaml:3: Alias cannot be an empty string (quote "*": in YAML an unquoted * starts an alias); the same on line 5'],
  ],
  ['duplicate key', 'timezone: UTC\ntimezone: UTC\n', ['f.yaml:2: timezone: duplicate key']],
  ['top level not a map', '- 1\n', ['f.yaml:1: expected a map']],
  ['alias to its own collection', 'ivrs: &x [*x]\n', ['f.yaml:1: ivrs[0]: alias to a collection that contains it']],
  ['alias without anchor', 'timezone: *zone\n', ['f.yaml:1: timezone: alias *zone has no anchor &zone']],
  [
    'billion laughs',
    `a: &a [${Array(10).fill('1').join(',')}]\n` + ['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcd'[i]}`).join(',')}]`).join('\n'),
    ['f.yaml:2: d[7][9][2]: more than 1000 aliases'],
  ],
  // unknown keys
  ['typo at the top', 'ivr: []\n', ['f.yaml:1: ivr: unknown key; did you mean ivrs?']],
  [
    'typo in a question',
    yaml`
      ivrs:
        - id: 1
          questions:
            - type: keypad
              prompt: Enter
              max_digit: 4
    `,
    ['f.yaml:6: ivrs[0].questions[0].max_digit: unknown key; did you mean max_digits?'],
  ],
  ['camelCase key', hook('timeoutS: 5'), ['f.yaml:10: ivrs[0].webhook.timeoutS: unknown key; did you mean timeout_s?']],
  [
    'key of another question type',
    'ivrs:\n  - id: 1\n    questions:\n      - { type: say, prompt: Hi, options: {} }\n',
    ['f.yaml:4: ivrs[0].questions[0].options: unknown key; expected one of type, prompt'],
  ],
  [
    'typo and the missing key it causes',
    'ivrs:\n  - id: 1\n    questions:\n      - type: say\n        promt: Hi\n',
    ['f.yaml:4: ivrs[0].questions[0].prompt: required', 'f.yaml:5: ivrs[0].questions[0].promt: unknown key; did you mean prompt?'],
  ],
  // types and ranges
  [
    'number expected',
    'ivrs:\n  - id: 1\n    questions:\n      - type: keypad\n        prompt: Enter\n        max_digits: ten\n',
    ['f.yaml:6: ivrs[0].questions[0].max_digits: expected a number'],
  ],
  ['whole number expected', 'voicemails:\n  - { id: 1.5, greeting: Hi }\n', ['f.yaml:2: voicemails[0].id: expected a whole number']],
  ['list expected', 'ivrs: { id: 1 }\n', ['f.yaml:1: ivrs: expected a list']],
  ['boolean expected', hook('include_sourcetrak: yes'), ['f.yaml:10: ivrs[0].webhook.include_sourcetrak: expected true or false']],
  ['missing id', 'voicemails:\n  - greeting: Hi\n', ['f.yaml:2: voicemails[0].id: required']],
  ['no questions', 'ivrs:\n  - id: 1\n    questions: []\n', ['f.yaml:3: ivrs[0].questions: must not be empty']],
  ['webhook timeout too long', hook('timeout_s: 31'), ['f.yaml:10: ivrs[0].webhook.timeout_s: must be at most 30']],
  ['webhook timeout zero', hook('timeout_s: 0'), ['f.yaml:10: ivrs[0].webhook.timeout_s: must be at least 1']],
  ['bad method', hook('method: PUT'), ['f.yaml:10: ivrs[0].webhook.method: expected one of GET, POST']],
  ['bad action', hook('action: next'), ['f.yaml:10: ivrs[0].webhook.action: expected one of next_action, read_text']],
  ['non-http url', `${IVR}    webhook: { url: "ftp://h/x" }\n`, [`f.yaml:8: ivrs[0].webhook.url: ${URL_MESSAGE}`]],
  ['javascript: url', `${IVR}    webhook: { url: "javascript:alert(1)" }\n`, [`f.yaml:8: ivrs[0].webhook.url: ${URL_MESSAGE}`]],
  // A path must start with one /: `//host/x` and `/\host/x` would leave this machine, `demo/hook` is no path.
  ['scheme-relative url', `${IVR}    webhook: { url: "//evil.example/x" }\n`, [`f.yaml:8: ivrs[0].webhook.url: ${URL_MESSAGE}`]],
  ['backslash path', `${IVR}    webhook: { url: "/\\\\evil.example/x" }\n`, [`f.yaml:8: ivrs[0].webhook.url: ${URL_MESSAGE}`]],
  ['relative path', `${IVR}    webhook: { url: "demo/hook" }\n`, [`f.yaml:8: ivrs[0].webhook.url: ${URL_MESSAGE}`]],
  ['missing url', `${IVR}    webhook:\n      method: GET\n`, ['f.yaml:8: ivrs[0].webhook.url: required']],
  ['bad transcription url', hook('transcription_url: t/x'), [`f.yaml:10: ivrs[0].webhook.transcription_url: ${URL_MESSAGE}`]],
  ['bad on_failure', hook('on_failure: Sorry'), ['f.yaml:10: ivrs[0].webhook.on_failure: expected a map']],
  ['bad time zone', 'timezone: Mars/Olympus\n', ['f.yaml:1: timezone: expected an IANA time zone such as UTC or America/New_York']],
  [
    'unquoted # terminator',
    'ivrs:\n  - id: 1\n    questions:\n      - type: keypad\n        prompt: Enter\n        terminator: #\n',
    ['f.yaml:6: ivrs[0].questions[0].terminator: expected "#", "*" or "" (quote it: in YAML an unquoted # starts a comment)'],
  ],
  ['unknown question type', 'ivrs:\n  - id: 1\n    questions:\n      - { type: recording, prompt: x }\n', ['f.yaml:4: ivrs[0].questions[0].type: expected one of say, keypad, menu, recorded']],
  ['question without type', 'ivrs:\n  - id: 1\n    questions:\n      - prompt: x\n', ['f.yaml:4: ivrs[0].questions[0].type: required: one of say, keypad, menu, recorded']],
  ['transcribe value', 'ivrs:\n  - id: 1\n    questions:\n      - { type: recorded, prompt: x, transcribe: robot }\n', ['f.yaml:4: ivrs[0].questions[0].transcribe: expected one of none, standard, human']],
  // prompts
  ['empty prompt', 'voicemails:\n  - id: 1\n    greeting: ""\n', ['f.yaml:3: voicemails[0].greeting: must not be empty']],
  ['prompt of the wrong type', 'voicemails:\n  - id: 1\n    greeting: 5\n', ['f.yaml:3: voicemails[0].greeting: expected text or a list of parts, each {text: ...} or {audio: file.wav}']],
  ['prompt part typo', 'voicemails:\n  - id: 1\n    greeting:\n      - txt: Hi\n', ['f.yaml:4: voicemails[0].greeting[0].txt: unknown key; did you mean text?']],
  ['prompt part with both', 'voicemails:\n  - id: 1\n    greeting:\n      - { text: Hi, audio: a.wav }\n', ['f.yaml:4: voicemails[0].greeting[0]: expected exactly one of text or audio']],
  ['audio outside the library', 'voicemails:\n  - id: 1\n    greeting: [{ audio: ../../etc/passwd.wav }]\n', ['f.yaml:3: voicemails[0].greeting[0].audio: expected a .wav file name from the audio library (no folders)']],
  // keys of maps
  ['menu key', 'ivrs:\n  - id: 1\n    questions:\n      - type: menu\n        prompt: Pick\n        options:\n          "12": a\n', ['f.yaml:7: ivrs[0].questions[0].options.12: expected one DTMF key: 0-9, * or #']],
  ['empty menu', 'ivrs:\n  - id: 1\n    questions:\n      - { type: menu, prompt: Pick, options: {} }\n', ['f.yaml:4: ivrs[0].questions[0].options: must not be empty']],
  ['dialed number', 'numbers:\n  "800-555": ivr/1\n', ['f.yaml:2: numbers.800-555: expected a dialed number: digits with an optional leading + (quote it)']],
  ['reference form', 'numbers:\n  "8005550100": ivr10\n', ['f.yaml:2: numbers.8005550100: expected a reference like ivr/10, vr/3, findme/4 or voicemail/7']],
  ['opt-out key', 'ivrs:\n  - id: 1\n    opt_out_key: "**"\n    questions: [{ type: say, prompt: x }]\n', ['f.yaml:3: ivrs[0].opt_out_key: expected one DTMF key: 0-9, * or # (quote it: in YAML an unquoted # starts a comment)']],
  // whole-file checks
  ['unknown reference', 'numbers:\n  "8005550100": ivr/11\n', ['f.yaml:2: numbers.8005550100: ivr/11 does not exist: no IVR with id 11 in this file']],
  [
    'VR option to nothing',
    'vrs:\n  - id: 3\n    prompt: Hi\n    options:\n      "1": findme/4\n',
    ['f.yaml:5: vrs[0].options.1: findme/4 does not exist: no Find Me with id 4 in this file'],
  ],
  [
    'duplicate id',
    'voicemails:\n  - { id: 7, greeting: a }\n  - { id: 8, greeting: b }\n  - { id: 7, greeting: c }\n',
    ['f.yaml:4: voicemails[2].id: duplicate voicemail id 7 (first defined at line 2)'],
  ],
  ['same id, different kinds', 'voicemails:\n  - { id: 7, greeting: a }\nvrs:\n  - { id: 7, prompt: a, options: { "1": voicemail/7 } }\n', []],
  ['min over max', 'ivrs:\n  - id: 1\n    questions:\n      - { type: keypad, prompt: x, min_digits: 5, max_digits: 4 }\n', ['f.yaml:4: ivrs[0].questions[0].min_digits: must not be more than max_digits (4)']],
  ['opt-out is a terminator', 'ivrs:\n  - id: 1\n    opt_out_key: "#"\n    questions: [{ type: keypad, prompt: x }]\n', ['f.yaml:3: ivrs[0].opt_out_key: "#" is also the terminator of question 1']],
  ['opt-out is a menu option', 'ivrs:\n  - id: 1\n    opt_out_key: "9"\n    questions: [{ type: menu, prompt: x, options: { "9": a } }]\n', ['f.yaml:3: ivrs[0].opt_out_key: "9" is also an option of question 1 (menu)']],
  ['automatic name', hook('parameters:\n  - { name: ivr_caller_id, value: question.2 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].name: "ivr_caller_id" is an automatic parameter of every webhook request; choose another name']],
  ['SourceTrak name', hook('parameters:\n  - { name: st_gclid, value: question.2 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].name: "st_gclid" is a SourceTrak parameter name; choose another name']],
  [
    'duplicate parameter',
    hook('parameters:\n  - { name: a, value: question.2 }\n  - { name: a, value: question.3 }'),
    ['f.yaml:12: ivrs[0].webhook.parameters[1].name: duplicate parameter name "a"'],
  ],
  ['question out of range', hook('parameters:\n  - { name: a, value: question.5 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].value: question 5 does not exist: this IVR has 4 questions']],
  ['say question', hook('parameters:\n  - { name: a, value: question.1 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].value: question 1 is a say question and has no answer']],
  ['question zero', hook('parameters:\n  - { name: a, value: question.0 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].value: expected question.N with N a question number (from 1)']],
  [
    'unknown call field',
    hook('parameters:\n  - { name: a, value: call.callerid }'),
    ['f.yaml:11: ivrs[0].webhook.parameters[0].value: unknown call field "callerid"; expected one of caller_id, number_called, session_id, pass_through, timestamp, ivr_id, response_id'],
  ],
  ['bad user name', hook('parameters:\n  - { name: a, value: user.first-name }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].value: expected user.NAME with NAME of letters, digits and _']],
  ['unknown source', hook('parameters:\n  - { name: a, value: answer.2 }'), ['f.yaml:11: ivrs[0].webhook.parameters[0].value: expected question.N, user.NAME or call.FIELD']],
  // Find Me
  ['findme item missing', 'findmes:\n  - id: 4\n    phone_list: ["3125550101"]\n    nextaction: 2\n', ['f.yaml:2: findmes[0].nextactionitem: required when nextaction is 2: the id of the voicemail to route to']],
  [
    'findme item to nothing',
    'findmes:\n  - id: 4\n    phone_list: ["3125550101"]\n    nextaction: 6\n    nextactionitem: 99\n',
    ['f.yaml:5: findmes[0].nextactionitem: no IVR with id 99 in this file (nextaction 6 routes to an IVR)'],
  ],
  [
    'findme item not used',
    'findmes:\n  - id: 4\n    phone_list: ["3125550101"]\n    nextaction: 3\n    nextactionitem: 1\n',
    ['f.yaml:5: findmes[0].nextactionitem: not used when nextaction is 3; only with 2 (voicemail), 4 (VR), 5 (Find Me) or 6 (IVR)'],
  ],
  ['findme bad phone', 'findmes:\n  - id: 4\n    phone_list:\n      - "312 555 0101"\n', ['f.yaml:4: findmes[0].phone_list[0]: expected a phone number: digits with an optional leading +']],
  ['findme nextaction', 'findmes:\n  - { id: 4, phone_list: ["1"], nextaction: 8 }\n', ['f.yaml:2: findmes[0].nextaction: must be at most 7']],
  ['whisper audio needed', 'findmes:\n  - { id: 4, phone_list: ["1"], screen_method: 2 }\n', ['f.yaml:2: findmes[0].whisper_audio: required when screen_method is 2 (whisper audio)']],
  ['whisper phrase needed', 'findmes:\n  - { id: 4, phone_list: ["1"], screen_method: 1 }\n', ['f.yaml:2: findmes[0].whisper_phrase: required when screen_method is 1 (whisper text)']],
  ['hold music', 'findmes:\n  - { id: 4, phone_list: ["1"], holdmusic: jazz }\n', ['f.yaml:2: findmes[0].holdmusic: expected ringback or a .wav file name from the audio library']],
];

describe('parseFlows: mistakes are reported as file:line: key: message', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    if (expected.length === 0) expect(() => parseFlows(text, 'f.yaml')).not.toThrow();
    else expect(errorsOf(text)).toEqual(expected);
  });

  it('reports every mistake of a stage at once, in file order, and the first in the fields', () => {
    const text = 'vrs:\n  - { id: 0, prompt: Hi, options: { "1": ivr/1 } }\ntimezone: Nowhere\nnumbers: { "1": vr1 }\n';
    let caught: unknown;
    try {
      parseFlows(text, 'x/f.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.message).toBe(
      [
        'x/f.yaml:2: vrs[0].id: must be at least 1',
        'x/f.yaml:3: timezone: expected an IANA time zone such as UTC or America/New_York',
        'x/f.yaml:4: numbers.1: expected a reference like ivr/10, vr/3, findme/4 or voicemail/7',
      ].join('\n'),
    );
    expect([err.file, err.line, err.key, err.code]).toEqual(['x/f.yaml', 2, 'vrs[0].id', 'CONFIG_INVALID']);
    expect(err.issues).toHaveLength(3);
  });
});

/** examples/bad/*.yaml: each file's first line is `# expect: <the message>`. */
describe('examples/bad', () => {
  const dir = new URL('../../examples/bad/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it.each(files)('%s', (name) => {
    const path = `examples/bad/${name}`;
    const text = readFileSync(new URL(name, dir), 'utf8');
    const expected = /^# expect: (.*)$/m.exec(text)?.[1];
    expect(() => loadFlowsFile(fileURLToPath(new URL(name, dir)))).toThrow(ConfigError);
    let message = '';
    try {
      parseFlows(text, path);
    } catch (err) {
      message = (err as ConfigError).message;
    }
    expect(message).toBe(expected);
  });
});
