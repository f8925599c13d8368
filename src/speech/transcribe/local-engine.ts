import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, wavTo8kMono } from '../../media/wav.js';
import { resampleInt16 } from '../../media/resample.js';
import { cleanText, SttError, type SpeechToText } from './types.js';

export interface LocalEngineOptions {
  /** Default `pocketsphinx_continuous` on PATH (Debian: apt-get install pocketsphinx pocketsphinx-en-us). */
  binary?: string;
  timeoutMs: number;
}

/** The model's rate: the Debian en-us acoustic model is trained on 16 kHz speech. */
const MODEL_RATE = 16_000;

/**
 * The engine that needs no network: CMU PocketSphinx 0.8 from Debian (`pocketsphinx` and its US
 * English model `pocketsphinx-en-us`), one child process per recording so a crash or a hang costs only
 * that attempt. It is the only recognizer that installs from Debian or npm together with a model; the
 * others on npm need model files from elsewhere. Its accuracy on telephone audio is poor (see
 * docs/transcription.md for the measured word error rate), so it is opt-in and the `http` engine is the
 * one to use for real work.
 *
 * Calls are recorded at 8 kHz; the model wants 16 kHz, so the recording is upsampled first (which
 * cannot add back the band the telephone cut off; that is much of why it does badly).
 */
export function createLocalEngine(o: LocalEngineOptions): SpeechToText {
  const binary = o.binary ?? 'pocketsphinx_continuous';
  const engine: SpeechToText = {
    name: 'local',
    // A tenth of a second of silence: the program starts and finds its model, or says why not.
    check: async () => void (await engine.transcribe(encodeWav(new Int16Array(800)))),
    async transcribe(wav, opts = {}) {
      let pcm: Int16Array;
      try {
        pcm = resampleInt16(wavTo8kMono(wav), 8000, MODEL_RATE);
      } catch (err) {
        throw new SttError('STT_FAILED', `the recording is not a readable WAV: ${err instanceof Error ? err.message : String(err)}`, false, { cause: err });
      }
      const dir = await mkdtemp(join(tmpdir(), 'hookline-stt-'));
      try {
        const file = join(dir, 'in.wav');
        await writeFile(file, encodeWav(pcm, MODEL_RATE));
        const out = await run(binary, ['-infile', file, '-logfn', '/dev/null'], o.timeoutMs, opts.signal);
        // One line per utterance the decoder found; a pause between sentences makes two.
        return cleanText(out.split('\n').join(' '));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  return engine;
}

function run(binary: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let why: 'timeout' | 'canceled' | undefined;
    const stop = (reason: 'timeout' | 'canceled'): void => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = (): void => stop('canceled');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(
        e.code === 'ENOENT'
          ? new SttError('STT_BINARY_MISSING', `${binary} not found: install it (Debian/Ubuntu: apt-get install pocketsphinx pocketsphinx-en-us) or use the http engine`, false, { cause: e })
          : new SttError('STT_FAILED', `cannot run ${binary}: ${e.message}`, true, { cause: e }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (why === 'timeout') reject(new SttError('STT_TIMEOUT', `${binary} took longer than ${timeoutMs} ms`, true));
      else if (why === 'canceled') reject(new SttError('STT_FAILED', `${binary} was stopped`, true));
      else if (code !== 0) reject(new SttError('STT_FAILED', `${binary} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim().split('\n').pop() ?? ''}`, true));
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
