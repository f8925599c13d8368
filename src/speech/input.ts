import { SpeechError } from './errors.js';

/** Longest text one synthesis accepts: ~5 minutes of speech; longer is a flow bug, not a prompt. */
export const MAX_TEXT_CHARS = 5000;

/**
 * Voice names reach engine command lines, so they are held to what voice names look like (en-us,
 * en+f3, mb/mb-en1, kal16, a .flitevox path) and may not start with '-', which would read as an option.
 */
const VOICE_RE = /^(?!-)[A-Za-z0-9_+./-]{1,100}$/;

export function checkVoice(voice: string): string {
  if (!VOICE_RE.test(voice)) throw new SpeechError('TTS_BAD_VOICE', `invalid voice name ${JSON.stringify(voice)}`);
  return voice;
}

/**
 * Collapses whitespace so that prompts differing only in layout (YAML line folding, indentation)
 * share one cache entry and one synthesis; engines treat them the same anyway.
 */
export function normalizeText(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length > MAX_TEXT_CHARS) {
    throw new SpeechError('TTS_TEXT_TOO_LONG', `text of ${t.length} characters exceeds ${MAX_TEXT_CHARS}`);
  }
  return t;
}
