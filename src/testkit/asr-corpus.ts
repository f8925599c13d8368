/**
 * A speech corpus hookline makes itself, for measuring transcription engines (`npm run bench:asr`) and
 * for end-to-end tests that need a caller who speaks: short answers of the kind callers leave in a
 * survey or a message, spoken by the text-to-speech engines hookline ships with (espeak-ng as WASM, and
 * Flite when Debian's `flite` is installed), passed through G.711 μ-law as a call would carry them, at
 * 8 kHz. The reference text is what was spoken. Synthetic voices are cleaner and more regular than
 * people, so a word error rate measured here is a floor, not what real callers will see.
 */
import { decodeUlaw, encodeUlaw } from '../media/g711.js';
import { encodeWav } from '../media/wav.js';
import { createTtsEngine } from '../speech/engines.js';

export const CORPUS_SENTENCES: readonly string[] = [
  'Please call me back tomorrow morning about my order.',
  'The delivery arrived late and the box was damaged.',
  'I would like to speak with someone in the billing department.',
  'Your agent was very helpful and answered all my questions.',
  'The wait on hold was far too long today.',
  'My account number is on the letter you sent me.',
  'I need to change the address on my account.',
  'Thank you for the quick response to my complaint.',
  'The website would not let me reset my password.',
  'Can someone explain the extra charge on my last bill?',
  'I am happy with the service but the price is high.',
  'Please cancel my appointment for next week.',
  'The technician fixed the problem in less than an hour.',
  'I have been a customer for many years and I am disappointed.',
  'Send the receipt to my email address please.',
  'The new store hours are much better for me.',
  'I could not understand the options in the menu.',
  'My package was left at the wrong house again.',
  'I want to upgrade my plan to include more data.',
  'Everything was fine, no further comments.',
];

export interface CorpusItem {
  id: string;
  /** The text-to-speech engine that spoke it. */
  voice: string;
  reference: string;
  /** 8 kHz mono, after a G.711 μ-law round trip. */
  pcm: Int16Array;
  /** The same as a WAV file's bytes, as a recording is stored. */
  wav: Uint8Array;
  durationMs: number;
}

/** What a call does to audio: μ-law encode at the sender, decode at hookline. */
export function throughG711(pcm: Int16Array): Int16Array {
  return decodeUlaw(encodeUlaw(pcm));
}

/** Speaks each sentence with each of `voices` that can run here; `skipped` names those that cannot, and why. */
export async function synthesizeCorpus(voices: readonly string[] = ['espeak-wasm', 'flite-cli'], sentences: readonly string[] = CORPUS_SENTENCES): Promise<{ items: CorpusItem[]; skipped: Array<{ voice: string; why: string }> }> {
  const items: CorpusItem[] = [];
  const skipped: Array<{ voice: string; why: string }> = [];
  for (const voice of voices) {
    let engine;
    try {
      engine = await createTtsEngine(voice);
    } catch (err) {
      skipped.push({ voice, why: err instanceof Error ? err.message : String(err) });
      continue;
    }
    try {
      for (const [i, reference] of sentences.entries()) {
        const pcm = throughG711(await engine.synthesize(reference));
        items.push({ id: `${voice}-${String(i + 1).padStart(2, '0')}`, voice, reference, pcm, wav: encodeWav(pcm), durationMs: (pcm.length / 8000) * 1000 });
      }
    } finally {
      await engine.close?.();
    }
  }
  return { items, skipped };
}
