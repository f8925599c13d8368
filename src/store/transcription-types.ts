/** Transcription jobs and their repository (transcription-repos.ts, migration 007); re-exported by types.ts. */

export type TranscriptionMode = 'standard' | 'human';
export type TranscriptionState = 'pending' | 'done' | 'failed' | 'skipped';

/** A recorded answer to transcribe (by an engine or a person), and its text once there. */
export interface TranscriptionJob {
  id: number;
  sessionId: string;
  ivrId: number;
  /** The `ivr_response_id` of the run that recorded it. */
  responseId: number;
  questionNo: number;
  /** Relative to the data dir. */
  recordingPath: string;
  durationMs: number;
  mode: TranscriptionMode;
  state: TranscriptionState;
  /** Failed engine attempts so far. */
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  finishedAt?: Date;
  claimedBy?: string;
  claimedUntil?: Date;
  text?: string;
  /** What produced the text: an engine's name, or `human`. */
  engine?: string;
  /** Why the last attempt failed, or why the job was failed or skipped. */
  lastError?: string;
  /** Where the text is posted back; absent when the IVR has no transcription_url. */
  postback?: { url: string; secret?: string };
  /** The flows file's time zone when the call ran, for the post-back's `date`. */
  timezone: string;
  /** The post-back's outbox item, once queued. */
  outboxId?: number;
}

export type NewTranscriptionJob = Pick<TranscriptionJob, 'sessionId' | 'ivrId' | 'responseId' | 'questionNo' | 'recordingPath' | 'durationMs' | 'mode' | 'createdAt' | 'timezone' | 'postback'>;

export interface TranscriptionFilter {
  state?: TranscriptionState;
  mode?: TranscriptionMode;
  sessionId?: string;
}

/** An outbox row to write in the same transaction as the text (see OutboxRepo.enqueue). */
export interface OutboxInsert {
  kind: string;
  payload: string;
  nextAttemptAt: Date;
  expiresAt: Date;
}

export interface TranscriptionRepo {
  /** A new pending job, due at once; returns its id. */
  create(job: NewTranscriptionJob): Promise<number>;
  get(id: number): Promise<TranscriptionJob | undefined>;
  /** Pending jobs of `mode` whose attempt is due at `now`, oldest first. */
  due(mode: TranscriptionMode, now: Date, limit: number): Promise<TranscriptionJob[]>;
  /** Oldest first (by id), jobs with an id above `afterId` when given. */
  list(filter: TranscriptionFilter, afterId: number | undefined, limit: number): Promise<TranscriptionJob[]>;
  forSession(sessionId: string): Promise<TranscriptionJob[]>;
  /** Counts a failed attempt and schedules the next; false (and no change) when the job is not pending. */
  retry(id: number, nextAttemptAt: Date, error: string): Promise<boolean>;
  /** Ends a pending job without text: `failed` (an error) or `skipped` (nothing to transcribe, or a person said so). */
  end(id: number, state: 'failed' | 'skipped', reason: string, at: Date): Promise<boolean>;
  /**
   * Claims a pending job for `who` until `until`, unless somebody else's claim still holds at `now`.
   * Returns false when the job is not pending or is claimed by another.
   */
  claim(id: number, who: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Stores the text and marks the job done; with `postback`, queues that outbox row in the same
   * transaction, so the post-back is queued exactly once however often this is called or a crash
   * interrupts it. `completed` is false (nothing written) when the job was no longer pending.
   */
  complete(id: number, result: { text: string; engine: string; at: Date; postback?: OutboxInsert }): Promise<{ completed: boolean; outboxId?: number }>;
  /** Pending jobs of each mode (for /metrics and the console's badge). */
  pendingCount(mode: TranscriptionMode): Promise<number>;
}
