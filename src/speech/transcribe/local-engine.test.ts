import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../media/wav.js';
import { skipWithout } from '../../testkit/system-tools.js';
import { createLocalEngine } from './local-engine.js';

const SKIP = skipWithout('pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us', ['-h']);

describe('local speech-to-text engine (PocketSphinx)', () => {
  it('says how to install it when the program is missing, and that waiting will not help', async () => {
    const engine = createLocalEngine({ binary: 'hookline-no-such-recognizer', timeoutMs: 5_000 });
    await expect(engine.transcribe(encodeWav(new Int16Array(8000)))).rejects.toMatchObject({ code: 'STT_BINARY_MISSING', retryable: false, message: expect.stringContaining('apt-get install pocketsphinx') });
  });

  it('fails its start-up check when the program is missing', async () => {
    await expect(createLocalEngine({ binary: 'hookline-no-such-recognizer', timeoutMs: 5_000 }).check!()).rejects.toMatchObject({ code: 'STT_BINARY_MISSING' });
  });

  it.skipIf(SKIP)('passes its start-up check where PocketSphinx and its model are installed', async () => {
    await expect(createLocalEngine({ timeoutMs: 30_000 }).check!()).resolves.toBeUndefined();
  });

  it('refuses bytes that are not a WAV without running anything', async () => {
    const engine = createLocalEngine({ binary: 'hookline-no-such-recognizer', timeoutMs: 5_000 });
    await expect(engine.transcribe(new TextEncoder().encode('not a wav at all, just text'))).rejects.toMatchObject({ code: 'STT_FAILED', retryable: false });
  });

  it.skipIf(SKIP)('runs the recognizer on a telephone-rate WAV and returns its text (empty for silence)', async () => {
    const engine = createLocalEngine({ timeoutMs: 30_000 });
    expect(await engine.transcribe(encodeWav(new Int16Array(16_000)))).toBe('');
  });

  it.skipIf(SKIP)('is stopped by its timeout', async () => {
    // Sixty seconds of noise takes the decoder well over 5 ms.
    const noise = Int16Array.from({ length: 8000 * 60 }, (_, i) => Math.round(Math.sin(i * 12.9898) * 43758.5453 % 1 * 8000));
    await expect(createLocalEngine({ timeoutMs: 5 }).transcribe(encodeWav(noise))).rejects.toMatchObject({ code: 'STT_TIMEOUT', retryable: true });
  });
});
