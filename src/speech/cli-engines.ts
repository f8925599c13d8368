/**
 * Engines that run a synthesizer installed on the host: `espeak-cli` (espeak-ng) and `flite-cli`
 * (CMU Flite). Each request is one child process, so synthesis never blocks the event loop and a
 * crash takes down only that request. Text always travels on stdin or in a file, never in argv, so no
 * text can be read as an option; voices are checked by `checkVoice` for the same reason.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavTo8kMono } from '../media/wav.js';
import { SpeechError } from './errors.js';
import { checkVoice, normalizeText } from './input.js';
import type { TtsEngine } from './types.js';

export interface CliEngineOptions {
  /** Executable name or path; resolved through PATH by the OS. */
  binary?: string;
  defaultVoice?: string;
  timeoutMs?: number;
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

const INSTALL_HINT: Record<string, string> = {
  'espeak-ng': 'install it (Debian/Ubuntu: apt-get install espeak-ng) or use the espeak-wasm engine',
  flite: 'install it (Debian/Ubuntu: apt-get install flite) or use the espeak-wasm engine',
};

/** Runs a program to completion with `input` on stdin; a missing binary becomes TTS_BINARY_MISSING. */
export function runProgram(binary: string, args: readonly string[], input: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // EPIPE if the program exits without reading; its exit code says why
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        const base = binary.split('/').pop() ?? binary;
        const hint = INSTALL_HINT[base] ?? 'check the path in the speech settings';
        reject(new SpeechError('TTS_BINARY_MISSING', `${binary} not found: ${hint}`, { cause: e }));
      } else {
        reject(new SpeechError('TTS_FAILED', `cannot run ${binary}: ${e.message}`, { cause: e }));
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new SpeechError('TTS_TIMEOUT', `${binary} took longer than ${timeoutMs} ms`));
      else resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim() });
    });
    child.stdin.end(input);
  });
}

function failure(binary: string, r: RunResult): SpeechError {
  const detail = r.stderr.split('\n')[0] || `exit status ${r.code}`;
  return new SpeechError(/voice/i.test(r.stderr) ? 'TTS_BAD_VOICE' : 'TTS_FAILED', `${binary}: ${detail}`);
}

/**
 * Confirms the binary can be started, so a missing one fails at start-up, not on a live call. Only
 * spawn failures count: `flite --version` exits 1 on a healthy install.
 */
export async function probeBinary(binary: string, timeoutMs = 10_000): Promise<void> {
  await runProgram(binary, ['--version'], '', timeoutMs);
}

function decode(binary: string, wav: Uint8Array): Int16Array {
  try {
    return wavTo8kMono(wav);
  } catch (err) {
    throw new SpeechError('TTS_FAILED', `${binary} produced unreadable audio`, { cause: err });
  }
}

/** `espeak-cli`: `espeak-ng --stdout --stdin`, 22.05 kHz WAV on stdout, resampled to 8 kHz. */
export class EspeakCliEngine implements TtsEngine {
  readonly name = 'espeak-cli';
  readonly defaultVoice: string;
  readonly binary: string;
  private readonly timeoutMs: number;

  constructor(options: CliEngineOptions = {}) {
    this.binary = options.binary ?? 'espeak-ng';
    this.defaultVoice = checkVoice(options.defaultVoice ?? 'en-us');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async synthesize(text: string, voice?: string): Promise<Int16Array> {
    const t = normalizeText(text);
    const v = checkVoice(voice ?? this.defaultVoice);
    if (t === '') return new Int16Array(0);
    // -b 1: stdin is UTF-8 regardless of the server's locale.
    const r = await runProgram(this.binary, ['--stdout', '--stdin', '-b', '1', '-v', v], t, this.timeoutMs);
    if (r.code !== 0 || r.stdout.length < 44) throw failure(this.binary, r);
    return decode(this.binary, r.stdout);
  }
}

/**
 * `flite-cli`: `flite -f in.txt -o out.wav` in a private temp directory (Flite seeks in its output,
 * so it cannot write to a pipe). Voices: kal (8 kHz, the default: no resampling), kal16, slt, rms,
 * awb, or a path to a .flitevox file.
 */
export class FliteCliEngine implements TtsEngine {
  readonly name = 'flite-cli';
  readonly defaultVoice: string;
  readonly binary: string;
  private readonly timeoutMs: number;
  private voices: Promise<Set<string>> | undefined;

  constructor(options: CliEngineOptions = {}) {
    this.binary = options.binary ?? 'flite';
    this.defaultVoice = checkVoice(options.defaultVoice ?? 'kal');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async synthesize(text: string, voice?: string): Promise<Int16Array> {
    const t = normalizeText(text);
    const v = checkVoice(voice ?? this.defaultVoice);
    if (t === '') return new Int16Array(0);
    // Flite silently falls back to its default voice for an unknown name; refuse instead.
    if (!v.endsWith('.flitevox') && !(await this.listVoices()).has(v)) {
      throw new SpeechError('TTS_BAD_VOICE', `${this.binary} has no voice ${JSON.stringify(v)}`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'hookline-flite-'));
    try {
      const input = join(dir, 'in.txt');
      const output = join(dir, 'out.wav');
      await writeFile(input, t, 'utf8');
      const r = await runProgram(this.binary, ['-voice', v, '-f', input, '-o', output], '', this.timeoutMs);
      const wav = await readFile(output).catch(() => undefined);
      // Flite exits 0 even when a voice file fails to load (it prints an error and uses kal).
      if (r.code !== 0 || /error/i.test(r.stderr) || !wav || wav.length < 44) throw failure(this.binary, r);
      return decode(this.binary, wav);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Built-in voices, from `flite -lv` ("Voices available: kal awb_time kal16 awb rms slt"). */
  private listVoices(): Promise<Set<string>> {
    this.voices ??= runProgram(this.binary, ['-lv'], '', this.timeoutMs).then(
      (r) => new Set(r.stdout.toString('utf8').replace(/^.*?:/, '').trim().split(/\s+/)),
    );
    this.voices.catch(() => (this.voices = undefined)); // retry after, e.g., the binary gets installed
    return this.voices;
  }
}
