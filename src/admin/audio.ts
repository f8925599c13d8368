/**
 * The audio library as the operator manages it: the files of `<dataDir>/audio/` that flows play by
 * name (speech/audio-library.ts plays them). Uploads in any supported format are converted once, here,
 * to one canonical WAV (audio-convert.ts) stored as `<base name>.wav`; the original is not kept.
 *
 * Every write goes to a hidden temporary file in the same folder and is renamed into place, so a
 * failed upload leaves nothing behind and a replaced file changes in one step: a call playing the old
 * file keeps its open copy, and the next play sees the new one (AudioLibrary's cache is keyed by size
 * and mtime, and a replacement is given a newer mtime even on a coarse-clock filesystem).
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { decodeWav } from '../media/wav.js';
import { readWavInfo } from '../media/wav-info.js';
import type { AudioLibrary } from '../speech/audio-library.js';
import type { Converted } from './audio-convert.js';
import { AudioConverter } from './audio-converter.js';
import { detectFormat, SUPPORTED_FORMATS, type AudioFormat } from './audio-formats.js';
import { AdminError } from './errors.js';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Prompts are seconds long and hold music loops; ten minutes is already far more than either needs. */
export const MAX_AUDIO_SECONDS = 600;
/** Longest name a write may give, the `.wav` included. */
export const MAX_NAME_LENGTH = 100;

/** Extensions an upload's name may carry; they give way to `.wav`. Anything else is part of the name. */
const AUDIO_EXTENSIONS = /\.(wav|wave|mp3|mpga|ogg|oga|opus|flac|m4a|aac|mp4|webm|aif|aiff|au|snd)$/i;
const NAME_CHARS = /^[A-Za-z0-9._ -]+$/;
const HEAD_BYTES = 64 * 1024;
/** Largest file whose details are found by decoding it whole when its header is not the usual kind. */
const DECODE_WHOLE_BYTES = 64 * 1024 * 1024;

export interface AudioEntry {
  name: string;
  sizeBytes: number;
  /** Null when the file is not a WAV this server can read (a file dropped into the folder by hand). */
  durationMs: number | null;
  sampleRate: number | null;
  channels: number | null;
  modifiedAt: Date;
  /** Why a file dropped into the folder cannot be played. */
  problem?: string;
}

export interface SavedAudio {
  entry: AudioEntry;
  /** False when an existing file of the same name was replaced. */
  created: boolean;
  convertedFrom: AudioFormat;
}

export interface AudioFilesOptions {
  dataDir: string;
  /** Where the live configuration refers to a file (`ivrs[id=10].questions[1].prompt`); none by default. */
  usedBy?: (name: string) => string[];
  maxUploadBytes?: number;
  maxSeconds?: number;
  /** The library calls play from: told about each upload, so its first play needs no conversion. */
  library?: Pick<AudioLibrary, 'prime'>;
  /** Where conversions run; by default one worker thread shared by the process (audio-converter.ts). */
  converter?: Pick<AudioConverter, 'convert'>;
}

let sharedConverter: AudioConverter | undefined;

