/**
 * Transcriptions as the operator sees them, and the human queue: people list the pending `human`
 * jobs, listen to each recording, claim one (so two people do not type the same answer), then submit
 * its text or skip it. Submitting stores the text and queues the post-back in one step
 * (completeTranscription), so a post-back goes out once however many times the button is pressed.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store, TranscriptionFilter, TranscriptionJob } from '../store/types.js';
import { completeTranscription, type PostbackOutbox } from '../webhook/transcription-worker.js';
import { AdminError } from './errors.js';
import type { Page, TranscriptionView } from './view-types.js';
import { audioUrl, idCursor, iso, isoOrNull, pageOf, readIdCursor } from './views.js';

export interface TranscriptionsOptions {
  store: Pick<Store, 'transcriptions' | 'reports'>;
  /** Takes the post-backs of submitted texts (the server's OutboxWorker). */
  outbox: PostbackOutbox;
  clock: Clock;
  logger: Logger;
  /** How long a claim keeps others off a job; default 15 minutes. */
  claimMs?: number;
}

export const DEFAULT_CLAIM_MS = 15 * 60_000;

export class Transcriptions {
  constructor(private readonly o: TranscriptionsOptions) {}

  /** Oldest first: the queue is worked in the order callers answered. */
  async list(filter: TranscriptionFilter, cursor: string | undefined, limit: number): Promise<Page<TranscriptionView>> {
    const rows = await this.o.store.transcriptions.list(filter, readIdCursor(cursor), limit + 1);
    const page = pageOf(rows, limit, (j) => j, (last) => idCursor(last.id));
    return { items: await Promise.all(page.items.map((j) => this.view(j))), next_cursor: page.next_cursor };
  }

  async get(id: number): Promise<TranscriptionView> {
    return this.view(await this.job(id));
  }

  /** Claims a pending human job for `who`; again by the same person extends the claim. */
  async claim(id: number, who: string): Promise<TranscriptionView> {
    await this.pendingHuman(id);
    const now = this.o.clock.now();
    const ok = await this.o.store.transcriptions.claim(id, who, new Date(now + (this.o.claimMs ?? DEFAULT_CLAIM_MS)), new Date(now));
    if (!ok) throw this.claimedByOther(await this.job(id));
    return this.get(id);
  }

  /** Stores a person's text and queues the post-back. Refused while somebody else's claim holds. */
  async submit(id: number, who: string, text: string): Promise<TranscriptionView> {
    const job = await this.pendingHuman(id);
    this.checkClaim(job, who);
    const r = await completeTranscription(this.o.store.transcriptions, this.o.outbox, job, { text, engine: 'human', at: new Date(this.o.clock.now()) });
    if (!r.completed) throw new AdminError('conflict', `transcription ${id} was finished by someone else meanwhile`);
    this.o.logger.info({ transcriptionId: id, by: who, chars: text.length, postback: r.outboxId !== undefined }, 'transcription typed');
    return this.get(id);
  }

  /** Ends a human job without text (nothing said, not understandable): nothing is posted. */
  async skip(id: number, who: string, reason: string | undefined): Promise<TranscriptionView> {
    const job = await this.pendingHuman(id);
    this.checkClaim(job, who);
    const why = `skipped by ${who}${reason ? `: ${reason}` : ''}`;
    if (!(await this.o.store.transcriptions.end(id, 'skipped', why, new Date(this.o.clock.now())))) {
      throw new AdminError('conflict', `transcription ${id} was finished by someone else meanwhile`);
    }
    this.o.logger.info({ transcriptionId: id, by: who }, 'transcription skipped');
    return this.get(id);
  }

  private async job(id: number): Promise<TranscriptionJob> {
    const job = await this.o.store.transcriptions.get(id);
    if (!job) throw new AdminError('not_found', `no transcription ${id}`);
    return job;
  }

  private async pendingHuman(id: number): Promise<TranscriptionJob> {
    const job = await this.job(id);
    if (job.mode !== 'human') throw new AdminError('conflict', `transcription ${id} is made by an engine (transcribe: standard), not typed`);
    if (job.state !== 'pending') throw new AdminError('conflict', `transcription ${id} is already ${job.state}`);
    return job;
  }

  private checkClaim(job: TranscriptionJob, who: string): void {
    if (job.claimedBy !== undefined && job.claimedBy !== who && (job.claimedUntil?.getTime() ?? 0) > this.o.clock.now()) throw this.claimedByOther(job);
  }

  private claimedByOther(now: TranscriptionJob): AdminError {
    if (now.state !== 'pending') return new AdminError('conflict', `transcription ${now.id} is already ${now.state}`);
    return new AdminError('conflict', `transcription ${now.id} is being typed by ${now.claimedBy ?? 'someone else'} until ${isoOrNull(now.claimedUntil) ?? 'later'}`);
  }

  private async view(j: TranscriptionJob): Promise<TranscriptionView> {
    const [rec] = await this.o.store.reports.recordings({ kind: 'question', responseId: j.responseId, questionNo: j.questionNo, sessionId: j.sessionId }, 1);
    return {
      id: j.id,
      session_id: j.sessionId,
      ivr_id: j.ivrId,
      response_id: j.responseId,
      question_no: j.questionNo,
      mode: j.mode,
      state: j.state,
      duration_ms: j.durationMs,
      created_at: iso(j.createdAt),
      finished_at: isoOrNull(j.finishedAt),
      text: j.text ?? null,
      engine: j.engine ?? null,
      attempts: j.attempts,
      failure: j.lastError ?? null,
      claimed_by: j.claimedBy ?? null,
      claimed_until: isoOrNull(j.claimedUntil),
      transcription_url: j.postback?.url ?? null,
      postback_queued: j.outboxId !== undefined,
      audio_url: rec ? audioUrl(rec.id) : null,
    };
  }
}
