import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeUlaw, encodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { createTtsEngine } from './engines.js';
import { SpeechError } from './errors.js';
import { PromptCache } from './prompt-cache.js';
import { FRAME_BYTES, Render, type PromptStream } from './prompt-stream.js';
import { splitForSpeech } from './split.js';
import type { SynthesizeOptions, TtsEngine } from './types.js';

/** An engine whose requests the test completes (or fails) one by one. */
class GatedEngine implements TtsEngine {
  readonly name = 'gated';
  readonly defaultVoice = 'v1';
  readonly requests: Array<{
    text: string;
    signal: AbortSignal | undefined;
    urgent: boolean;
    done(): void;
    fail(e: Error): void;
    /** Hands over the first `n` samples early, as espeak-wasm does. */
    head(n: number): void;
  }> = [];
  private arrived: (() => void) | undefined;

  synthesize(text: string, _voice?: string, o: SynthesizeOptions = {}): Promise<Int16Array> {
    return new Promise((resolve, reject) => {
      this.requests.push({
        text,
        signal: o.signal,
        urgent: o.urgent === true,
        done: () => resolve(GatedEngine.pcm(text)),
        fail: reject,
        head: (n) => o.onHead?.(GatedEngine.pcm(text).subarray(0, n)),
      });
      this.arrived?.();
    });
  }

  /** "Speech" whose length follows the text and is never a whole number of frames. */
  static pcm(text: string): Int16Array {
    return Int16Array.from({ length: text.length * 97 + 13 }, (_, i) => ((i * 31 + text.length) % 3000) - 1500);
  }

  /** Resolves once `n` requests have arrived. */
  async waitFor(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((r) => (this.arrived = r));
  }
}

/** Three pieces for the splitter: a long first sentence cut at its first comma, its rest, the last two sentences. */
const TEXT =
  'Thank you for calling Acme Corporation, the home of quality widgets since 1952 and your partner in everything. ' +
  'Please listen carefully, as our menu options have changed. For sales, press one; for support, press two.';
