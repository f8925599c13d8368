/**
 * The `@name` user parameters the configuration already uses. Which names a webhook will send back
 * cannot be known (the customer's server decides), so the editor shows the syntax and the names
 * used elsewhere: in prompts, whisper phrases, failure texts and `user.NAME` parameters.
 */
import type { ConfigSnapshot } from './config';
import type { Prompt } from './types';

/** As the server substitutes it (flow/substitute.ts): letters, digits and `_`. */
const NAME = /@([A-Za-z0-9_]+)/g;

function promptTexts(p: Prompt | undefined): string[] {
  if (p === undefined) return [];
  if (typeof p === 'string') return [p];
  return p.map((part) => ('text' in part ? part.text : part.audio));
}

export function namesIn(text: string): string[] {
  return [...text.matchAll(NAME)].map((m) => m[1] ?? '').filter(Boolean);
}

export function userParamNames(c: ConfigSnapshot): string[] {
  const texts: string[] = [];
  const names: string[] = [];
  for (const { value: ivr } of c.ivr) {
    for (const q of ivr.questions) texts.push(...promptTexts(q.prompt));
    texts.push(...promptTexts(ivr.webhook?.on_failure?.say));
    for (const p of ivr.webhook?.parameters ?? []) if (p.value.startsWith('user.')) names.push(p.value.slice(5));
  }
  for (const { value } of c.vr) texts.push(...promptTexts(value.prompt));
  for (const { value } of c.voicemail) texts.push(...promptTexts(value.greeting));
  for (const { value } of c.findme) texts.push(value.whisper_phrase, value.whisper_audio ?? '');
  for (const t of texts) names.push(...namesIn(t));
  return [...new Set(names.filter(Boolean))].sort((a, b) => a.localeCompare(b));
}
