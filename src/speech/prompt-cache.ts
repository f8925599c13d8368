/**
 * Text prompts rendered once, played many times.
 *
 * A prompt is synthesized, encoded to 8 kHz μ-law and stored at
 * `<dataDir>/cache/tts/<sha256(engine|voice|text)>.ul` (raw G.711 bytes, no header: exactly what goes
 * into RTP payloads). A-law is derived with the G.711 transcoding table, which is exact for every
 * μ-law code A-law can represent and costs microseconds, so only one file per prompt is kept.
 *
 * Lookups go memory (byte-bounded LRU) → disk → engine. Concurrent requests for the same prompt share
 * one in-flight synthesis: a flow that greets 50 simultaneous callers renders its greeting once.
 * Failures are not cached; the next request tries again.
 *
 * A prompt not cached yet is synthesized in pieces (sentences, see split.ts) one after another, and
 * `stream` hands out each piece as soon as it is ready, so a caller hears the first sentence while the
 * rest is rendered (one piece at a time, so another call's prompt never queues behind a whole
 * paragraph). Once every piece is in, the whole prompt is cached exactly as if it had been rendered in
 * one go. If every listener leaves first (a key, a hang-up), the pieces not yet started are dropped and
 * the prompt is not cached (see `load`).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { writeFileAtomic } from '../media/wav.js';
import { SpeechError } from './errors.js';
import { checkVoice, normalizeText } from './input.js';
import { ByteLru } from './lru.js';
import { Render, type G711Law, type PromptStream } from './prompt-stream.js';
import { splitForSpeech, type SplitOptions } from './split.js';
import type { TtsEngine } from './types.js';

export type { G711Law, PromptStream } from './prompt-stream.js';

export interface PromptCacheOptions {
  dataDir: string;
  engine: TtsEngine;
  /** Memory budget for rendered prompts; 16 MiB ≈ 35 minutes of μ-law. */
  maxMemoryBytes?: number;
  /**
   * Called when the disk cache cannot be read or written. The prompt is still synthesized and returned
   * (and kept in memory): a full or read-only disk should be an operator's alert, not a silent call.
   */
  onDiskError?: (err: unknown, path: string) => void;
  /** How texts are cut into pieces for streaming; false synthesizes every text in one go. */
  split?: SplitOptions | false;
}

export interface PromptCacheStats {
  memoryHits: number;
  diskHits: number;
  syntheses: number;
  /** Requests that joined a synthesis already in flight. */
  joined: number;
  diskErrors: number;
  /** Engine requests: a synthesis split into sentences makes several. */
  pieces: number;
  /** Syntheses dropped because every listener left before they were complete. */
  canceled: number;
}

export class PromptCache {
  readonly dir: string;
  private readonly engine: TtsEngine;
  private readonly memory: ByteLru<Uint8Array>;
  private readonly inflight = new Map<string, { render: Render; stored: Promise<void> }>();
  private dirReady: Promise<unknown> | undefined;
  private readonly onDiskError: ((err: unknown, path: string) => void) | undefined;
  private readonly split: SplitOptions | false;
  readonly stats: PromptCacheStats = { memoryHits: 0, diskHits: 0, syntheses: 0, joined: 0, diskErrors: 0, pieces: 0, canceled: 0 };

  constructor(options: PromptCacheOptions) {
    this.engine = options.engine;
    this.dir = join(options.dataDir, 'cache', 'tts');
    this.memory = new ByteLru(options.maxMemoryBytes ?? 16 * 1024 * 1024);
    this.onDiskError = options.onDiskError;
    this.split = options.split ?? {};
  }

  /** Cache key; the voice is resolved first so "default" and the named default share an entry. */
  key(text: string, voice?: string): string {
    const v = checkVoice(voice ?? this.engine.defaultVoice ?? 'default');
    return createHash('sha256').update(`${this.engine.name}|${v}|${normalizeText(text)}`).digest('hex');
  }

  /**
   * The prompt as 8 kHz G.711 bytes. The returned array may be shared with other callers and the
   * cache: read it (slice frames with `subarray`), never write to it. Resolves once the prompt is
   * complete and written to disk (or the write failed); to play while it is synthesized, use `stream`.
   */
  async get(text: string, voice?: string, law: G711Law = 'ulaw'): Promise<Uint8Array> {
    const ulaw = await this.getUlaw(text, voice);
    return law === 'ulaw' ? ulaw : transcodeG711(ulaw, ulawToAlaw);
  }

  async getUlaw(text: string, voice?: string): Promise<Uint8Array> {
    const key = this.key(text, voice);
    const hit = this.memory.get(key);
    if (hit) {
      this.stats.memoryHits++;
      return hit;
    }
    const job = this.join(key, text, voice);
    // Read through a stream, so that this request counts as a listener and keeps the render alive.
    const reader = job.render.reader('ulaw');
    try {
      while ((await reader.next()) !== undefined);
    } finally {
      reader.close();
    }
    const whole = await job.render.whole;
    await job.stored;
    return whole;
  }

