/**
 * Worker thread running eSpeak NG compiled to WebAssembly (the `espeak-ng` npm package).
 *
 * Why a worker: one synthesis runs espeak-ng's main() synchronously for 50–150 ms, and the media
 * pacer must send every call's 20 ms frames on time; on the main thread that would stall all calls.
 *
 * Why a fresh WASM instance per request: the build exposes only main(), whose getopt and voice state
 * are global and not reset between runs. The compiled module is kept, so a fresh instance costs only
 * instantiation and filesystem setup (~70 ms), not compilation.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import ESpeakNg, { type EspeakModule } from 'espeak-ng';
import { wavTo8kMono } from '../media/wav.js';

export interface SynthRequest {
  id: number;
  text: string;
  voice: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; pcm: Int16Array; sourceRate: number }
  | { type: 'error'; id: number; code: string; message: string };

/** Just the part of the WebAssembly global used here (lib.dom, which types it, is not in this project). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: unknown): Promise<unknown>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const IN = '/in.txt';
const OUT = '/out.wav';
/** Emscripten's notice when exit() is called under keepRuntimeAlive; noise, not the cause. */
const EXIT_NOTICE = /^program exited/;

const port = parentPort;
if (!port) throw new Error('espeak-worker must run in a worker thread');

async function loadModule(): Promise<unknown> {
  const js = createRequire(import.meta.url).resolve('espeak-ng');
  return wasm.compile(await readFile(js.replace(/\.js$/, '.wasm')));
}

async function synthesize(compiled: unknown, text: string, voice: string): Promise<Uint8Array> {
  const errors: string[] = [];
  let fs: EspeakModule['FS'] | undefined;
  const status = await new Promise<number>((resolve, reject) => {
    ESpeakNg({
      // Text goes through a file, not argv, so text starting with '-' is never read as an option.
      arguments: ['-b', '1', '-v', voice, '-w', OUT, '-f', IN],
      print: () => undefined,
      printErr: (line) => {
        if (!EXIT_NOTICE.test(line)) errors.push(line);
      },
      preRun: [
        (m) => {
          fs = m.FS;
          m.FS.writeFile(IN, text);
        },
      ],
      // main() always ends here (the default would set process.exitCode); the throw unwinds main.
      quit: (code, toThrow) => {
        resolve(code);
        throw toThrow;
      },
      instantiateWasm: (imports, receive) => {
        wasm.instantiate(compiled, imports).then((instance) => {
          try {
            receive(instance, compiled); // runs main() synchronously
          } catch (err) {
            reject(err);
          }
        }, reject);
        return {};
      },
    }).catch(reject);
  });
  if (status !== 0 || !fs) {
    throw Object.assign(new Error(errors[0] ?? `espeak-ng exited with status ${status}`), {
      code: errors.some((e) => /voice/i.test(e)) ? 'TTS_BAD_VOICE' : 'TTS_FAILED',
    });
  }
  return fs.readFile(OUT);
}

function sampleRateOf(wav: Uint8Array): number {
  return new DataView(wav.buffer, wav.byteOffset, wav.byteLength).getUint32(24, true);
}

const compiled = loadModule();
compiled.then(
  () => port.postMessage({ type: 'ready' } satisfies WorkerMessage),
  (err: unknown) => port.postMessage({ type: 'fatal', message: String((err as Error)?.message ?? err) } satisfies WorkerMessage),
);

port.on('message', (req: SynthRequest) => {
  void (async () => {
    try {
      const wav = await synthesize(await compiled, req.text, req.voice);
      const pcm = wavTo8kMono(wav);
      const msg: WorkerMessage = { type: 'result', id: req.id, pcm, sourceRate: sampleRateOf(wav) };
      port.postMessage(msg, [pcm.buffer as ArrayBuffer]); // transfer, not copy
    } catch (err) {
      const e = err as Error & { code?: string };
      port.postMessage({ type: 'error', id: req.id, code: e.code ?? 'TTS_FAILED', message: e.message } satisfies WorkerMessage);
    }
  })();
});
