import { describe, expect, it } from 'vitest';
import { makeFlows, findMe } from './testing.js';
import { staticPromptTexts } from './prompts.js';
import { INVALID_CHOICE } from './questions.js';

describe('staticPromptTexts', () => {
  it('lists fixed prompts and skips those with @names', () => {
    const flows = makeFlows({
      ivrs: [{ id: 1, name: '', questions: [{ type: 'say', prompt: [{ text: 'Welcome.' }, { text: 'Hi @firstName' }, { audio: 'x.wav' }] }] }],
      vrs: [{ id: 3, prompt: [{ text: 'Press 1.' }], options: {} }],
      findmes: [findMe({ whisperPhrase: 'Call from the line.' })],
    });
    const texts = staticPromptTexts(flows);
    expect(texts).toEqual(expect.arrayContaining(['Welcome.', 'Press 1.', 'Call from the line.', INVALID_CHOICE]));
    expect(texts.some((t) => t.includes('@'))).toBe(false);
  });
});
