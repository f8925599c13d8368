/**
 * Recorded prompts: `audio: welcome.wav` in a flow names a file under `<dataDir>/audio/`.
 *
 * Names come from flows files and from webhook responses — i.e. from outside — so they are confined
 * to the audio directory twice: lexically (no absolute paths, no `..`, no hidden segments) and after
 * resolving symlinks (a link pointing out of the directory is refused too).
 *
 * Each file is converted once to 8 kHz μ-law (any common WAV format; see media/wav.ts) and the result
 * is cached in memory and on disk under `<dataDir>/cache/audio/`, keyed by name, size and mtime: a
 * replaced recording is picked up on the next play, with no restart and no stale audio.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { HooklineError } from '../lib/errors.js';
import { encodeUlaw, transcodeG711, ulawToAlaw } from '../media/g711.js';
import { wavTo8kMono, writeFileAtomic } from '../media/wav.js';
import { SpeechError } from './errors.js';
import { ByteLru } from './lru.js';
import type { G711Law } from './prompt-cache.js';

export interface AudioLibraryOptions {
  dataDir: string;
  /** Memory budget for converted files; 32 MiB ≈ 70 minutes of μ-law. */
  maxMemoryBytes?: number;
  /** Disk-cache read/write failures; playback still works from a fresh conversion. */
  onDiskError?: (err: unknown, path: string) => void;
}

export interface AudioLibraryStats {
  memoryHits: number;
  diskHits: number;
  conversions: number;
  diskErrors: number;
}

const MAX_NAME = 255;

export class AudioLibrary {
  readonly dir: string;
  readonly cacheDir: string;
  private readonly memory: ByteLru<Uint8Array>;
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  private readonly onDiskError: ((err: unknown, path: string) => void) | undefined;
  readonly stats: AudioLibraryStats = { memoryHits: 0, diskHits: 0, conversions: 0, diskErrors: 0 };

  constructor(options: AudioLibraryOptions) {
    this.dir = join(options.dataDir, 'audio');
    this.cacheDir = join(options.dataDir, 'cache', 'audio');
    this.memory = new ByteLru(options.maxMemoryBytes ?? 32 * 1024 * 1024);
    this.onDiskError = options.onDiskError;
  }

  /** Checks a name and returns its path under the audio directory (lexically; see `get` for links). */
  resolve(name: string): string {
    const bad = (why: string): SpeechError =>
      new SpeechError('AUDIO_BAD_NAME', `audio name ${JSON.stringify(name)} is not allowed: ${why}`);
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) throw bad('empty or too long');
    if (/[\0\\]/.test(name)) throw bad('contains a NUL or backslash');
    if (name.startsWith('/')) throw bad('absolute paths are not allowed');
    const segments = name.split('/');
    if (segments.some((s) => s === '' || s.startsWith('.'))) throw bad('empty, "..", or hidden path segment');
    if (!/\.wav$/i.test(name)) throw bad('only .wav files can be played');
    return join(this.dir, ...posix.normalize(name).split('/'));
  }

  /** The file as 8 kHz G.711; shared with the cache, so read it and never write to it. */
  async get(name: string, law: G711Law = 'ulaw'): Promise<Uint8Array> {
    const ulaw = await this.getUlaw(name);
    return law === 'ulaw' ? ulaw : transcodeG711(ulaw, ulawToAlaw);
  }

  async getUlaw(name: string): Promise<Uint8Array> {
    const path = await this.confine(name, this.resolve(name));
    const info = await stat(path);
    if (!info.isFile()) throw new SpeechError('AUDIO_NOT_FOUND', `audio ${JSON.stringify(name)} is not a file`);
    const key = cacheKey(name, info.size, info.mtimeMs);
    const hit = this.memory.get(key);
    if (hit) {
      this.stats.memoryHits++;
      return hit;
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const job = this.load(key, name, path).finally(() => this.inflight.delete(key));
    this.inflight.set(key, job);
    return job;
  }

  /**
   * Stores the 8 kHz μ-law of a file just written, made elsewhere (an upload is converted in a worker
   * thread, which makes this too), so its first play is a cache hit instead of seconds of resampling
   * on the thread that paces every call's audio. `ulaw` must be what `get` would make of the file;
   * `written` is the size and mtime the writer saw, so a file replaced again meanwhile is left alone.
   */
  async prime(name: string, ulaw: Uint8Array, written: { size: number; mtimeMs: number }): Promise<void> {
    const path = await this.confine(name, this.resolve(name));
    const info = await stat(path);
    if (info.size !== written.size || info.mtimeMs !== written.mtimeMs) return;
    const key = cacheKey(name, info.size, info.mtimeMs);
    this.memory.set(key, ulaw);
    const cachePath = join(this.cacheDir, `${key}.ul`);
    try {
      await mkdir(this.cacheDir, { recursive: true });
      await writeFileAtomic(cachePath, ulaw);
    } catch (err) {
      this.diskError(err, cachePath);
    }
  }

  /** Resolves symlinks and refuses anything whose real location is outside the audio directory. */
  private async confine(name: string, path: string): Promise<string> {
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(path), realpath(this.dir)]);
    } catch (err) {
      throw new SpeechError('AUDIO_NOT_FOUND', `audio ${JSON.stringify(name)} not found in ${this.dir}`, { cause: err });
    }
    if (!real.startsWith(root + sep)) {
      throw new SpeechError('AUDIO_BAD_NAME', `audio ${JSON.stringify(name)} resolves outside ${this.dir}`);
    }
    return real;
  }

  private async load(key: string, name: string, path: string): Promise<Uint8Array> {
    const cachePath = join(this.cacheDir, `${key}.ul`);
    const cached = await readFile(cachePath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.diskError(err, cachePath);
      return undefined;
    });
    if (cached) {
      this.stats.diskHits++;
      const bytes = new Uint8Array(cached.buffer, cached.byteOffset, cached.byteLength);
      this.memory.set(key, bytes);
      return bytes;
    }
    let pcm: Int16Array;
    try {
      pcm = wavTo8kMono(await readFile(path));
    } catch (err) {
      const why = err instanceof HooklineError ? err.message : String(err);
      throw new SpeechError('AUDIO_INVALID', `audio ${JSON.stringify(name)} cannot be played: ${why}`, { cause: err });
    }
    this.stats.conversions++;
    const ulaw = encodeUlaw(pcm);
    this.memory.set(key, ulaw);
    try {
      await mkdir(this.cacheDir, { recursive: true });
      await writeFileAtomic(cachePath, ulaw);
    } catch (err) {
      this.diskError(err, cachePath);
    }
    return ulaw;
  }

  private diskError(err: unknown, path: string): void {
    this.stats.diskErrors++;
    this.onDiskError?.(err, path);
  }
}

function cacheKey(name: string, size: number, mtimeMs: number): string {
  return createHash('sha256').update(`${name}|${size}|${mtimeMs}`).digest('hex');
}
