/**
 * `espeak-wasm`: eSpeak NG as WebAssembly in a worker thread. The default engine because it needs
 * nothing installed on the host — the voice data is embedded in the npm package's .wasm.
 *
 * Requests are queued and sent to the worker one at a time: each WASM instance holds ~32 MB (the
 * worker keeps one ready, see espeak-worker.ts), and the CPU work is serial anyway. Urgent requests
 * (a prompt's first piece) go ahead of the others; a queued request whose signal aborts is dropped.
 * A request that overruns `timeoutMs` kills the worker (a hung WASM main() cannot be interrupted
 * otherwise); the next request starts a fresh one.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpeechError } from './errors.js';
import type { SynthRequest, WorkerMessage } from './espeak-worker.js';
import { checkVoice, normalizeText } from './input.js';
import type { SynthesizeOptions, TtsEngine } from './types.js';

export interface EspeakWasmOptions {
  defaultVoice?: string;
  /** Per-request limit, including worker start-up for the first one. */
  timeoutMs?: number;
}

interface Job {
  req: SynthRequest;
  resolve: (pcm: Int16Array) => void;
  reject: (err: SpeechError) => void;
  timer?: NodeJS.Timeout;
  urgent?: boolean;
  onHead?: (pcm: Int16Array) => void;
  /** The first samples, when the worker sent them ahead of the rest. */
  head?: Int16Array;
}

/**
 * Under tsx or vitest this module is TypeScript source and so is the worker, which Node cannot load
 * on its own; `--import tsx` in the worker's execArgv does not reach a worker's entry module on Node 20,
 * so a two-line bootstrap registers tsx's hooks inside the worker first. A build runs the .js directly.
 */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './espeak-worker.ts' : './espeak-worker.js', import.meta.url);
  if (!fromSource) return new Worker(url);
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(bootstrap, { eval: true });
}

const canceled = (): SpeechError => new SpeechError('TTS_CANCELED', 'speech request canceled before it started');

export class EspeakWasmEngine implements TtsEngine {
  readonly name = 'espeak-wasm';
  readonly defaultVoice: string;
  private readonly timeoutMs: number;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: EspeakWasmOptions = {}) {
    this.defaultVoice = checkVoice(options.defaultVoice ?? 'en-us');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Starts the worker now rather than on the first call's prompt: it compiles the WASM, speaks a short
   * text once (proving the engine works and warming its code) and readies an instance for the first request.
   */
  warmUp(): Promise<void> {
    if (this.closed) return Promise.reject(new SpeechError('TTS_CLOSED', 'espeak-wasm engine is closed'));
    this.ready ??= new Promise<void>((resolve, reject) => {
      const worker = spawnWorker();
      this.worker = worker;
      worker.unref(); // an idle engine must not keep the process alive
      // Events from a worker already replaced (timed out, crashed) must not touch its successor.
      const current = (): boolean => this.worker === worker;
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type !== 'fatal') this.settle(msg);
        else {
          const e = new SpeechError('TTS_FAILED', `espeak-wasm could not load: ${msg.message}`);
          reject(e);
          if (current()) this.reset(e);
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        const e = new SpeechError('TTS_FAILED', `espeak-wasm worker failed: ${err.message}`, { cause: err });
        reject(e);
        if (current()) this.reset(e);
      });
      worker.on('exit', (code) => {
        if (current()) this.reset(new SpeechError('TTS_FAILED', `espeak-wasm worker exited (${code})`));
      });
    });
    return this.ready;
  }

  synthesize(text: string, voice?: string, options: SynthesizeOptions = {}): Promise<Int16Array> {
    if (this.closed) return Promise.reject(new SpeechError('TTS_CLOSED', 'espeak-wasm engine is closed'));
    let req: SynthRequest;
    try {
      req = { id: this.nextId++, text: normalizeText(text), voice: checkVoice(voice ?? this.defaultVoice) };
    } catch (err) {
      return Promise.reject(err);
    }
    if (req.text === '') return Promise.resolve(new Int16Array(0));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(canceled());
    return new Promise<Int16Array>((resolve, reject) => {
      const job: Job = { req, resolve, reject, ...(options.onHead ? { onHead: options.onHead } : {}) };
      if (signal) {
        // Only a queued request can be dropped; the worker's main() cannot be interrupted short of killing it.
        const onAbort = (): void => {
          const i = this.queue.indexOf(job);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(canceled());
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = { resolve: job.resolve, reject: job.reject };
        job.resolve = (pcm) => (signal.removeEventListener('abort', onAbort), settle.resolve(pcm));
        job.reject = (err) => (signal.removeEventListener('abort', onAbort), settle.reject(err));
      }
      if (options.urgent) {
        job.urgent = true;
        const i = this.queue.findIndex((j) => !j.urgent);
        this.queue.splice(i < 0 ? this.queue.length : i, 0, job);
      } else this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.reset(new SpeechError('TTS_CLOSED', 'espeak-wasm engine closed'));
    await worker?.terminate();
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.current = job;
    job.timer = setTimeout(() => {
      const w = this.worker;
      this.reset(new SpeechError('TTS_TIMEOUT', `espeak-wasm took longer than ${this.timeoutMs} ms`), job);
      void w?.terminate();
    }, this.timeoutMs);
    this.warmUp().then(
      () => {
        if (this.current !== job) return; // timed out or closed while starting
        this.worker!.ref(); // keep the process up while a caller is waiting on us
        this.worker!.postMessage(job.req);
      },
      (err: SpeechError) => {
        if (this.current === job) this.finish(job, () => job.reject(err));
      },
    );
  }

  private settle(msg: Extract<WorkerMessage, { type: 'head' | 'result' | 'error' }>): void {
    const job = this.current;
    if (!job || job.req.id !== msg.id) return; // reply to a request already timed out
    if (msg.type === 'head') {
      job.head = msg.pcm;
      job.onHead?.(msg.pcm);
      return;
    }
    this.worker?.unref();
    this.finish(job, () => {
      if (msg.type === 'error') job.reject(new SpeechError(msg.code, `espeak-wasm: ${msg.message}`));
      else job.resolve(job.head ? concat(job.head, msg.pcm) : msg.pcm);
    });
  }

  private finish(job: Job, settle: () => void): void {
    clearTimeout(job.timer);
    if (this.current === job) this.current = undefined;
    settle();
    this.pump();
  }

  /** Drops the worker; fails the given job (or the current one) and, when closing, everything queued. */
  private reset(err: SpeechError, job = this.current): void {
    this.worker = undefined;
    this.ready = undefined;
    if (job && this.current === job) {
      clearTimeout(job.timer);
      this.current = undefined;
      job.reject(err);
    }
    if (this.closed) for (const j of this.queue.splice(0)) j.reject(err);
    else this.pump();
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
