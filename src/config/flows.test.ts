import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadFlowsFile, parseFlows } from './flows.js';
import { DEFAULT_FAILURE_TEXT, type FindMeConfig, type KeypadQuestion, type MenuQuestion, type RecordedQuestion } from './types.js';

/** Strips the first newline and the common indentation, so YAML in tests can be indented with the code. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** The reference example: every key of the flows file at least once (testdata/full-example.yaml). */
function specExample(): string {
  return readFileSync(new URL('./testdata/full-example.yaml', import.meta.url), 'utf8');
}

describe('parseFlows: valid files', () => {
  it('loads the example of the spec', () => {
    const flows = parseFlows(specExample(), 'flows.md');
    expect(flows.file).toBe('flows.md');
    expect(flows.timezone).toBe('America/New_York');
    expect([...flows.numbers]).toEqual([
      ['8005550100', { kind: 'ivr', id: 10 }],
      ['8005550111', { kind: 'vr', id: 3 }],
    ]);
    const ivr = flows.ivrs.get(10);
    expect(ivr?.name).toBe('Account lookup');
    expect(ivr?.optOutKey).toBe('*');
    expect(ivr?.questions.map((q) => q.type)).toEqual(['say', 'keypad', 'menu', 'recorded']);
    expect(ivr?.questions[1]).toEqual({
      type: 'keypad',
      prompt: [{ text: 'Enter your account number, then press pound.' }],
      minDigits: 4,
      maxDigits: 10,
      terminator: '#',
      timeoutS: 5,
    });
    expect(ivr?.webhook).toEqual({
      action: 'next_action',
      method: 'POST',
      url: 'http://127.0.0.1:9000/hook?source=ivr10',
      parameters: [
        { name: 'account', source: { kind: 'question', n: 2 } },
        { name: 'dept', source: { kind: 'question', n: 3 } },
        { name: 'first', source: { kind: 'user', name: 'firstName' } },
      ],
      includeSourcetrak: false,
      timeoutS: 10,
      secret: 'change-me',
      transcriptionUrl: 'http://127.0.0.1:9000/transcripts',
      onFailure: [{ text: 'Sorry, we cannot take your call right now. Goodbye.' }],
    });
    expect(flows.findmes.get(4)?.nextactionitem).toBe(7);
    expect(flows.vrs.get(3)?.options).toEqual({
      '0': { kind: 'ivr', id: 10 },
      '1': { kind: 'findme', id: 4 },
      '2': { kind: 'voicemail', id: 7 },
    });
    expect(flows.voicemails.get(7)).toEqual({ id: 7, name: '', greeting: [{ text: 'Please leave a message after the tone.' }], maxSeconds: 120 });
  });

  it('loads the demo flows, which use every building block and webhook option', () => {
    const flows = loadFlowsFile(fileURLToPath(new URL('../../examples/demo-flows.yaml', import.meta.url)));
    const hooks = [...flows.ivrs.values()].flatMap((i) => (i.webhook ? [i.webhook] : []));
    expect(new Set(hooks.map((h) => h.action))).toEqual(new Set(['next_action', 'read_text']));
    expect(new Set(hooks.map((h) => h.method))).toEqual(new Set(['GET', 'POST']));
    expect(new Set(hooks.flatMap((h) => h.parameters.map((p) => p.source.kind)))).toEqual(new Set(['question', 'user', 'call']));
    expect(hooks.some((h) => h.includeSourcetrak && h.secret && h.transcriptionUrl === undefined)).toBe(true);
    expect(hooks.some((h) => h.transcriptionUrl !== undefined)).toBe(true);
    // Paths: the demo webhook of whichever hookline runs them (serve --demo, or simulate's own).
    expect(hooks.every((h) => h.url.startsWith('/demo/hook?step='))).toBe(true);
    expect(hooks.flatMap((h) => (h.transcriptionUrl ? [h.transcriptionUrl] : []))).toEqual(['/demo/hook?step=transcript']);
    expect(flows.postCallActions?.map((a) => a.url)).toEqual(['/demo/hook?step=postcall', '/demo/hook?step=postcall_support']);
    expect(flows.voicemails.get(7)?.notify).toEqual({ url: '/demo/hook?step=voicemail', method: 'POST' });
    const types = new Set([...flows.ivrs.values()].flatMap((i) => i.questions.map((q) => q.type)));
    expect(types).toEqual(new Set(['say', 'keypad', 'menu', 'recorded']));
    expect(flows.numbers.get('8005550100')).toEqual({ kind: 'ivr', id: 10 });
    expect(flows.ivrs.get(75)?.questions[0]).toEqual({ type: 'say', prompt: [{ text: 'Hello @firstName @lastName.' }] });
    expect(new Set([...flows.numbers.values()].map((r) => r.kind))).toEqual(new Set(['ivr', 'vr', 'findme', 'voicemail']));
  });

  it('fills in the defaults of the spec', () => {
    const flows = parseFlows(
      yaml`
        ivrs:
          - id: 1
            questions:
              - { type: keypad, prompt: Enter }
              - { type: menu, prompt: Pick, options: { "1": a } }
              - { type: recorded, prompt: Speak }
            webhook: { url: "https://example.com/hook" }
        findmes:
          - { id: 2, phone_list: ["3125550101"] }
        voicemails:
          - { id: 3, greeting: Hi }
      `,
      'f.yaml',
    );
    expect(flows.timezone).toBe('UTC');
    expect(flows.numbers.size).toBe(0);
    const ivr = flows.ivrs.get(1);
    expect(ivr?.name).toBe('');
    expect(ivr?.optOutKey).toBeUndefined();
    const [keypad, menu, recorded] = ivr?.questions ?? [];
    expect(keypad as KeypadQuestion).toMatchObject({ minDigits: 1, maxDigits: 20, terminator: '#', timeoutS: 5 });
    expect((menu as MenuQuestion).timeoutS).toBe(5);
    expect(recorded as RecordedQuestion).toMatchObject({ maxSeconds: 60, transcribe: 'none' });
    expect(ivr?.webhook).toEqual({
      action: 'next_action',
      method: 'POST',
      url: 'https://example.com/hook',
      parameters: [],
      includeSourcetrak: false,
      timeoutS: 10,
      onFailure: [{ text: DEFAULT_FAILURE_TEXT }],
    });
    expect(flows.findmes.get(2)).toEqual<FindMeConfig>({
      id: 2,
      name: '',
      phoneList: ['3125550101'],
      simultaneous: 1,
      timeoutS: 20,
      screenMethod: 3,
      whisperPhrase: '',
      record: 0,
      autoAccept: 0,
      nextaction: 1,
      loopCount: 1,
      randomize: false,
      holdmusic: 'ringback',
    });
    expect(flows.voicemails.get(3)?.maxSeconds).toBe(120);
  });

  it('treats an empty file as nothing configured', () => {
    const flows = parseFlows('# nothing yet\n', 'empty.yaml');
    expect([flows.numbers.size, flows.ivrs.size, flows.findmes.size, flows.vrs.size, flows.voicemails.size]).toEqual([0, 0, 0, 0, 0]);
  });

  it('normalises prompts to lists of parts', () => {
    const flows = parseFlows(
      yaml`
        ivrs:
          - id: 1
            questions:
              - type: say
                prompt: [{ text: "Your code is" }, { audio: "code-@code.wav" }, { text: "Goodbye." }]
      `,
      'f.yaml',
    );
    expect(flows.ivrs.get(1)?.questions[0]?.prompt).toEqual([{ text: 'Your code is' }, { audio: 'code-@code.wav' }, { text: 'Goodbye.' }]);
  });

  it('keeps numbers as written, even unquoted', () => {
    const flows = parseFlows(
      yaml`
        numbers:
          +18005550100: voicemail/1
          08005550100: voicemail/1
          8005550100: voicemail/1
        findmes:
          - { id: 2, phone_list: [+13125550101, 03125550101, 3125550101], nextaction: 2, nextactionitem: 1 }
        voicemails:
          - { id: 1, greeting: Hi }
      `,
      'f.yaml',
    );
    expect([...flows.numbers.keys()]).toEqual(['+18005550100', '08005550100', '8005550100']);
    expect(flows.findmes.get(2)?.phoneList).toEqual(['+13125550101', '03125550101', '3125550101']);
  });

  it('resolves references to blocks defined later in the file, and YAML aliases', () => {
    const flows = parseFlows(
      yaml`
        numbers: { "1000": vr/5 }
        vrs:
          - id: 5
            prompt: &greeting "Hello."
            options: { "#": voicemail/9, "*": findme/8 }
        findmes:
          - { id: 8, phone_list: ["2125550100"], nextaction: 6, nextactionitem: 4 }
        ivrs:
          - { id: 4, questions: [{ type: say, prompt: *greeting }] }
        voicemails:
          - { id: 9, greeting: *greeting }
      `,
      'f.yaml',
    );
    expect(flows.vrs.get(5)?.options).toEqual({ '#': { kind: 'voicemail', id: 9 }, '*': { kind: 'findme', id: 8 } });
    expect(flows.voicemails.get(9)?.greeting).toEqual([{ text: 'Hello.' }]);
  });

  it('accepts every call field as a parameter source', () => {
    const flows = parseFlows(
      yaml`
        ivrs:
          - id: 1
            questions: [{ type: recorded, prompt: Speak }]
            webhook:
              url: http://h/x
              parameters:
                - { name: a, value: call.caller_id }
                - { name: b, value: call.number_called }
                - { name: c, value: call.session_id }
                - { name: d, value: call.pass_through }
                - { name: e, value: call.timestamp }
                - { name: f, value: call.ivr_id }
                - { name: g, value: call.response_id }
                - { name: h, value: question.1 }
      `,
      'f.yaml',
    );
    expect(flows.ivrs.get(1)?.webhook?.parameters.map((p) => p.source)).toEqual([
      { kind: 'call', field: 'caller_id' },
      { kind: 'call', field: 'number_called' },
      { kind: 'call', field: 'session_id' },
      { kind: 'call', field: 'pass_through' },
      { kind: 'call', field: 'timestamp' },
      { kind: 'call', field: 'ivr_id' },
      { kind: 'call', field: 'response_id' },
      { kind: 'question', n: 1 },
    ]);
  });
});

describe('loadFlowsFile', () => {
  it('reports a missing file as a ConfigError naming it', () => {
    expect(() => loadFlowsFile('/nonexistent/flows.yaml')).toThrow(new ConfigError({ file: '/nonexistent/flows.yaml', message: 'cannot read flows file: no such file (give another with --flows FILE or HOOKLINE_FLOWS)' }));
  });
});
