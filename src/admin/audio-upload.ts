/**
 * Audio fetched from a URL into the audio library (`<data dir>/audio/`), for the original
 * Administration API's `recording.upload` (docs/ibp-api.md): the file is fetched under the webhook
 * client's outbound-request policy with a size cap, checked, and saved under a name taken from the URL,
 * which is the name flows and API bodies then use (`audio: hold.wav`, `holdmusic: hold.wav`).
 *
 * What is fetched goes through the audio library's own upload (AudioFiles.save): any format it
 * converts (WAV, MP3, Ogg, FLAC), refused with a clear error otherwise, written atomically.
 */
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { AUDIO_FILE } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { fetchFile } from '../webhook/fetch-file.js';
import type { NetworkPolicy } from '../webhook/policy.js';
import { WebhookError } from '../webhook/errors.js';
import { AdminError } from './errors.js';
import type { AudioFiles } from './audio.js';

export interface AudioUploadOptions {
  dataDir: string;
  /** The webhook client's policy (HOOKLINE_WEBHOOK_NETWORKS). */
  networks: NetworkPolicy;
  /** Largest file taken; default 20 MiB (about 20 minutes of 16 kHz 16-bit mono). */
  maxBytes?: number;
  timeoutMs?: number;
  lookup?: LookupFunction;
  clock?: Clock;
  /** The audio library's uploads: converts and stores the fetched file. */
  files: Pick<AudioFiles, 'save'>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const MAX_NAME = 100;

/**
 * A library file name from the URL's last path segment: letters, digits, `.`, `_` and `-` kept, the
 * rest `_`, the extension replaced by `.wav` (what is stored is WAV whatever came in).
 */
export function libraryName(url: string, fallback: string): string {
  let last = '';
  try {
    last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    last = '';
  }
  const stem = last
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, MAX_NAME);
  const name = `${stem === '' ? fallback : stem}.wav`;
  return AUDIO_FILE.test(name) ? name : `${fallback}.wav`;
}

export class AudioUploads {
  readonly dir: string;

  constructor(private readonly o: AudioUploadOptions) {
    this.dir = path.join(o.dataDir, 'audio');
  }

  /** Fetches `url` and saves it as `name` (default: from the URL); replaces a file of that name. */
  async fromUrl(url: string, name?: string): Promise<{ name: string; bytes: number }> {
    const maxBytes = this.o.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    let fetched: Uint8Array;
    try {
      fetched = (await fetchFile(url, { networks: this.o.networks, maxBytes, timeoutMs: this.o.timeoutMs ?? 30_000, ...(this.o.lookup ? { lookup: this.o.lookup } : {}), ...(this.o.clock ? { clock: this.o.clock } : {}) })).bytes;
    } catch (err) {
      if (!(err instanceof WebhookError)) throw err;
      const code = err.code === 'too_large' ? 'too_large' : err.code === 'bad_url' ? 'invalid' : 'unavailable';
      throw new AdminError(code, `could not fetch ${url}: ${err.message}`, { cause: err });
    }
    const file = name ?? libraryName(url, `upload-${(this.o.clock?.now() ?? Date.now()).toString(36)}`);
    const saved = await this.o.files.save(file, fetched);
    return { name: saved.entry.name, bytes: saved.entry.sizeBytes };
  }
}
