import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Counter, Gauge } from 'prom-client';
import { silentLogger, type Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { PollLoop } from '../lib/poll-loop.js';
import { decodeWav } from '../media/wav.js';
import { SttError, type SpeechToText } from '../speech/transcribe/index.js';
import type { TranscriptionJob, TranscriptionRepo } from '../store/types.js';
import { retryDelayMs, type BackoffOptions, type OutboxWorker } from './outbox-worker.js';
import { transcriptionPostback } from './transcription.js';

/** What finishing a job needs from the outbox: the row to write with the text, and a nudge after. */
export type PostbackOutbox = Pick<OutboxWorker, 'row' | 'poke'>;

/**
 * Stores a job's text and, when its IVR has a transcription_url, queues the post-back in the same
 * transaction (TranscriptionRepo.complete), then nudges the outbox. Used by the engine worker below and
 * by the people who type human transcriptions (admin/transcriptions.ts). `completed` is false when the
 * job was already finished by someone else: nothing was stored and nothing will be sent.
 */
export async function completeTranscription(
  jobs: TranscriptionRepo,
  outbox: PostbackOutbox,
  job: TranscriptionJob,
  result: { text: string; engine: string; at: Date },
): Promise<{ completed: boolean; outboxId?: number }> {
  const postback = job.postback
    ? outbox.row(
        'transcription',
        transcriptionPostback({
          url: job.postback.url,
          ivrId: job.ivrId,
          responseId: job.responseId,
          questionNo: job.questionNo,
          durationMs: job.durationMs,
          at: result.at,
          text: result.text,
          timezone: job.timezone,
          ...(job.postback.secret !== undefined ? { secret: job.postback.secret } : {}),
        }),
        { sessionId: job.sessionId },
      )
    : undefined;
  const r = await jobs.complete(job.id, { ...result, ...(postback ? { postback } : {}) });
  if (r.outboxId !== undefined) outbox.poke();
  return r;
}

export interface TranscriptionWorkerOptions {
  jobs: TranscriptionRepo;
  /** The configured engine; undefined (`none`) fails each `standard` job with a reason saying so. */
  engine: SpeechToText | undefined;
  outbox: PostbackOutbox;
  /** Absolute: recording paths are relative to it. */
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /** [0, 1), for the backoff jitter. */
  random?: () => number;
  /** Jobs transcribed at once; default 2 (the machine also runs calls). */
  concurrency?: number;
  /** How often the queue is checked for jobs whose retry is due; default 5 s. */
  pollMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Failed attempts before a job is failed for good; default 10 (about three hours with the default backoff). */
  maxAttempts?: number;
  /** Hard limit on one attempt, for an engine that would ignore its own timeout; default 10 min. */
  attemptTimeoutMs?: number;
  /** Registers hookline_transcriptions_pending and hookline_transcription_attempts_total there. */
  metrics?: Metrics;
}

export const TRANSCRIBE_BACKOFF: BackoffOptions = { initialMs: 30_000, maxMs: 3_600_000, jitter: 0.2 };

const NO_ENGINE =
  'no transcription engine is configured (HOOKLINE_TRANSCRIBE_ENGINE=none): set it to http with HOOKLINE_TRANSCRIBE_URL, or local, for questions with transcribe: standard';

/**
 * Works off the `standard` transcription jobs, away from the calls: a job is written when the recording
 * is stored (flow/ivr.ts) and this worker picks it up from the store, so a call never waits on an
 * engine and a restart resumes whatever was pending (a job cut off mid-attempt is simply attempted
 * again). A bounded number run at once. Each attempt is one log line with its outcome; a retryable
 * failure is tried again with exponential backoff up to `maxAttempts`, anything else fails the job
 * with its reason. An empty text is never posted for an engine's failure: a job whose engine heard no
 * words is failed with that reason, not sent.
 */
export class TranscriptionWorker {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly loop: PollLoop;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly inFlight = new Map<number, { done: Promise<void>; abort: AbortController }>();
  private readonly attempts: Counter<'engine' | 'outcome'> | undefined;

  constructor(private readonly opts: TranscriptionWorkerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.random = opts.random ?? Math.random;
    this.concurrency = Math.max(1, Math.trunc(opts.concurrency ?? 2));
    this.loop = new PollLoop(this.clock, opts.pollMs ?? 5_000, () => this.poll());
    this.backoff = { ...TRANSCRIBE_BACKOFF, ...opts.backoff };
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 10);
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 600_000;
    if (opts.metrics) {
      const jobs = opts.jobs;
      // Registered here rather than in lib/metrics.ts: only a server that runs this worker has them.
      new Gauge({
        name: 'hookline_transcriptions_pending',
        help: 'Transcription jobs waiting for an engine or a person, read from the store at each scrape',
        labelNames: ['mode'],
        registers: [opts.metrics.registry],
        async collect() {
          for (const mode of ['standard', 'human'] as const) this.set({ mode }, await jobs.pendingCount(mode).catch(() => 0));
        },
      });
      this.attempts = new Counter({
        name: 'hookline_transcription_attempts_total',
        help: 'Transcription attempts by engine and outcome: done, retry, failed, skipped',
        labelNames: ['engine', 'outcome'],
        registers: [opts.metrics.registry],
      });
    }
  }

  get engineName(): string {
    return this.opts.engine?.name ?? 'none';
  }

  /** Starts the loop; jobs a previous process left pending are picked up by the first poll. */
  start(): void {
    this.loop.start();
  }

  /** Stops polling, cancels attempts in flight (their jobs stay pending for the next start) and waits for them. */
  async stop(): Promise<void> {
    this.loop.stop();
    for (const { abort } of this.inFlight.values()) abort.abort();
    await this.settled();
  }

  /** A job was written: look now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  async settled(): Promise<void> {
    while (this.loop.current || this.inFlight.size > 0) {
      await Promise.all([this.loop.current, ...[...this.inFlight.values()].map((f) => f.done)]);
    }
  }

  /** A job was written: look now rather than at the next poll. */

  private async poll(): Promise<void> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return;
    let jobs: TranscriptionJob[];
    try {
      jobs = await this.opts.jobs.due('standard', new Date(this.clock.now()), free + this.inFlight.size);
    } catch (err) {
      this.logger.error({ err }, 'transcription: cannot read due jobs; retrying at the next poll');
      return;
    }
    if (!this.loop.isRunning) return;
    for (const job of jobs.filter((j) => !this.inFlight.has(j.id)).slice(0, free)) {
      const abort = new AbortController();
      const done = this.attempt(job, abort.signal).finally(() => {
        this.inFlight.delete(job.id);
        this.loop.wake();
      });
      this.inFlight.set(job.id, { done, abort });
    }
  }

  /** One attempt at one job and its outcome written back; never rejects. */
  private async attempt(job: TranscriptionJob, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ transcriptionId: job.id, sessionId: job.sessionId, responseId: job.responseId, question: job.questionNo });
    try {
      const engine = this.opts.engine;
      if (!engine) {
        log.warn(NO_ENGINE);
        this.attempts?.inc({ engine: 'none', outcome: 'failed' });
        await this.opts.jobs.end(job.id, 'failed', NO_ENGINE, new Date(this.clock.now()));
        return;
      }
      const wav = await this.readRecording(job, log);
      if (!wav) return;
      const attempt = job.attempts + 1;
      const started = performance.now();
      let text: string;
      try {
        text = await withDeadline(engine.transcribe(wav, { signal }), this.attemptTimeoutMs, signal);
      } catch (err) {
        if (signal.aborted && !this.loop.isRunning) {
          log.info({ engine: engine.name, attempt }, 'transcription: attempt stopped by shutdown; the job stays pending');
          return;
        }
        await this.failed(job, err, log, engine.name, attempt, performance.now() - started);
        return;
      }
      const ms = performance.now() - started;
      const rtf = job.durationMs > 0 ? Math.round((ms / job.durationMs) * 100) / 100 : undefined;
      if (text === '') {
        const reason = `the ${engine.name} engine returned no text`;
        log.warn({ engine: engine.name, attempt, ms: Math.round(ms) }, `transcription failed: ${reason}; nothing is posted`);
        this.attempts?.inc({ engine: engine.name, outcome: 'failed' });
        await this.opts.jobs.end(job.id, 'failed', reason, new Date(this.clock.now()));
        return;
      }
      const r = await completeTranscription(this.opts.jobs, this.opts.outbox, job, { text, engine: engine.name, at: new Date(this.clock.now()) });
      this.attempts?.inc({ engine: engine.name, outcome: 'done' });
      log.info({ engine: engine.name, attempt, ms: Math.round(ms), rtf, chars: text.length, postback: r.outboxId !== undefined, completed: r.completed }, 'transcription done');
    } catch (err) {
      // The store failed: the job stays pending and is tried again at its old time.
      log.error({ err }, 'transcription: cannot record the outcome');
    }
  }

  /** The recording's bytes, or undefined after skipping a job whose recording cannot be transcribed. */
  private async readRecording(job: TranscriptionJob, log: Logger): Promise<Uint8Array | undefined> {
    const skip = async (reason: string): Promise<undefined> => {
      log.warn({ path: job.recordingPath }, `transcription skipped: ${reason}`);
      this.attempts?.inc({ engine: this.engineName, outcome: 'skipped' });
      await this.opts.jobs.end(job.id, 'skipped', reason, new Date(this.clock.now()));
      return undefined;
    };
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path.join(this.opts.dataDir, job.recordingPath));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return skip(code === 'ENOENT' ? 'the recording is gone (deleted, or never written)' : `the recording cannot be read: ${code ?? String(err)}`);
    }
    if (bytes.length === 0) return skip('the recording is empty (0 bytes)');
    try {
      const samples = decodeWav(bytes).channels[0]?.length ?? 0;
      if (samples === 0) return skip('the recording holds no audio');
    } catch (err) {
      return skip(`the recording is not a readable WAV: ${err instanceof Error ? err.message : String(err)}`);
    }
    return bytes;
  }

  private async failed(job: TranscriptionJob, err: unknown, log: Logger, engine: string, attempt: number, ms: number): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    const retryable = err instanceof SttError ? err.retryable : true;
    const code = err instanceof SttError ? err.code : 'STT_FAILED';
    const now = this.clock.now();
    if (!retryable || attempt >= this.maxAttempts) {
      const why = retryable ? `${reason} (gave up after ${attempt} attempts)` : reason;
      log.warn({ engine, attempt, code, ms: Math.round(ms) }, `transcription failed: ${why}; nothing is posted`);
      this.attempts?.inc({ engine, outcome: 'failed' });
      await this.opts.jobs.end(job.id, 'failed', why, new Date(now));
      return;
    }
    const next = new Date(now + retryDelayMs(attempt, this.random, this.backoff));
    log.warn({ engine, attempt, code, ms: Math.round(ms), nextAttemptAt: next }, `transcription attempt failed: ${reason}; will retry`);
    this.attempts?.inc({ engine, outcome: 'retry' });
    await this.opts.jobs.retry(job.id, next, reason);
  }
}

/** `p`, or a retryable timeout after `ms` (or when `signal` aborts), whichever comes first. */
function withDeadline<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (why: string): void => reject(new SttError('STT_TIMEOUT', why, true));
    const timer = setTimeout(() => fail(`no answer from the engine within ${ms} ms`), ms);
    const onAbort = (): void => fail('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
