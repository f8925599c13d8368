/**
 * Runs upload conversions in a worker thread (see audio-convert-worker.ts for why), one at a time:
 * uploads are rare, each holds tens of MB while it converts, and the machine's cores belong to calls.
 * The worker is started on the first upload and stopped after a minute without one, so an idle server
 * does not keep the decoders in memory. A conversion that overruns its time limit kills the worker;
 * the next one starts a fresh worker.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../lib/worker.js';
import type { Converted } from './audio-convert.js';
import type { ConvertReply, ConvertRequest } from './audio-convert-worker.js';
import type { AudioFormat } from './audio-formats.js';
import { AdminError } from './errors.js';

export interface AudioConverterOptions {
  /** Per conversion, waiting for the worker included. A ten-minute MP3 takes ~12 s on a small machine. */
  timeoutMs?: number;
  /** An idle worker is stopped after this long. */
  idleMs?: number;
}

export class AudioConverter {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;
  private readonly idleMs: number;

  constructor(options: AudioConverterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /**
   * Converts in the worker; throws the same AdminErrors (413/415/422) as `convertToCanonicalWav`.
   * `ulaw` is what AudioLibrary will play of the result (see `AudioLibrary.prime`).
   */
  convert(format: AudioFormat, bytes: Uint8Array, options: { maxSeconds: number }): Promise<Converted & { ulaw?: Uint8Array }> {
    const job = this.queue.then(() => this.run({ id: this.nextId++, format, bytes, maxSeconds: options.maxSeconds }));
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Stops the worker (a conversion in progress fails). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private run(req: ConvertRequest): Promise<Converted & { ulaw: Uint8Array }> {
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= spawnWorker(new URL('./audio-convert-worker.js', import.meta.url), import.meta.url));
    worker.ref();
    return new Promise<Converted & { ulaw: Uint8Array }>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (this.worker === worker) {
          worker.unref(); // an idle worker must not keep the process alive
          this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
          this.idleTimer.unref();
        }
      };
      const fail = (err: Error): void => {
        done();
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
        reject(err);
      };
      const onMessage = (reply: ConvertReply): void => {
        if (reply.id !== req.id) return;
        done();
        if (reply.ok) resolve(reply.result);
        else if (reply.error.code) reject(new AdminError(reply.error.code, reply.error.message, { issues: reply.error.issues ?? [] }));
        else reject(new Error(`audio conversion failed: ${reply.error.message}`));
      };
      const onError = (err: Error): void => fail(new Error(`audio conversion worker failed: ${err.message}`, { cause: err }));
      const onExit = (code: number): void => fail(new Error(`audio conversion worker exited (${code})`));
      const timer = setTimeout(
        () => fail(new AdminError('unavailable', `converting the upload took longer than ${Math.round(this.timeoutMs / 1000)} s; try again, or send a shorter file`)),
        this.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(req);
    });
  }
}
