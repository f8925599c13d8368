import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeUlaw, encodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { createTtsEngine } from './engines.js';
import { SpeechError } from './errors.js';
import { ByteLru } from './lru.js';
import { PromptCache } from './prompt-cache.js';
import type { TtsEngine } from './types.js';

/** Counts calls; "speech" is a ramp whose length follows the text, so different texts differ. */
class FakeEngine implements TtsEngine {
  readonly name = 'fake';
  readonly defaultVoice = 'v1';
  calls: Array<{ text: string; voice: string | undefined }> = [];
  delayMs = 0;
  fail: Error | undefined;

  async synthesize(text: string, voice?: string): Promise<Int16Array> {
    this.calls.push({ text, voice });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw this.fail;
    return Int16Array.from({ length: text.length * 80 }, (_, i) => ((i * 97) % 4000) - 2000);
  }
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hookline-prompts-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('PromptCache', () => {
  let dataDir: string;
  let engine: FakeEngine;
  let cache: PromptCache;
  beforeEach(async () => {
    dataDir = await tempDir();
    engine = new FakeEngine();
    cache = new PromptCache({ dataDir, engine });
  });

  it('renders once to μ-law on disk under cache/tts/<sha256(engine|voice|text)>.ul', async () => {
    const ulaw = await cache.get('Welcome to Acme.');
    const key = createHash('sha256').update('fake|v1|Welcome to Acme.').digest('hex');
    expect(cache.key('Welcome to Acme.')).toBe(key);
    const onDisk = await readFile(join(dataDir, 'cache', 'tts', `${key}.ul`));
    expect(new Uint8Array(onDisk)).toEqual(ulaw);
    expect(ulaw).toEqual(encodeUlaw(await new FakeEngine().synthesize('Welcome to Acme.')));
  });

  it('a cache hit avoids a second synthesis', async () => {
    const a = await cache.get('Press one.');
    const b = await cache.get('Press one.');
    expect(b).toBe(a);
    expect(engine.calls).toHaveLength(1);
    expect(cache.stats).toMatchObject({ syntheses: 1, memoryHits: 1 });
  });

  it('survives a restart: a new cache on the same directory reads the file instead of synthesizing', async () => {
    const a = await cache.get('Press two.');
    const engine2 = new FakeEngine();
    const restarted = new PromptCache({ dataDir, engine: engine2 });
    expect(await restarted.get('Press two.')).toEqual(a);
    expect(engine2.calls).toHaveLength(0);
    expect(restarted.stats.diskHits).toBe(1);
  });

  it('concurrent requests for the same text share one synthesis', async () => {
    engine.delayMs = 30;
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get('Please hold.')));
    expect(engine.calls).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.stats.joined).toBe(19);
  });

  it('derives A-law from the stored μ-law by table', async () => {
    const ulaw = await cache.get('Goodbye.');
    expect(await cache.get('Goodbye.', undefined, 'alaw')).toEqual(transcodeG711(ulaw, ulawToAlaw));
    expect(engine.calls).toHaveLength(1);
  });

  it('keys on voice and engine; the default voice and its name share an entry', async () => {
    await cache.get('Hello.');
    await cache.get('Hello.', 'v1');
    await cache.get('Hello.', 'v2');
    expect(engine.calls.map((c) => c.voice)).toEqual([undefined, 'v2']);
    const other = new PromptCache({ dataDir, engine: Object.assign(new FakeEngine(), { name: 'other' }) });
    expect(other.key('Hello.')).not.toBe(cache.key('Hello.'));
  });

  it('treats texts differing only in whitespace as one prompt', async () => {
    await cache.get('Your call  is\n   important to us.');
    await cache.get(' Your call is important to us. ');
    expect(engine.calls).toEqual([{ text: 'Your call is important to us.', voice: undefined }]);
  });

  it('does not cache failures: the next request tries again', async () => {
    engine.fail = new SpeechError('TTS_FAILED', 'boom');
    await expect(cache.get('Oops.')).rejects.toMatchObject({ code: 'TTS_FAILED' });
    engine.fail = undefined;
    expect((await cache.get('Oops.')).length).toBeGreaterThan(0);
    expect(engine.calls).toHaveLength(2);
  });

  it('still plays when the disk cache cannot be written, and says so', async () => {
    const blocker = join(dataDir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const errors: string[] = [];
    const c = new PromptCache({ dataDir: blocker, engine, onDiskError: (_e, p) => errors.push(p) });
    expect((await c.get('Still works.')).length).toBeGreaterThan(0);
    // Both the read (ENOTDIR) and the write fail, and both are reported.
    expect(c.stats.diskErrors).toBe(2);
    expect(errors.every((p) => p.includes('not-a-dir'))).toBe(true);
  });

  it('rejects a bad voice before touching the engine', async () => {
    await expect(cache.get('Hi.', '-rf')).rejects.toMatchObject({ code: 'TTS_BAD_VOICE' });
    expect(engine.calls).toHaveLength(0);
  });

  it('evicts from memory by bytes and reloads from disk', async () => {
    const small = new PromptCache({ dataDir, engine, maxMemoryBytes: 1000 });
    await small.get('A fairly long first prompt.'); // 27 chars × 80 = 2160 bytes: too big to keep
    await small.get('A fairly long first prompt.');
    expect(engine.calls).toHaveLength(1);
    expect(small.stats.diskHits).toBe(1);
  });
});

describe('PromptCache with espeak-wasm', () => {
  it('synthesizes real speech once, then serves it from cache', async () => {
    const engine = await createTtsEngine('espeak-wasm');
    try {
      let syntheses = 0;
      const counting: TtsEngine = {
        name: engine.name,
        defaultVoice: engine.defaultVoice,
        synthesize: (t, v) => (syntheses++, engine.synthesize(t, v)),
      };
      const cache = new PromptCache({ dataDir: await tempDir(), engine: counting });
      const first = await cache.get('Thank you for calling hookline.');
      const t0 = performance.now();
      const second = await cache.get('Thank you for calling hookline.');
      expect(performance.now() - t0).toBeLessThan(5);
      expect(second).toBe(first);
      expect(syntheses).toBe(1);
      const pcm = decodeUlaw(first);
      expect(pcm.length / 8000).toBeGreaterThan(1);
      expect(Math.sqrt(pcm.reduce((s, v) => s + v * v, 0) / pcm.length)).toBeGreaterThan(500);
    } finally {
      await engine.close?.();
    }
  });
});

describe('ByteLru', () => {
  it('evicts least recently used entries first, by total bytes', () => {
    const lru = new ByteLru<Uint8Array>(10);
    lru.set('a', new Uint8Array(4));
    lru.set('b', new Uint8Array(4));
    lru.get('a'); // a is now most recent
    lru.set('c', new Uint8Array(4)); // 12 > 10: evict b
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBeDefined();
    expect(lru.totalBytes).toBe(8);
    lru.set('huge', new Uint8Array(11)); // never kept
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });
});
