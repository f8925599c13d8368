import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlayablePart } from '../types.js';
import type { AudioLibrary } from '../../speech/audio-library.js';
import type { G711Law, PromptCache } from '../../speech/prompt-cache.js';
import { beep } from '../../media/tones.js';
import { encodeAlaw, encodeUlaw, ALAW_SILENCE, ULAW_SILENCE } from '../../media/g711.js';
import { wavTo8kMono } from '../../media/wav.js';

/**
 * Turns a playable part into G.711 bytes of the call's codec: text through the prompt cache (rendered
 * once, then from disk or memory), library audio through the audio library, recordings made during the
 * call (absolute paths under the data dir, e.g. a Find Me caller's recorded name) read directly.
 */
export class PromptRenderer {
  private readonly beeps: Record<G711Law, Uint8Array>;

  constructor(
    private readonly prompts: PromptCache,
    private readonly library: AudioLibrary,
    private readonly dataDir: string,
  ) {
    const b = beep();
    this.beeps = { ulaw: encodeUlaw(b), alaw: encodeAlaw(b) };
  }

  async render(part: PlayablePart, law: G711Law): Promise<Uint8Array> {
    if ('text' in part) return part.text.trim() ? this.prompts.get(part.text, undefined, law) : new Uint8Array(0);
    if ('tone' in part) return this.beeps[law];
    if ('silenceMs' in part) return new Uint8Array(Math.round(part.silenceMs * 8)).fill(law === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE);
    if (path.isAbsolute(part.audioPath)) {
      // Only recordings this server made (under its data dir) may be played by absolute path.
      const rel = path.relative(this.dataDir, part.audioPath);
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`audio path outside the data dir: ${part.audioPath}`);
      const pcm = wavTo8kMono(await readFile(part.audioPath));
      return law === 'ulaw' ? encodeUlaw(pcm) : encodeAlaw(pcm);
    }
    return this.library.get(part.audioPath, law);
  }
}
