/**
 * Where the configuration plays audio library files: prompt parts (`audio: x.wav`, `@name` allowed),
 * Find Me whisper audio and hold music. The audio API asks before deleting a file, so that a prompt
 * does not quietly lose its audio.
 */
import type { Flows, Prompt } from '../config/types.js';
import { referenceMatches } from './audio.js';

export interface AudioUse {
  /** `ivrs[id=10].questions[1].prompt`, as the API and the console name places in the configuration. */
  where: string;
  /** The file name as configured, `@name` included. */
  file: string;
}

function inPrompt(where: string, p: Prompt): AudioUse[] {
  return p.flatMap((part) => ('audio' in part ? [{ where, file: part.audio }] : []));
}

export function audioUses(f: Flows): AudioUse[] {
  const uses: AudioUse[] = [];
  for (const ivr of f.ivrs.values()) {
    ivr.questions.forEach((q, i) => uses.push(...inPrompt(`ivrs[id=${ivr.id}].questions[${i}].prompt`, q.prompt)));
    if (ivr.webhook) uses.push(...inPrompt(`ivrs[id=${ivr.id}].webhook.on_failure.say`, ivr.webhook.onFailure));
  }
  for (const vr of f.vrs.values()) uses.push(...inPrompt(`vrs[id=${vr.id}].prompt`, vr.prompt));
  for (const vm of f.voicemails.values()) uses.push(...inPrompt(`voicemails[id=${vm.id}].greeting`, vm.greeting));
  for (const fm of f.findmes.values()) {
    if (fm.whisperAudio) uses.push({ where: `findmes[id=${fm.id}].whisper_audio`, file: fm.whisperAudio });
    if (fm.holdmusic !== 'ringback') uses.push({ where: `findmes[id=${fm.id}].holdmusic`, file: fm.holdmusic });
  }
  return uses;
}

/** The places that would play `name` (a reference with `@name` may match it). */
export function audioUsedBy(f: Flows, name: string): string[] {
  return audioUses(f).filter((u) => referenceMatches(u.file, name)).map((u) => u.where);
}
