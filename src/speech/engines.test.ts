import { afterAll, describe, expect, it } from 'vitest';
import { createTtsEngine } from './engines.js';
import { SpeechError } from './errors.js';
import { EspeakWasmEngine } from './espeak-wasm.js';
import { MAX_TEXT_CHARS } from './input.js';
import type { TtsEngine } from './types.js';
import { skipWithout } from '../testkit/system-tools.js';

const PROMPT = 'Thank you for calling. Please press one for sales or two for support.';

function stats(pcm: Int16Array): { seconds: number; rms: number; peak: number; voicedShare: number } {
  let sum = 0;
  let peak = 0;
  let voiced = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! ** 2;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  // Share of 20 ms frames above −40 dBFS: speech is mostly sound with short pauses.
  for (let f = 0; f + 160 <= pcm.length; f += 160) {
    let e = 0;
    for (let i = f; i < f + 160; i++) e += pcm[i]! ** 2;
    if (Math.sqrt(e / 160) > 328) voiced++;
  }
  return { seconds: pcm.length / 8000, rms: Math.sqrt(sum / pcm.length), peak, voicedShare: voiced / Math.floor(pcm.length / 160) };
}

/** The same behaviour is asked of every engine. */
function engineSuite(name: string, available: boolean, badVoice: string): void {
  describe.skipIf(!available)(name, () => {
    let engine: TtsEngine;
    afterAll(async () => {
      await engine?.close?.();
    });

    it('starts (and proves it can run)', async () => {
      engine = await createTtsEngine(name);
      expect(engine.name).toBe(name);
    });

    it('speaks a 12-word prompt: plausible length and energy, not silence, not clipped', async () => {
      const s = stats(await engine.synthesize(PROMPT));
      expect(s.seconds).toBeGreaterThan(2); // ~150–200 words a minute
      expect(s.seconds).toBeLessThan(8);
      expect(s.rms).toBeGreaterThan(500);
      expect(s.peak).toBeLessThan(32767);
      expect(s.voicedShare).toBeGreaterThan(0.4);
    });

    it('is longer for longer text', async () => {
      const short = await engine.synthesize('Goodbye.');
      const long = await engine.synthesize(`${PROMPT} ${PROMPT}`);
      expect(long.length).toBeGreaterThan(short.length * 3);
    });

    it('speaks text that starts with a dash instead of reading it as an option', async () => {
      expect((await engine.synthesize('-v minus five degrees')).length).toBeGreaterThan(4000);
    });

    it('returns nothing for empty text without running the engine', async () => {
      expect(await engine.synthesize('  \n ')).toHaveLength(0);
    });

    it('refuses an unknown voice with TTS_BAD_VOICE', async () => {
      await expect(engine.synthesize('hello', badVoice)).rejects.toMatchObject({ code: 'TTS_BAD_VOICE' });
    });

    it('refuses option-like voices before running anything', async () => {
      await expect(engine.synthesize('hello', '--stdout')).rejects.toMatchObject({ code: 'TTS_BAD_VOICE' });
    });

    it('refuses text beyond the limit', async () => {
      await expect(engine.synthesize('a '.repeat(MAX_TEXT_CHARS))).rejects.toMatchObject({ code: 'TTS_TEXT_TOO_LONG' });
    });
  });
}

engineSuite('espeak-wasm', true, 'nonexistent-voice');
// The CLI engines skip where their program is missing, except under CI, where they fail (system-tools.ts).
engineSuite('espeak-cli', !skipWithout('espeak-ng', 'espeak-ng'), 'nonexistent-voice');
engineSuite('flite-cli', !skipWithout('flite', 'flite'), 'nonexistent-voice');

