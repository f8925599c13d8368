import { describe, expect, it } from 'vitest';
import { parseFlows } from '../config/flows.js';
import { audioUsedBy } from './audio-uses.js';

const FLOWS = parseFlows(
  `
ivrs:
  - id: 10
    questions:
      - { type: say, prompt: [{ text: "Hi" }, { audio: "greeting_@lang.wav" }] }
      - { type: menu, prompt: [{ audio: menu.wav }], options: { "1": a } }
    webhook: { url: "http://127.0.0.1:9/h", on_failure: { say: [{ audio: sorry.wav }] } }
vrs:
  - { id: 3, prompt: [{ audio: menu.wav }], options: { "1": ivr/10 } }
voicemails:
  - { id: 7, greeting: [{ audio: vm.wav }] }
findmes:
  - { id: 4, phone_list: ["3125550101"], screen_method: 2, whisper_audio: whisper.wav, holdmusic: hold.wav }
`,
  'f.yaml',
);

describe('audioUsedBy', () => {
  it('finds every place that plays a file, @name references included', () => {
    expect(audioUsedBy(FLOWS, 'menu.wav')).toEqual(['ivrs[id=10].questions[1].prompt', 'vrs[id=3].prompt']);
    expect(audioUsedBy(FLOWS, 'greeting_en.wav')).toEqual(['ivrs[id=10].questions[0].prompt']);
    expect(audioUsedBy(FLOWS, 'sorry.wav')).toEqual(['ivrs[id=10].webhook.on_failure.say']);
    expect(audioUsedBy(FLOWS, 'vm.wav')).toEqual(['voicemails[id=7].greeting']);
    expect(audioUsedBy(FLOWS, 'whisper.wav')).toEqual(['findmes[id=4].whisper_audio']);
    expect(audioUsedBy(FLOWS, 'hold.wav')).toEqual(['findmes[id=4].holdmusic']);
    expect(audioUsedBy(FLOWS, 'other.wav')).toEqual([]);
  });
});
