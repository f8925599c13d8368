import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { flowsToRaw } from './canonical.js';
import { checkFlowsData, parseFlows } from './flows.js';
import type { Flows } from './types.js';

const read = (rel: string): string => readFileSync(new URL(rel, import.meta.url), 'utf8');

const FILES: Array<[string, string]> = [
  ['the reference example', read('./testdata/full-example.yaml')],
  ['the demo flows', read('../../examples/demo-flows.yaml')],
  [
    'labels, audio parts, a custom failure route and explicit post-call ids',
    `
numbers:
  "+18005550100": { to: ivr/1, label: Main line }
  "8005550101": voicemail/2
ivrs:
  - id: 1
    questions:
      - { type: say, prompt: [{ text: "Hi @name" }, { audio: hi.wav }] }
      - { type: keypad, prompt: "Digits", terminator: "" }
    webhook:
      url: http://127.0.0.1:9/h
      method: GET
      parameters: [{ name: d, value: question.2 }, { name: n, value: user.name }]
      on_failure: { say: [{ audio: sorry.wav }] }
voicemails:
  - { id: 2, name: Sales box, greeting: "Leave a message", notify_url: "https://crm.test/vm", notify_secret: s }
post_call_actions:
  - { id: 7, url: "http://crm.test/a", applies_to: ["+18005550100", voicemail/2] }
  - { url: "http://crm.test/b", parameters: [{ name: a, value: ivr.1.question.2 }] }
`,
  ],
  [
    'SourceTrak pools, with and without the optional keys',
    `
numbers:
  "8005550161": ivr/1
  "8005550162": ivr/1
  "8005550163": ivr/1
  "+18005550170": ivr/1
  "8005550180": ivr/1
ivrs:
  - { id: 1, questions: [{ type: say, prompt: Hi }] }
post_call_actions:
  - { url: "http://crm.test/st", parameters: [{ name: rank, value: call.st_rank }, { name: kw, value: call.st_search_term }] }
sourcetrak_pools:
  - { name: web, numbers: [8005550161, "8005550162"], activity_keyword: seo, domains: [example.com], domain_set_id: 7, campaign: spring, platform: google }
  - name: ppc
    numbers: ["8005550163"]
    default_number: +18005550170
    sourceguard_numbers: ["8005550180"]
    domains: [Shop.Example.org, 127.0.0.1]
    locations: [Downtown, Airport]
    replace_numbers: ["8005550100"]
    hold_minutes: 45
`,
  ],
];

function withoutFile(f: Flows): Omit<Flows, 'file'> {
  const { file: _file, ...rest } = f;
  return rest;
}

describe('flowsToRaw', () => {
  it.each(FILES)('round-trips %s through the plain shape and through YAML', (_name, text) => {
    const flows = parseFlows(text, 'in.yaml');
    const raw = flowsToRaw(flows);

    const again = checkFlowsData(raw, 'api');
    if (!again.ok) throw new Error(JSON.stringify(again.issues));
    expect(withoutFile(again.flows)).toEqual(withoutFile(flows));
    expect(flowsToRaw(again.flows)).toEqual(raw);

    const yaml = stringify(raw);
    expect(withoutFile(parseFlows(yaml, 'out.yaml'))).toEqual(withoutFile(flows));
  });

  it('writes every default out and keeps numbers as text', () => {
    const raw = flowsToRaw(parseFlows('numbers: { "0800": findme/1 }\nfindmes: [{ id: 1, phone_list: [+13125550101] }]\n', 'f.yaml'));
    expect(raw['numbers']).toEqual({ '0800': 'findme/1' });
    expect(raw['findmes']).toEqual([
      {
        id: 1,
        name: '',
        phone_list: ['+13125550101'],
        simultaneous: 1,
        timeout_s: 20,
        screen_method: 3,
        whisper_phrase: '',
        record: 0,
        auto_accept: 0,
        nextaction: 1,
        loop_count: 1,
        randomize: false,
        holdmusic: 'ringback',
      },
    ]);
    expect(stringify(raw)).toContain('"0800": findme/1');
  });
});
