import type { Flows, Prompt } from '../config/types.js';
import { INVALID_CHOICE } from './questions.js';
import { NO_ONE_AVAILABLE, PRESS_ONE, SAY_YOUR_NAME } from './findme.js';
import { GOODBYE, MESSAGE_SAVED, NOT_ALLOWED, NOT_AVAILABLE } from './blocks.js';
import { RECORDING_NOTICE } from './connect.js';
import { GENERIC_FAILURE, NOT_IN_SERVICE } from './runner.js';

/**
 * Every prompt text a call can hear that is known before the call (no `@name` in it): the server
 * renders these into the prompt cache at start, so no caller waits for speech synthesis of them.
 */
export function staticPromptTexts(flows: Flows): string[] {
  const texts = new Set<string>([
    INVALID_CHOICE, NO_ONE_AVAILABLE, PRESS_ONE, SAY_YOUR_NAME, GOODBYE, MESSAGE_SAVED, NOT_ALLOWED,
    NOT_AVAILABLE, RECORDING_NOTICE, GENERIC_FAILURE, NOT_IN_SERVICE, 'You have a call from',
  ]);
  const add = (p: Prompt): void => {
    for (const part of p) if ('text' in part && !part.text.includes('@') && part.text.trim()) texts.add(part.text);
  };
  for (const ivr of flows.ivrs.values()) {
    for (const q of ivr.questions) add(q.prompt);
    if (ivr.webhook) add(ivr.webhook.onFailure);
  }
  for (const vr of flows.vrs.values()) add(vr.prompt);
  for (const vm of flows.voicemails.values()) add(vm.greeting);
  for (const fm of flows.findmes.values()) if (fm.whisperPhrase && !fm.whisperPhrase.includes('@')) texts.add(fm.whisperPhrase);
  return [...texts];
}
