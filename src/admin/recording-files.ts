/**
 * Recording files under the data directory (`recordings/...`, as the flow writes them) and their rows:
 * reading one, resampled on request, and deleting rows with their files.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import { floatToInt16, resample } from '../media/resample.js';
import { decodeWav, encodeWav } from '../media/wav.js';
import type { RecordingRecord, ReportRepo } from '../store/types.js';
import { AdminError } from './errors.js';

export class RecordingFiles {
  private readonly root: string;

  constructor(
    dataDir: string,
    private readonly repo: ReportRepo,
    private readonly logger: Logger,
  ) {
    this.root = path.resolve(dataDir);
  }

  /** The file's absolute path; a stored path that leaves the data directory is refused, whatever wrote it. */
  pathOf(rec: RecordingRecord): string {
    const abs = path.resolve(this.root, rec.path);
    if (!abs.startsWith(this.root + path.sep)) throw new AdminError('not_found', `recording ${rec.id} has no file inside the data directory`);
    return abs;
  }

  async read(rec: RecordingRecord): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(rec));
    } catch (err) {
      if (err instanceof AdminError) throw err;
      throw new AdminError('not_found', `the file of recording ${rec.id} (${path.basename(rec.path)}) is missing`, { cause: err });
    }
  }

  /** Deletes the row, then the file: a crash in between leaves a stray file, never a row without one. */
  async remove(rec: RecordingRecord): Promise<void> {
    await this.repo.deleteRecording(rec.id);
    await this.removeFile(rec);
  }

  /** Deletes the files of recordings whose rows are already gone. */
  async removeFile(rec: RecordingRecord): Promise<void> {
    try {
      await rm(this.pathOf(rec), { force: true });
    } catch (err) {
      // The row is gone, so nothing lists the file any more; a file that cannot go is worth a line in the log.
      this.logger.warn({ err, recording: rec.id }, 'recording file could not be deleted');
    }
  }
}

/**
 * A WAV file at another sample rate: 16-bit PCM, the same channels, each resampled with the
 * band-limited resampler (media/resample.ts). At the file's own rate it comes back unchanged.
 */
export function wavAtRate(bytes: Uint8Array, rate: number): Uint8Array {
  const wav = decodeWav(bytes);
  if (wav.sampleRate === rate && wav.encoding === 'pcm' && wav.bitsPerSample === 16) return bytes;
  const channels = wav.channels.slice(0, 2).map((ch) => floatToInt16(wav.sampleRate === rate ? ch : resample(ch, wav.sampleRate, rate)));
  return encodeWav(channels, rate);
}
