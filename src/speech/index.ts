export { AudioLibrary, type AudioLibraryOptions, type AudioLibraryStats } from './audio-library.js';
export { EspeakCliEngine, FliteCliEngine, type CliEngineOptions } from './cli-engines.js';
export { createTtsEngine, TTS_ENGINE_NAMES, type CreateTtsEngineOptions, type TtsEngineName } from './engines.js';
export { SpeechError } from './errors.js';
export { EspeakWasmEngine, type EspeakWasmOptions } from './espeak-wasm.js';
export { MAX_TEXT_CHARS } from './input.js';
export { PromptCache, type G711Law, type PromptCacheOptions, type PromptCacheStats } from './prompt-cache.js';
export type { TtsEngine } from './types.js';
