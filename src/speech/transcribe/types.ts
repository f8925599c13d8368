import { SpeechError } from '../errors.js';

/**
 * A speech-to-text engine: one recording in, its text out. The engines are interchangeable behind this
 * interface; which one runs is a server setting (HOOKLINE_TRANSCRIBE_ENGINE), and the transcription
 * worker (webhook/transcription-worker.ts) owns retries, so an engine makes exactly one attempt.
 */
export interface SpeechToText {
  /** `http` or `local`: stored with each text, so one can tell later what produced it. */
  readonly name: string;
  /**
   * Transcribes a WAV file's bytes. Resolves with the text as the engine gave it (trimmed; possibly
   * empty: the caller decides what empty means). Rejects with SttError; `signal` cancels.
   */
  transcribe(wav: Uint8Array, o?: { signal?: AbortSignal }): Promise<string>;
  /** Confirms the engine can run at all (installed, model present), so a mistake shows at start-up. */
  check?(): Promise<void>;
}

/**
 * Codes: STT_TIMEOUT, STT_UNAVAILABLE (connection refused, 5xx, 429), STT_REFUSED (another 4xx: a bad
 * key or model, which waiting will not fix unless somebody changes the setting), STT_BAD_ANSWER (not
 * the expected shape), STT_BINARY_MISSING, STT_FAILED. `retryable` says whether the worker should try
 * again later.
 */
export class SttError extends SpeechError {
  constructor(
    code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The longest text an engine may answer; more is not a transcript of one answer of at most minutes. */
export const MAX_TEXT_CHARS = 20_000;

/**
 * The text as it may be stored and posted: control characters (which some engines emit for noise) turn
 * into spaces, runs of white space into one. Throws STT_BAD_ANSWER for a text no recording could give.
 */
export function cleanText(raw: string): string {
  if (raw.length > MAX_TEXT_CHARS) throw new SttError('STT_BAD_ANSWER', `the engine answered ${raw.length} characters (at most ${MAX_TEXT_CHARS})`, true);
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
}