  /**
   * The prompt as it becomes playable: a cached prompt in one piece at once, otherwise sentence by
   * sentence as each is synthesized (see PromptStream). Text or voice errors surface on the first next().
   */
  stream(text: string, voice?: string, law: G711Law = 'ulaw'): PromptStream {
    let key: string;
    try {
      key = this.key(text, voice);
    } catch (err) {
      return failed(err);
    }
    const hit = this.memory.get(key);
    if (hit) {
      this.stats.memoryHits++;
      return Render.of(hit).reader(law);
    }
    return this.join(key, text, voice).render.reader(law);
  }

  /** Renders prompts ahead of time (e.g. every static prompt of the flows file at start-up). */
  async prefetch(items: ReadonlyArray<{ text: string; voice?: string }>): Promise<void> {
    for (const { text, voice } of items) await this.getUlaw(text, voice);
  }

  /** Resolves once every synthesis now in flight has ended and, if it completed, been written to disk. */
  async settled(): Promise<void> {
    await Promise.all([...this.inflight.values()].map((j) => j.stored));
  }

  /** Path of a prompt's cache file (which may not exist yet). */
  pathFor(key: string): string {
    return join(this.dir, `${key}.ul`);
  }

  /** The render in flight for `key`, or a new one. */
  private join(key: string, text: string, voice: string | undefined): { render: Render; stored: Promise<void> } {
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.joined++;
      return pending;
    }
    const render = new Render();
    const job = { render, stored: this.load(key, render, normalizeText(text), voice) };
    this.inflight.set(key, job);
    void job.stored.finally(() => {
      if (this.inflight.get(key) === job) this.inflight.delete(key);
    });
    return job;
  }

  /**
   * Fills `render` from disk or the engine; resolves once the prompt is on disk (or could not be stored).
   *
   * Pieces are asked for one at a time, each when the one before is in, so that other prompts interleave
   * (a caller waiting for a first piece is served before later pieces of prompts already playing: `urgent`).
   * When nobody listens any more (a key, a hang-up), no further piece is asked for and the one asked for
   * is dropped if the engine has not started it; a piece already being synthesized is kept, so a prompt
   * whose last piece was under way is still cached, and a listener who joins meanwhile gets it all.
   */
  private async load(key: string, render: Render, text: string, voice: string | undefined): Promise<void> {
    const path = this.pathFor(key);
    const stored = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.diskError(err, path);
      return undefined;
    });
    if (stored) {
      this.stats.diskHits++;
      const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
      this.memory.set(key, bytes);
      render.push(bytes, true);
      render.end();
      return;
    }
    this.stats.syntheses++;
    const pieces = this.split === false ? [text] : splitForSpeech(text, this.split);
    try {
      for (let i = 0; i < pieces.length; ) {
        if (!render.listening) {
          this.stats.canceled++;
          this.inflight.delete(key); // synchronously: nobody can join a render that stops
          render.fail(new SpeechError('TTS_CANCELED', 'every listener left before the prompt was complete'));
          return;
        }
        const ctrl = new AbortController();
        render.onIdle = () => ctrl.abort();
        let early = 0;
        const onHead = (head: Int16Array): void => {
          render.push(encodeUlaw(head), false);
          early = head.length;
        };
        let pcm: Int16Array;
        try {
          this.stats.pieces++;
          pcm = await this.engine.synthesize(pieces[i]!, voice, { signal: ctrl.signal, urgent: i === 0, onHead });
        } catch (err) {
          // Dropped before it started because nobody listened: stop, or ask again for a listener who came back.
          if (ctrl.signal.aborted && (err as { code?: string }).code === 'TTS_CANCELED' && !early) continue;
          throw err;
        } finally {
          render.onIdle = undefined;
        }
        render.push(encodeUlaw(early ? pcm.subarray(early) : pcm), i === pieces.length - 1);
        i++;
      }
    } catch (err) {
      render.fail(err);
      return;
    }
    const ulaw = render.end();
    this.memory.set(key, ulaw);
    try {
      this.dirReady ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
        this.dirReady = undefined; // let a later request retry (e.g. after the disk is remounted)
        throw err;
      });
      await this.dirReady;
      // Atomic write: a concurrent server process or a crash never leaves a truncated prompt behind.
      await writeFileAtomic(path, ulaw);
    } catch (err) {
      this.diskError(err, path);
    }
  }

  private diskError(err: unknown, path: string): void {
    this.stats.diskErrors++;
    this.onDiskError?.(err, path);
  }
}

function failed(err: unknown): PromptStream {
  return {
    next: () => Promise.reject(err),
    close: () => undefined,
  };
}
