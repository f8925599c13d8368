import { createHttpEngine } from './http-engine.js';
import { createLocalEngine } from './local-engine.js';
import type { SpeechToText } from './types.js';

export { createHttpEngine, transcriptionsEndpoint } from './http-engine.js';
export { createLocalEngine } from './local-engine.js';
export { cleanText, SttError, type SpeechToText } from './types.js';

/** What the settings choose (config/settings.ts `transcribe`); `none` runs no engine. */
export interface SttSettings {
  engine: 'none' | 'local' | 'http';
  url?: string;
  model: string;
  key?: string;
  timeoutS: number;
}

/** The configured engine, or undefined for `none`. */
export function createSttEngine(s: SttSettings): SpeechToText | undefined {
  switch (s.engine) {
    case 'none':
      return undefined;
    case 'local':
      return createLocalEngine({ timeoutMs: s.timeoutS * 1000 });
    case 'http':
      if (!s.url) throw new Error('the http transcription engine needs a URL (HOOKLINE_TRANSCRIBE_URL)');
      return createHttpEngine({ url: s.url, model: s.model, timeoutMs: s.timeoutS * 1000, ...(s.key ? { key: s.key } : {}) });
  }
}