function badName(name: string, why: string): AdminError {
  return new AdminError('bad_request', `the audio name ${JSON.stringify(name)} is not allowed: ${why}`, { issues: [{ path: 'name', message: why }] });
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

/** Checks the parts of a name common to reading and writing: one file of the folder, not hidden. */
function checkBare(name: string): void {
  if (name.length === 0) throw badName(name, 'it is empty');
  if (/[/\\]/.test(name)) throw badName(name, 'folders are not allowed (no / or \\)');
  if (name.includes('\0')) throw badName(name, 'it contains a NUL character');
  if (name.startsWith('.')) throw badName(name, 'hidden names (starting with .) are not allowed');
  if (name.includes('..')) throw badName(name, '".." is not allowed');
}

/**
 * The name an upload is stored under: its base name (an audio extension such as `.mp3` removed) plus
 * `.wav`. Only letters, digits, `.`, `_`, `-` and spaces: a name goes into flows files, URLs and shell
 * commands, and `@` would be taken for a substitution in a prompt.
 */
export function storedName(uploadName: string): string {
  checkBare(uploadName);
  if (!NAME_CHARS.test(uploadName)) {
    const bad = [...uploadName].find((ch) => !/[A-Za-z0-9._ -]/.test(ch));
    throw badName(uploadName, `${JSON.stringify(bad)} is not allowed; use letters, digits, ".", "_", "-" and spaces`);
  }
  if (uploadName !== uploadName.trim()) throw badName(uploadName, 'it starts or ends with a space');
  const base = uploadName.replace(AUDIO_EXTENSIONS, '');
  if (base.length === 0) throw badName(uploadName, 'it has no name before the extension');
  if (/[. ]$/.test(base)) throw badName(uploadName, 'it ends with a space or "." before the extension');
  const name = `${base}.wav`;
  if (name.length > MAX_NAME_LENGTH) throw badName(uploadName, `it is longer than ${MAX_NAME_LENGTH} characters with .wav`);
  return name;
}

/**
 * Whether a reference in a flow (`greeting_@lang.wav`: `@name` is replaced at play time by a webhook
 * user parameter, or by nothing) can name `file`. For the lead's `usedBy`: a file that a custom audio
 * prompt may build must count as used.
 */
export function referenceMatches(reference: string, file: string): boolean {
  if (!reference.includes('@')) return reference === file;
  const pattern = reference
    .split(/@[A-Za-z0-9_]+/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(file);
}

export class AudioFiles {
  readonly dir: string;
  private readonly usedBy: (name: string) => string[];
  readonly maxUploadBytes: number;
  readonly maxSeconds: number;
  private readonly converter: Pick<AudioConverter, 'convert'>;
  private readonly library: Pick<AudioLibrary, 'prime'> | undefined;

  constructor(options: AudioFilesOptions) {
    this.converter = options.converter ?? (sharedConverter ??= new AudioConverter());
    this.library = options.library;
    this.dir = join(options.dataDir, 'audio');
    this.usedBy = options.usedBy ?? (() => []);
    this.maxUploadBytes = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
    this.maxSeconds = options.maxSeconds ?? MAX_AUDIO_SECONDS;
  }

  /** Stops the conversion worker, if this library's uploads use the shared one (it restarts on the next upload). */
  async close(): Promise<void> {
    if (this.converter === sharedConverter) await sharedConverter.close();
  }

  /** Library files by name (the order a person expects: case-insensitive), a page at a time. */
  async list(options: { after?: string; limit?: number } = {}): Promise<{ items: AudioEntry[]; more: boolean }> {
    let names: string[];
    try {
      names = (await readdir(this.dir, { withFileTypes: true }))
        .filter((d) => (d.isFile() || d.isSymbolicLink()) && !d.name.startsWith('.') && /\.wav$/i.test(d.name))
        .map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], more: false };
      throw err;
    }
    names.sort(compareNames);
    const after = options.after;
    const start = after === undefined ? 0 : names.findIndex((n) => compareNames(n, after) > 0);
    const page = start < 0 ? [] : names.slice(start, start + (options.limit ?? names.length));
    const items: AudioEntry[] = [];
    for (const name of page) {
      // A file deleted (or a link broken, or leading out of the folder) since readdir is not listed.
      const entry = await this.locate(name).then(() => this.entry(name)).catch(() => undefined);
      if (entry) items.push(entry);
    }
    return { items, more: start >= 0 && start + page.length < names.length };
  }

  /** One file's details; 404 when it is not in the library. */
  async info(name: string): Promise<AudioEntry> {
    await this.locate(name);
    return this.entry(name);
  }

  /** Where a file is, for streaming it (GET /audio/{name}); 404 when it is not in the library. */
  async get(name: string): Promise<{ path: string; size: number; modifiedAt: Date }> {
    const path = await this.locate(name);
    const s = await stat(path);
    return { path, size: s.size, modifiedAt: s.mtime };
  }

  /** Converts and stores an upload under `storedName(name)`; `declaredType` only words the errors. */
  async save(name: string, bytes: Uint8Array, declaredType?: string): Promise<SavedAudio> {
    const target = storedName(name);
    if (bytes.length > this.maxUploadBytes) {
      throw new AdminError('too_large', `the upload is ${bytes.length} bytes; the audio library takes files up to ${formatBytes(this.maxUploadBytes)}`);
    }
    const detected = await detectFormat(bytes);
    if (!detected.format) {
      const declared = declaredType ? ` (sent as ${declaredType})` : '';
      const what = detected.audio ? `${detected.what}, an audio format this server does not convert` : `${detected.what}, not audio`;
      throw new AdminError('unsupported_media', `the upload${declared} is ${what}; send ${SUPPORTED_FORMATS}`);
    }
    const converted: Converted & { ulaw?: Uint8Array } = await this.converter.convert(detected.format, bytes, { maxSeconds: this.maxSeconds });
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, target);
    const previous = await lstat(path).catch(() => undefined);
    if (previous && !previous.isFile()) throw new AdminError('conflict', `${target} exists in the audio folder and is not a plain file; remove it by hand`);
    const written = await this.writeAtomic(path, converted.wav, previous?.mtimeMs);
    // Best effort: without it the first play converts the file, as for a file dropped into the folder.
    if (this.library && converted.ulaw) await this.library.prime(target, converted.ulaw, written).catch(() => undefined);
    return { entry: await this.entry(target), created: previous === undefined, convertedFrom: detected.format };
  }

  /**
   * Removes a file. Refused (409, each user named) while the configuration refers to it, unless
   * `force`: a prompt whose file is missing is skipped at play time, never a failed call.
   */
  async delete(name: string, options: { force?: boolean } = {}): Promise<{ usedBy: string[] }> {
    await this.locate(name);
    const users = this.usedBy(name);
    if (users.length > 0 && !options.force) {
      throw new AdminError('conflict', `${name} is used by ${users.join(', ')}; change those first, or delete with ?force=true`, {
        issues: users.map((path) => ({ path, message: `refers to ${name}` })),
      });
    }
    try {
      await unlink(join(this.dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(name);
      throw err;
    }
    return { usedBy: users };
  }

  /** The file's path, checked to be a file inside the folder (a symlink may not lead out of it). */
  private async locate(name: string): Promise<string> {
    checkBare(name);
    if (name.length > 255) throw badName(name, 'it is longer than 255 characters');
    if (!/\.wav$/i.test(name)) {
      throw new AdminError('not_found', `${JSON.stringify(name)} is not in the audio library: the library holds .wav files (an upload of ${name} is stored as ${name.replace(AUDIO_EXTENSIONS, '')}.wav)`);
    }
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(join(this.dir, name)), realpath(this.dir)]);
    } catch {
      throw notFound(name);
    }
    if (!real.startsWith(root + sep)) throw badName(name, 'it leads outside the audio folder');
    if (!(await stat(real)).isFile()) throw notFound(name);
    return real;
  }

  private async entry(name: string): Promise<AudioEntry> {
    const path = join(this.dir, name);
    const s = await stat(path);
    const base = { name, sizeBytes: s.size, modifiedAt: s.mtime };
    const file = await open(path, 'r');
    let head: Uint8Array;
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, s.size));
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
    const info = readWavInfo(head, s.size);
    if (info) return { ...base, durationMs: info.durationMs, sampleRate: info.sampleRate, channels: info.channels };
    // Headers the quick reader leaves alone (RIFX, RF64, a long chunk before the data) are rare and
    // small enough to decode whole; anything decodeWav refuses cannot be played either.
    if (s.size <= DECODE_WHOLE_BYTES) {
      try {
        const wav = decodeWav(await readFile(path));
        const frames = wav.channels[0]?.length ?? 0;
        return { ...base, durationMs: Math.round((frames * 1000) / wav.sampleRate), sampleRate: wav.sampleRate, channels: wav.channels.length };
      } catch (err) {
        return { ...base, durationMs: null, sampleRate: null, channels: null, problem: (err as Error).message };
      }
    }
    return { ...base, durationMs: null, sampleRate: null, channels: null, problem: 'not a WAV file this server can read' };
  }

  /** Returns the size and mtime the file was given (a rename keeps them). */
  private async writeAtomic(path: string, data: Uint8Array, previousMtimeMs: number | undefined): Promise<{ size: number; mtimeMs: number }> {
    const tmp = join(this.dir, `.upload-${randomBytes(6).toString('hex')}.tmp`);
    try {
      const file = await open(tmp, 'wx');
      try {
        await file.writeFile(data);
        await file.sync(); // the rename must not reach the disk before the data does
      } finally {
        await file.close();
      }
      // ext4 stamps mtimes from a clock that ticks every few milliseconds: a replacement written right
      // after the file it replaces could get its mtime, and an equal size would then make AudioLibrary's
      // cache (keyed by size and mtime) serve the old audio.
      let s = await stat(tmp);
      if (previousMtimeMs !== undefined && s.mtimeMs <= previousMtimeMs) {
        await utimes(tmp, s.atime, new Date(previousMtimeMs + 1000));
        s = await stat(tmp);
      }
      await rename(tmp, path);
      return { size: s.size, mtimeMs: s.mtimeMs };
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

function notFound(name: string): AdminError {
  return new AdminError('not_found', `${name} is not in the audio library`);
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
