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
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { writeFileAtomic } from '../media/wav.js';
import { checkVoice, normalizeText } from './input.js';
import { ByteLru } from './lru.js';
import type { TtsEngine } from './types.js';

export type G711Law = 'ulaw' | 'alaw';

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
}

export interface PromptCacheStats {
  memoryHits: number;
  diskHits: number;
  syntheses: number;
  /** Requests that joined a synthesis already in flight. */
  joined: number;
  diskErrors: number;
}

export class PromptCache {
  readonly dir: string;
  private readonly engine: TtsEngine;
  private readonly memory: ByteLru<Uint8Array>;
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  private dirReady: Promise<unknown> | undefined;
  private readonly onDiskError: ((err: unknown, path: string) => void) | undefined;
  readonly stats: PromptCacheStats = { memoryHits: 0, diskHits: 0, syntheses: 0, joined: 0, diskErrors: 0 };

  constructor(options: PromptCacheOptions) {
    this.engine = options.engine;
    this.dir = join(options.dataDir, 'cache', 'tts');
    this.memory = new ByteLru(options.maxMemoryBytes ?? 16 * 1024 * 1024);
    this.onDiskError = options.onDiskError;
  }

  /** Cache key; the voice is resolved first so "default" and the named default share an entry. */
  key(text: string, voice?: string): string {
    const v = checkVoice(voice ?? this.engine.defaultVoice ?? 'default');
    return createHash('sha256').update(`${this.engine.name}|${v}|${normalizeText(text)}`).digest('hex');
  }

  /**
   * The prompt as 8 kHz G.711 bytes. The returned array may be shared with other callers and the
   * cache: read it (slice frames with `subarray`), never write to it.
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
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.joined++;
      return pending;
    }
    const job = this.load(key, normalizeText(text), voice).finally(() => this.inflight.delete(key));
    this.inflight.set(key, job);
    return job;
  }

  /** Renders prompts ahead of time (e.g. every static prompt of the flows file at start-up). */
  async prefetch(items: ReadonlyArray<{ text: string; voice?: string }>): Promise<void> {
    for (const { text, voice } of items) await this.getUlaw(text, voice);
  }

  /** Path of a prompt's cache file (which may not exist yet). */
  pathFor(key: string): string {
    return join(this.dir, `${key}.ul`);
  }

  private async load(key: string, text: string, voice: string | undefined): Promise<Uint8Array> {
    const path = this.pathFor(key);
    const stored = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.diskError(err, path);
      return undefined;
    });
    if (stored) {
      this.stats.diskHits++;
      const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
      this.memory.set(key, bytes);
      return bytes;
    }
    this.stats.syntheses++;
    const pcm = await this.engine.synthesize(text, voice);
    const ulaw = encodeUlaw(pcm);
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
    return ulaw;
  }

  private diskError(err: unknown, path: string): void {
    this.stats.diskErrors++;
    this.onDiskError?.(err, path);
  }
}