const PIECES = splitForSpeech(TEXT);

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function drain(s: PromptStream): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let c = await s.next(); c !== undefined; c = await s.next()) out.push(c);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('PromptCache.stream', () => {
  let dataDir: string;
  let engine: GatedEngine;
  let cache: PromptCache;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookline-stream-'));
    dirs.push(dataDir);
    engine = new GatedEngine();
    cache = new PromptCache({ dataDir, engine });
  });

  it('the test text splits into three pieces', () => {
    expect(PIECES).toHaveLength(3);
  });

  it('hands out the first sentence before the rest is synthesized, asking for one piece at a time', async () => {
    const s = cache.stream(TEXT);
    const first = s.next();
    await engine.waitFor(1);
    expect(engine.requests.map((r) => r.text)).toEqual([PIECES[0]]);
    engine.requests[0]!.done();
    const a = await first;
    expect(a!.length).toBeGreaterThan(0);
    expect(a!.length % FRAME_BYTES).toBe(0); // its tail waits to be joined to the next piece
    await engine.waitFor(2);
    expect(engine.requests[1]!.text).toBe(PIECES[1]);
    expect(engine.requests).toHaveLength(2); // the third is asked for only once the second is in
    for (let i = 1; i < PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    const rest = await drain(s);
    // Only the first piece has a caller waiting in silence; the later ones have until it has played.
    expect(engine.requests.map((r) => r.urgent)).toEqual(PIECES.map((_, i) => i === 0));
    // Played back to back, the pieces are exactly the pieces' speech end to end.
    const expected = encodeUlaw(concatPcm(PIECES.map((p) => GatedEngine.pcm(p))));
    expect(concat([a!, ...rest])).toEqual(expected);
    expect(rest.slice(0, -1).every((c) => c.length % FRAME_BYTES === 0)).toBe(true);
  });

  it('hands out the head an engine sends early, before the rest of that piece', async () => {
    const s = cache.stream(TEXT);
    const first = s.next();
    await engine.waitFor(1);
    engine.requests[0]!.head(800);
    expect(await first).toEqual(encodeUlaw(GatedEngine.pcm(PIECES[0]!).subarray(0, 800)));
    const second = s.next();
    engine.requests[0]!.done();
    const rest = await second;
    const pcm = GatedEngine.pcm(PIECES[0]!);
    expect(rest).toEqual(encodeUlaw(pcm.subarray(800, pcm.length - (pcm.length % FRAME_BYTES))));
    s.close();
  });

  it('caches the whole prompt once complete, in memory and on disk, under the usual key', async () => {
    const s = cache.stream(TEXT);
    const chunks = drain(s);
    for (let i = 0; i < PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    const whole = concat(await chunks);
    await cache.settled(); // the file is written after the last piece went out, not before
    const hit = cache.stream(TEXT);
    expect(await hit.next()).toBe(await cache.get(TEXT)); // one piece, the cached array
    expect(await hit.next()).toBeUndefined();
    expect(engine.requests).toHaveLength(PIECES.length);
    expect(new Uint8Array(await readFile(cache.pathFor(cache.key(TEXT))))).toEqual(whole);
    expect(cache.stats).toMatchObject({ syntheses: 1, pieces: PIECES.length, memoryHits: 2 });
  });

  it('streams A-law when asked', async () => {
    const s = cache.stream(TEXT, undefined, 'alaw');
    const chunks = drain(s);
    for (let i = 0; i < PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    expect(concat(await chunks)).toEqual(transcodeG711(await cache.get(TEXT), ulawToAlaw));
  });

  it('a second listener joins the same synthesis and hears it from the start', async () => {
    const a = cache.stream(TEXT);
    const firstOfA = a.next();
    await engine.waitFor(1);
    engine.requests[0]!.done();
    await firstOfA;
    const b = cache.stream(TEXT);
    const bChunks = drain(b);
    const aChunks = drain(a);
    for (let i = 1; i < PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    expect(concat(await bChunks)).toEqual(await cache.get(TEXT));
    expect((await aChunks).length).toBe((await bChunks).length - 1);
    expect(engine.requests).toHaveLength(PIECES.length);
    expect(cache.stats.joined).toBe(1);
  });

  it('barge-in: when the only listener leaves, unstarted pieces are dropped and nothing is cached', async () => {
    const s = cache.stream(TEXT);
    const first = s.next();
    await engine.waitFor(1);
    engine.requests[0]!.done();
    await first;
    await engine.waitFor(2);
    const pending = s.next(); // waiting for the second sentence when the key comes
    s.close();
    expect(await pending).toBeUndefined();
    expect(engine.requests[1]!.signal?.aborted).toBe(true); // the engine may drop it
    engine.requests[1]!.done(); // or it was already running: its result is discarded
    await tick();
    expect(engine.requests).toHaveLength(2); // the third sentence is never asked for
    expect(cache.stats.canceled).toBe(1);
    // Nothing cached: the next caller's request synthesizes afresh.
    const again = cache.stream(TEXT);
    const next = again.next();
    await engine.waitFor(3);
    expect(engine.requests[2]!.text).toBe(PIECES[0]);
    engine.requests[2]!.done();
    expect((await next)!.length).toBeGreaterThan(0);
    again.close();
  });

  it('a hang-up after the first audio of a one-piece prompt: the piece under way is kept and cached', async () => {
    const text = 'Your code is bakemo.';
    const s = cache.stream(text);
    const first = s.next();
    await engine.waitFor(1);
    engine.requests[0]!.head(800);
    await first;
    s.close(); // the caller heard the start and hung up
    expect(engine.requests[0]!.signal?.aborted).toBe(true); // the engine may drop it if it had not started...
    engine.requests[0]!.done(); // ...but it was already running
    await cache.settled();
    expect((await cache.get(text)).length).toBe(GatedEngine.pcm(text).length);
    expect(engine.requests).toHaveLength(1);
    expect(cache.stats.canceled).toBe(0);
  });

  it('a listener who comes while the others have left, before the piece under way ends, gets it all', async () => {
    const a = cache.stream(TEXT);
    const aFirst = a.next();
    await engine.waitFor(1);
    engine.requests[0]!.done();
    await aFirst;
    await engine.waitFor(2);
    a.close(); // the second piece was asked for; the engine drops it (it had not started)
    engine.requests[1]!.fail(new SpeechError('TTS_CANCELED', 'dropped'));
    const b = cache.stream(TEXT); // a new caller, before the render has noticed
    expect(cache.stats.joined).toBe(1);
    const bChunks = drain(b);
    for (let i = 2; i <= PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    expect(engine.requests.slice(2).map((r) => r.text)).toEqual(PIECES.slice(1)); // the dropped piece, asked again
    expect(concat(await bChunks)).toEqual(await cache.get(TEXT));
    expect(cache.stats.canceled).toBe(0);
  });

  it('one listener leaving does not stop the synthesis another is still hearing', async () => {
    const a = cache.stream(TEXT);
    const b = cache.stream(TEXT);
    const aFirst = a.next();
    await engine.waitFor(1);
    engine.requests[0]!.done();
    await aFirst;
    a.close();
    const bChunks = drain(b);
    for (let i = 0; i < PIECES.length; i++) {
      await engine.waitFor(i + 1);
      engine.requests[i]!.done();
    }
    expect(concat(await bChunks).length).toBeGreaterThan(0);
    expect(engine.requests.every((r) => !r.signal?.aborted)).toBe(true);
    expect(cache.stats.canceled).toBe(0);
    expect(await cache.get(TEXT)).toEqual(concat(await bChunks));
  });

  it('a failure part-way: the pieces already out stay, then the stream fails; nothing is cached', async () => {
    const s = cache.stream(TEXT);
    const first = s.next();
    await engine.waitFor(1);
    engine.requests[0]!.done();
    expect((await first)!.length).toBeGreaterThan(0);
    await engine.waitFor(2);
    engine.requests[1]!.fail(new SpeechError('TTS_TIMEOUT', 'worker hung'));
    // The tail of the first sentence (less than a frame) is lost with the rest: the caller moves on.
    await expect(s.next()).rejects.toMatchObject({ code: 'TTS_TIMEOUT' });
    expect(await s.next()).toBeUndefined();
    expect(engine.requests).toHaveLength(2);
    // Not cached: the next request starts over.
    const retry = cache.get(TEXT);
    for (let i = 0; i < PIECES.length; i++) {
      await engine.waitFor(i + 3);
      engine.requests[i + 2]!.done();
    }
    expect((await retry).length).toBeGreaterThan(0);
  });

  it('a bad voice or text surfaces on the first next(), without touching the engine', async () => {
    await expect(cache.stream('Hello.', '-rf').next()).rejects.toMatchObject({ code: 'TTS_BAD_VOICE' });
    await expect(cache.stream('a '.repeat(6000)).next()).rejects.toMatchObject({ code: 'TTS_TEXT_TOO_LONG' });
    expect(engine.requests).toHaveLength(0);
  });

  it('empty text ends at once', async () => {
    expect(await cache.stream('   ').next()).toBeUndefined();
    expect(engine.requests).toHaveLength(0);
  });

  it('without splitting, a text is one engine request', async () => {
    const whole = new PromptCache({ dataDir, engine, split: false });
    const s = drain(whole.stream(TEXT));
    await engine.waitFor(1);
    engine.requests[0]!.done();
    expect(concat(await s)).toEqual(encodeUlaw(GatedEngine.pcm(TEXT)));
  });
});

describe('Render', () => {
  it('keeps every chunk but the last frame-aligned, whatever the piece sizes', () => {
    const r = new Render();
    const sizes = [1, 159, 161, 320, 7, 1000];
    sizes.forEach((n, i) => r.push(new Uint8Array(n).fill(i), i === sizes.length - 1));
    const whole = r.end();
    expect(whole.length).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(Array.from(whole.subarray(0, 3))).toEqual([0, 1, 1]);
  });
});

describe('PromptCache.stream with espeak-wasm', () => {
  it('streams real speech sentence by sentence, the first before the rest, and caches exactly what was streamed', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'hookline-stream-'));
      dirs.push(dataDir);
      const cache = new PromptCache({ dataDir, engine });
      const started = performance.now();
      const s = cache.stream(TEXT);
      const chunks: Uint8Array[] = [];
      const at: number[] = [];
      for (let c = await s.next(); c !== undefined; c = await s.next()) {
        chunks.push(c);
        at.push(performance.now() - started);
      }
      expect(at[0]).toBeLessThan(at[at.length - 1]!);
      expect(chunks.length).toBeGreaterThanOrEqual(PIECES.length);
      // Real speech: the first chunk is the first sentence's first half second (sent before the rest of
      // it is resampled), and the chunks add up to the whole.
      expect(chunks[0]!.length).toBe(4000);
      const whole = concat(chunks);
      await cache.settled();
      expect(new Uint8Array(await readFile(cache.pathFor(cache.key(TEXT))))).toEqual(whole);
      const pcm = decodeUlaw(whole);
      expect(Math.sqrt(pcm.reduce((sum, v) => sum + v * v, 0) / pcm.length)).toBeGreaterThan(500);
    } finally {
      await engine.close?.();
    }
  });
});

function concatPcm(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}
