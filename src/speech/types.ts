/** A text-to-speech engine. Output is always what a call plays: 8 kHz mono 16-bit PCM. */
export interface TtsEngine {
  /** Stable name, part of the prompt-cache key: changing engines must not replay the old audio. */
  readonly name: string;
  /** Voice used when `synthesize` gets none; also part of the cache key. */
  readonly defaultVoice?: string;
  /** Empty (or whitespace-only) text yields an empty array without running the engine. */
  synthesize(text: string, voice?: string): Promise<Int16Array>;
  /** Releases workers or other resources; the engine may not be used afterwards. */
  close?(): Promise<void>;
}
