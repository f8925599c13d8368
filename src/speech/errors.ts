import { HooklineError } from '../lib/errors.js';

/**
 * The speech layer's error: engine missing or failing, bad voice or text, audio file not found or
 * unreadable. The `code` says which, so a flow can fall back (e.g. to a recorded prompt) on purpose.
 *
 * Codes: TTS_UNKNOWN_ENGINE, TTS_BINARY_MISSING, TTS_BAD_VOICE, TTS_TEXT_TOO_LONG, TTS_FAILED,
 * TTS_TIMEOUT, TTS_CLOSED, TTS_CANCELED (nobody waits for the result any more), AUDIO_BAD_NAME,
 * AUDIO_NOT_FOUND, AUDIO_INVALID.
 */
export class SpeechError extends HooklineError {}
