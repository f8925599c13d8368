import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from './config';
import { namesIn, userParamNames } from './names';
import { errorsByPath, errorsUnder, fieldId, pathOf } from './paths';

describe('user parameter names', () => {
  it('finds @names as the server substitutes them, in every prompt and user.NAME parameter', () => {
    expect(namesIn('Hello @firstName, your balance is @balance_1.')).toEqual(['firstName', 'balance_1']);
    const c = {
      ...EMPTY_CONFIG,
      ivr: [
        {
          managed_by: 'api' as const,
          etag: '"1"',
          value: {
            id: 1,
            name: '',
            questions: [{ type: 'say' as const, prompt: [{ text: 'Hi @first' }, { audio: 'greet-@lang.wav' }] }],
            webhook: { action: 'next_action' as const, method: 'POST' as const, url: 'http://x/', parameters: [{ name: 'a', value: 'user.account' }, { name: 'b', value: 'call.caller_id' }], include_sourcetrak: false, timeout_s: 10 },
          },
        },
      ],
      findme: [{ managed_by: 'file' as const, etag: '"2"', value: { id: 4, name: '', phone_list: ['1'], simultaneous: 1, timeout_s: 20, screen_method: 1, whisper_phrase: 'Call for @first', record: 0, auto_accept: 0, nextaction: 1, loop_count: 1, randomize: false, holdmusic: 'ringback' } }],
    };
    expect(userParamNames(c)).toEqual(['account', 'first', 'lang']);
  });
});

describe('key paths', () => {
  it('are written as the server writes a problem\'s errors[].path', () => {
    expect(pathOf('questions', 1, 'max_digits')).toBe('questions[1].max_digits');
    expect(pathOf('webhook', 'parameters', 0, 'value')).toBe('webhook.parameters[0].value');
    expect(pathOf('options', '1')).toBe('options.1');
    expect(fieldId('questions[1].max_digits')).toBe('f-questions-1-max_digits');
    expect(fieldId('options.#')).toBe('f-options-hash');
    expect(fieldId('options.*')).toBe('f-options-star');
  });

  it('groups issues by path and finds those under a part of the form', () => {
    const e = errorsByPath([
      { path: 'webhook.url', message: 'expected an http:// or https:// URL' },
      { path: 'webhook.parameters[0].value', message: 'required' },
      { path: 'webhook.parameters[0].value', message: 'unknown' },
      { path: 'questions[0].prompt', message: 'required' },
    ]);
    expect(e['webhook.parameters[0].value']).toBe('required; unknown');
    expect(errorsUnder(e, 'webhook').sort()).toEqual(['webhook.parameters[0].value', 'webhook.url']);
    expect(errorsUnder(e, 'questions')).toEqual(['questions[0].prompt']);
  });
});
