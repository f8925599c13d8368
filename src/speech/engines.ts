/**
 * Picks a TTS engine by the name used in settings. Creation is async because it proves the engine
 * works (the WASM compiles, the binary starts): a misconfigured engine should stop `hookline serve`
 * with a message, not surface as silence on the first live call.
 */
import { EspeakCliEngine, FliteCliEngine, probeBinary } from './cli-engines.js';
import { SpeechError } from './errors.js';
import { EspeakWasmEngine } from './espeak-wasm.js';
import type { TtsEngine } from './types.js';

export const TTS_ENGINE_NAMES = ['espeak-wasm', 'espeak-cli', 'flite-cli'] as const;
export type TtsEngineName = (typeof TTS_ENGINE_NAMES)[number];

export interface CreateTtsEngineOptions {
  defaultVoice?: string;
  /** For the CLI engines: executable name or path. */
  binary?: string;
  timeoutMs?: number;
  /** Check the engine can run before returning it (default true). */
  check?: boolean;
}

export async function createTtsEngine(name: string, options: CreateTtsEngineOptions = {}): Promise<TtsEngine> {
  const check = options.check ?? true;
  switch (name) {
    case 'espeak-wasm': {
      const engine = new EspeakWasmEngine(options);
      if (check) await engine.warmUp();
      return engine;
    }
    case 'espeak-cli': {
      const engine = new EspeakCliEngine(options);
      if (check) await probeBinary(engine.binary);
      return engine;
    }
    case 'flite-cli': {
      const engine = new FliteCliEngine(options);
      if (check) await probeBinary(engine.binary);
      return engine;
    }
    default:
      throw new SpeechError(
        'TTS_UNKNOWN_ENGINE',
        `unknown TTS engine ${JSON.stringify(name)}; choose one of ${TTS_ENGINE_NAMES.join(', ')}`,
      );
  }
}