describe('espeak-wasm specifics', () => {
  it('serves concurrent requests (queued) and other voices', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      const [a, b, c] = await Promise.all([
        engine.synthesize('One.'),
        engine.synthesize('Deux.', 'fr'),
        engine.synthesize('Three.', 'en-us+f3'),
      ]);
      for (const pcm of [a!, b!, c!]) expect(stats(pcm).rms).toBeGreaterThan(300);
    } finally {
      await engine.close?.();
    }
  });

  it('drops a queued request whose signal aborts (TTS_CANCELED), and still serves the others', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      const ctrl = new AbortController();
      const first = engine.synthesize('First.');
      const dropped = engine.synthesize('Second.', undefined, { signal: ctrl.signal });
      const third = engine.synthesize('Third.');
      ctrl.abort(); // the first is still running: the second has not started
      await expect(dropped).rejects.toMatchObject({ code: 'TTS_CANCELED' });
      for (const pcm of await Promise.all([first, third])) expect(stats(pcm).rms).toBeGreaterThan(300);
      await expect(engine.synthesize('Late.', undefined, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'TTS_CANCELED' });
    } finally {
      await engine.close?.();
    }
  });

  it('serves an urgent request (a prompt\'s first piece) before the others already queued', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      const order: string[] = [];
      const ask = (text: string, urgent?: boolean): Promise<void> =>
        engine.synthesize(text, undefined, { urgent }).then(() => void order.push(text));
      await Promise.all([ask('Running.'), ask('Later one.'), ask('Later two.'), ask('First piece.', true), ask('Another first.', true)]);
      expect(order).toEqual(['Running.', 'First piece.', 'Another first.', 'Later one.', 'Later two.']);
    } finally {
      await engine.close?.();
    }
  });

  it('hands over the first half second before the rest is resampled; the whole begins with it', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      let head: Int16Array | undefined;
      let headFirst = false;
      const whole = await engine.synthesize(PROMPT, undefined, { onHead: (pcm) => (head = pcm) });
      headFirst = head !== undefined;
      expect(headFirst).toBe(true);
      expect(head!.length).toBe(4000);
      expect(whole.subarray(0, head!.length)).toEqual(head);
      expect(whole).toEqual(await engine.synthesize(PROMPT)); // same audio with or without the head
      // Audio shorter than ~0.75 s comes in one message: no head.
      let short = false;
      await engine.synthesize('Yes.', undefined, { onHead: () => (short = true) });
      expect(short).toBe(false);
    } finally {
      await engine.close?.();
    }
  });

  it('starts a fresh worker after the old one dies', async () => {
    const engine = new EspeakWasmEngine();
    try {
      await engine.warmUp();
      // Reach in to kill the worker, as an out-of-memory abort would.
      await (engine as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      expect(stats(await engine.synthesize('Still here.')).rms).toBeGreaterThan(300);
    } finally {
      await engine.close();
    }
  });

  it('fails calls after close with TTS_CLOSED', async () => {
    const engine = await createTtsEngine('espeak-wasm', { check: false });
    await engine.close?.();
    await expect(engine.synthesize('hello')).rejects.toMatchObject({ code: 'TTS_CLOSED' });
  });

  it('gives up on a request that overruns timeoutMs with TTS_TIMEOUT', async () => {
    const engine = await createTtsEngine('espeak-wasm', { timeoutMs: 1 });
    try {
      await expect(engine.synthesize('This will not finish in a millisecond.')).rejects.toMatchObject({ code: 'TTS_TIMEOUT' });
    } finally {
      await engine.close?.();
    }
  });
});

describe('engine selection', () => {
  it('names the choices for an unknown engine', async () => {
    const err = await createTtsEngine('festival').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code: 'TTS_UNKNOWN_ENGINE' });
    expect((err as Error).message).toContain('espeak-wasm, espeak-cli, flite-cli');
  });

  it.each(['espeak-cli', 'flite-cli'])('%s: a missing binary is a clear TTS_BINARY_MISSING at start-up', async (name) => {
    const err = await createTtsEngine(name, { binary: '/nonexistent/bin/tts' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code: 'TTS_BINARY_MISSING' });
    expect((err as Error).message).toMatch(/not found/);
  });

  it('also reports a binary that vanishes after start-up', async () => {
    const engine = await createTtsEngine('espeak-cli', { binary: 'hookline-no-such-espeak', check: false });
    await expect(engine.synthesize('hello')).rejects.toMatchObject({ code: 'TTS_BINARY_MISSING' });
  });
});
