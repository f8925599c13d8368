/**
 * Recordings as the operator handles them: listed, described, played (the WAV file under the data
 * dir) and deleted, file and row together. Voicemail messages are the recordings of kind `voicemail`
 * of one box.
 *
 * A recording's path comes from the database, so it is checked before any file is opened or removed:
 * resolved against the data dir, symbolic links followed, it must still lie inside the data dir. A row
 * edited by hand (or a restored database from another machine) can then never make the API read or
 * delete an arbitrary file.
 */
import { realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Flows } from '../config/types.js';
import type { Logger } from '../lib/logger.js';
import type { RecordingFilter, RecordingRecord, Store } from '../store/types.js';
import { AdminError } from './errors.js';
import type { Page, RecordingView, VoicemailMessageView } from './view-types.js';
import { idCursor, iso, pageOf, readIdCursor, recordingView } from './views.js';

export interface RecordingsOptions {
  store: Pick<Store, 'recordings'>;
  /** The data dir recordings' paths are relative to. */
  dataDir: string;
  /** The current configuration, to tell a voicemail box that does not exist from an empty one. */
  flows: () => Flows;
  logger: Logger;
}

const isMissing = (err: unknown): boolean => typeof err === 'object' && err !== null && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR');

export class Recordings {
  constructor(private readonly o: RecordingsOptions) {}

  private get dataDir(): string {
    return path.resolve(this.o.dataDir);
  }

  async list(filter: RecordingFilter, cursor: string | undefined, limit: number): Promise<Page<RecordingView>> {
    const rows = await this.o.store.recordings.list(filter, readIdCursor(cursor), limit + 1);
    return this.page(rows, limit, recordingView);
  }

  async get(id: number): Promise<RecordingView> {
    return recordingView(await this.record(id));
  }

  /** The recording and the absolute path of its WAV, checked to be an existing file inside the data dir. */
  async file(id: number): Promise<{ recording: RecordingRecord; path: string }> {
    const recording = await this.record(id);
    const abs = await this.inside(recording);
    if (abs === undefined) throw new AdminError('not_found', `recording ${id}: its file ${recording.path} is missing`);
    return { recording, path: abs };
  }

  /** Deletes the WAV (if it is still there) and then the row, so a failed removal leaves the row to retry. */
  async delete(id: number): Promise<void> {
    await this.remove(await this.record(id));
  }

  async voicemailMessages(boxId: number, cursor: string | undefined, limit: number): Promise<Page<VoicemailMessageView>> {
    const rows = await this.o.store.recordings.list({ kind: 'voicemail', voicemailId: boxId }, readIdCursor(cursor), limit + 1);
    // A box removed from the configuration still shows the messages left in it.
    if (rows.length === 0 && cursor === undefined && !this.o.flows().voicemails.has(boxId)) throw new AdminError('not_found', `no voicemail box with id ${boxId}`);
    return this.page(rows, limit, (r) => {
      const v = recordingView(r);
      return {
        id: r.id,
        voicemail_id: boxId,
        session_id: r.sessionId,
        caller_id: r.callerId,
        received_at: iso(r.createdAt),
        duration_ms: r.durationMs,
        duration_s: Math.round(r.durationMs / 1000),
        audio_url: v.audio_url,
      };
    });
  }

  async deleteVoicemailMessage(boxId: number, messageId: number): Promise<void> {
    const r = await this.o.store.recordings.get(messageId);
    if (!r || r.kind !== 'voicemail' || r.voicemailId !== boxId) throw new AdminError('not_found', `no message ${messageId} in voicemail box ${boxId}`);
    await this.remove(r);
  }

  private async record(id: number): Promise<RecordingRecord> {
    const r = await this.o.store.recordings.get(id);
    if (!r) throw new AdminError('not_found', `no recording with id ${id}`);
    return r;
  }

  private page<T>(rows: RecordingRecord[], limit: number, view: (r: RecordingRecord) => T): Page<T> {
    return pageOf(rows, limit, view, (last) => idCursor(last.id));
  }

  private async remove(r: RecordingRecord): Promise<void> {
    const abs = await this.inside(r);
    if (abs !== undefined) {
      try {
        await unlink(abs);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    await this.o.store.recordings.delete(r.id);
  }

  /**
   * The file's real path when it exists inside the data dir; undefined when there is no file. A path
   * leading outside is refused (and logged: someone put it there).
   */
  private async inside(r: RecordingRecord): Promise<string | undefined> {
    const within = (root: string, p: string): boolean => {
      const rel = path.relative(root, p);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    };
    const abs = path.resolve(this.dataDir, r.path);
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(abs), realpath(this.dataDir)]);
    } catch (err) {
      if (isMissing(err)) return within(this.dataDir, abs) ? undefined : this.refuse(r);
      throw err;
    }
    return within(this.dataDir, abs) && within(root, real) ? real : this.refuse(r);
  }

  private refuse(r: RecordingRecord): never {
    this.o.logger.warn({ recordingId: r.id, path: r.path }, 'recording path leads outside the data dir: refused');
    throw new AdminError('not_found', `recording ${r.id}: its path ${r.path} lies outside the data dir, so it is not served or deleted`);
  }
}
