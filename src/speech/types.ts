/** A text-to-speech engine. Output is always what a call plays: 8 kHz mono 16-bit PCM. */
export interface TtsEngine {
  /** Stable name, part of the prompt-cache key: changing engines must not replay the old audio. */
  readonly name: string;
  /** Voice used when `synthesize` gets none; also part of the cache key. */
  readonly defaultVoice?: string;
  /** Empty (or whitespace-only) text yields an empty array without running the engine. */
  synthesize(text: string, voice?: string, options?: SynthesizeOptions): Promise<Int16Array>;
  /** Releases workers or other resources; the engine may not be used afterwards. */
  close?(): Promise<void>;
}

export interface SynthesizeOptions {
  /**
   * Nobody wants the result any more (the caller pressed a key or hung up). An engine that queues
   * requests drops this one if it has not started, rejecting with TTS_CANCELED; one already running
   * may finish. Engines may ignore it.
   */
  signal?: AbortSignal;
  /**
   * A caller is waiting in silence for this (the first piece of a prompt). An engine that queues
   * requests serves it before the non-urgent ones already waiting: those are later pieces of prompts
   * that are playing, which have until their previous piece has played to be ready.
   */
  urgent?: boolean;
  /**
   * Receives the start of the audio as soon as it is ready, when the engine can give it before the
   * rest (espeak-wasm: the first half second, before the rest is resampled). The promise still resolves
   * with the whole, which begins with exactly these samples.
   */
  onHead?: (pcm: Int16Array) => void;
}
