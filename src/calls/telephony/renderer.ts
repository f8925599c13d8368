import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlayablePart } from '../types.js';
import type { AudioLibrary } from '../../speech/audio-library.js';
import type { G711Law, PromptCache, PromptStream } from '../../speech/prompt-cache.js';
import { beep } from '../../media/tones.js';
import { encodeAlaw, encodeUlaw, ALAW_SILENCE, ULAW_SILENCE } from '../../media/g711.js';
import { wavTo8kMono } from '../../media/wav.js';

/**
 * What a MediaChannel needs to play parts. `stream` is optional so that a stand-in (tests, benchmarks)
 * may render whole parts only; the channel then plays each part once it is rendered whole.
 */
export interface PartRenderer {
  render(part: PlayablePart, law: G711Law): Promise<Uint8Array>;
  stream?(part: PlayablePart, law: G711Law): PromptStream;
}

/**
 * Turns a playable part into G.711 bytes of the call's codec: text through the prompt cache (rendered
 * once, then from disk or memory), library audio through the audio library, recordings made during the
 * call (absolute paths under the data dir, e.g. a Find Me caller's recorded name) read directly.
 */
export class PromptRenderer implements PartRenderer {
  private readonly beeps: Record<G711Law, Uint8Array>;

  constructor(
    private readonly prompts: PromptCache,
    private readonly library: AudioLibrary,
    private readonly dataDir: string,
  ) {
    const b = beep();
    this.beeps = { ulaw: encodeUlaw(b), alaw: encodeAlaw(b) };
  }

  /**
   * A part as it becomes playable: text not cached yet arrives sentence by sentence as it is
   * synthesized (see PromptCache.stream); everything else arrives whole.
   */
  stream(part: PlayablePart, law: G711Law): PromptStream {
    if ('text' in part && part.text.trim()) return this.prompts.stream(part.text, undefined, law);
    return wholeStream(this.render(part, law));
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

/** A stream of one piece that is rendered whole; closing it ends a pending next() at once. */
export function wholeStream(bytes: Promise<Uint8Array>): PromptStream {
  let done = false;
  let closed!: () => void;
  const whenClosed = new Promise<undefined>((resolve) => (closed = () => resolve(undefined)));
  bytes.catch(() => undefined); // surfaces through next(), if anyone reads
  return {
    next: async () => {
      if (done) return undefined;
      done = true;
      return Promise.race([bytes, whenClosed]);
    },
    close: () => {
      done = true;
      closed();
    },
  };
}
