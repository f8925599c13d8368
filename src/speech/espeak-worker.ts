/**
 * Worker thread running eSpeak NG compiled to WebAssembly (the `espeak-ng` npm package).
 *
 * Why a worker: one synthesis runs espeak-ng's main() synchronously, and the media pacer must send
 * every call's 20 ms frames on time; on the main thread that would stall all calls.
 *
 * Why a fresh WASM instance per request: the build exposes only main(), whose getopt and voice state
 * are global and not reset between runs. The compiled module is kept, so a fresh instance costs
 * instantiation and the JS filesystem set-up (Emscripten copies the embedded espeak-ng-data tree into
 * its MEMFS: hundreds of files), not compilation.
 *
 * Why the instance is made *before* the request: measured for "Your code is bakemo." on one core,
 * instantiation + that filesystem set-up take 60–150 ms, main() 10–30 ms (it barely grows with the text:
 * ~0.5 ms a word) and resampling the 22.05 kHz output to 8 kHz ~5 ms per second of audio. So the
 * worker keeps one instance initialized and idle (`noInitialRun`), runs main() on it when a request
 * comes, and prepares the next instance right after replying. A request then waits for main() and the
 * resampling of its first half second only (the rest follows, see telephony-pcm.ts), unless it
 * arrives while the next instance is still being prepared.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import ESpeakNg, { type EspeakModule } from 'espeak-ng';
import { telephonyPcm } from './telephony-pcm.js';

export interface SynthRequest {
  id: number;
  text: string;
  voice: string;
}

/**
 * A request's audio may come in two messages: 'head' (its first half second, sent as soon as it is
 * resampled) then 'result' with the samples after it; or in 'result' alone.
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'head'; id: number; pcm: Int16Array }
  | { type: 'result'; id: number; pcm: Int16Array; sourceRate: number }
  | { type: 'error'; id: number; code: string; message: string };

/** Just the part of the WebAssembly global used here (lib.dom, which types it, is not in this project). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: unknown): Promise<{ exports: Record<string, unknown> }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
}

/** An instance whose runtime is initialized (filesystem ready) and whose main() has not run yet. */
interface Instance {
  module: EspeakModule;
  exports: WasmExports;
  /** stderr lines of this instance, for the error message. */
  errors: string[];
  /** Set when main() ends through exit(): Emscripten then throws to unwind, and this says how it ended. */
  exitStatus: number | undefined;
}

const IN = '/in.txt';
const OUT = '/out.wav';
/** Emscripten's notice when exit() is called under keepRuntimeAlive; noise, not the cause. */
const EXIT_NOTICE = /^program exited/;

const port = parentPort;
if (!port) throw new Error('espeak-worker must run in a worker thread');

/**
 * This build has Emscripten's assertions on: its filesystem throws (and catches) an ErrnoError for every
 * existing directory while it sets up, and for every file espeak probes for, each capturing two stack
 * traces. Nothing here reads those stacks; without them set-up takes ~20 % less CPU. Only this worker's
 * isolate is affected, and only while WASM code runs.
 */
function withoutStacks<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function loadModule(): Promise<unknown> {
  const js = createRequire(import.meta.url).resolve('espeak-ng');
  return wasm.compile(await readFile(js.replace(/\.js$/, '.wasm')));
}

function prepare(compiled: unknown): Promise<Instance> {
  return new Promise<Instance>((resolve, reject) => {
    const state: Pick<Instance, 'errors' | 'exitStatus'> = { errors: [], exitStatus: undefined };
    let module: EspeakModule | undefined;
    let exports: WasmExports | undefined;
    ESpeakNg({
      arguments: [],
      noInitialRun: true,
      print: () => undefined,
      printErr: (line) => {
        if (!EXIT_NOTICE.test(line)) state.errors.push(line);
      },
      preRun: [(m) => void (module = m)],
      // main() ends here when it calls exit() (the default would set process.exitCode); the throw unwinds main.
      quit: (code, toThrow) => {
        state.exitStatus = code;
        throw toThrow;
      },
      onRuntimeInitialized: () => {
        if (!module || !exports) return reject(new Error('espeak-ng initialized without a module'));
        // Resolved with a plain object: the Emscripten module itself must never be treated as a thenable.
        resolve(Object.assign(state, { module, exports }));
      },
      instantiateWasm: (imports, receive) => {
        wasm.instantiate(compiled, imports).then((instance) => {
          exports = instance.exports as unknown as WasmExports;
          try {
            withoutStacks(() => receive(instance, compiled)); // runs the constructors and fills the filesystem
          } catch (err) {
            reject(err);
          }
        }, reject);
        return {};
      },
    }).catch(reject);
  });
}

/** Writes NUL-terminated argv strings and the pointer array into the instance's heap (never freed: it is thrown away). */
function argv(exports: WasmExports, args: string[]): number {
  const encoded = args.map((a) => new TextEncoder().encode(`${a}\0`));
  const ptrs = encoded.map((bytes) => {
    const p = exports.malloc(bytes.length);
    new Uint8Array(exports.memory.buffer).set(bytes, p); // a fresh view each time: malloc may grow memory
    return p;
  });
  const table = exports.malloc((ptrs.length + 1) * 4);
  const view = new DataView(exports.memory.buffer);
  ptrs.forEach((p, i) => view.setUint32(table + i * 4, p, true));
  view.setUint32(table + ptrs.length * 4, 0, true);
  return table;
}

function synthesize(inst: Instance, text: string, voice: string): Uint8Array {
  // Text goes through a file, not argv, so text starting with '-' is never read as an option.
  inst.module.FS.writeFile(IN, text);
  const args = ['espeak-ng', '-b', '1', '-v', voice, '-w', OUT, '-f', IN];
  const ptr = argv(inst.exports, args);
  let status: number;
  try {
    status = withoutStacks(() => inst.module._main(args.length, ptr));
  } catch (err) {
    if (inst.exitStatus === undefined) throw err;
    status = inst.exitStatus;
  }
  if (status !== 0) {
    throw Object.assign(new Error(inst.errors[0] ?? `espeak-ng exited with status ${status}`), {
      code: inst.errors.some((e) => /voice/i.test(e)) ? 'TTS_BAD_VOICE' : 'TTS_FAILED',
    });
  }
  return inst.module.FS.readFile(OUT);
}

const compiled = loadModule();
/** The idle instance the next request runs on; undefined while a request holds it. */
let next: Promise<Instance> | undefined;

function prepareNext(): void {
  if (next) return;
  next = compiled.then(prepare);
  next.catch(() => undefined); // a failure surfaces with the request that takes it
}

function take(): Promise<Instance> {
  const inst = next ?? compiled.then(prepare);
  next = undefined;
  return inst;
}

const WARM_UP_TEXT = 'Hello, this is a warm-up.';

/**
 * Start-up speaks a short text once, the way every request will: it proves the whole path works before
 * the engine is declared ready, and the first caller does not pay for cold code (V8 first runs WASM
 * through its baseline compiler and JS in the interpreter; measured, the first synthesis of a fresh
 * worker took 70–120 ms against ~30 ms for the next ones).
 */
async function start(): Promise<void> {
  telephonyPcm(synthesize(await take(), WARM_UP_TEXT, 'en-us'), 1000).rest?.();
  prepareNext();
  await next;
}

start().then(
  () => port.postMessage({ type: 'ready' } satisfies WorkerMessage),
  (err: unknown) => port.postMessage({ type: 'fatal', message: String((err as Error)?.message ?? err) } satisfies WorkerMessage),
);

// Requests arrive one at a time (the engine waits for each reply), so an instance is never shared.
port.on('message', (req: SynthRequest) => {
  void (async () => {
    try {
      const inst = await take();
      let wav: Uint8Array;
      try {
        wav = synthesize(inst, req.text, req.voice);
      } finally {
        // Starts once this task ends (a microtask away), so the reply below goes out first.
        prepareNext();
      }
      // Samples are transferred, not copied.
      const { head, rest, sourceRate } = telephonyPcm(wav);
      if (!rest) {
        port.postMessage({ type: 'result', id: req.id, pcm: head, sourceRate } satisfies WorkerMessage, [head.buffer as ArrayBuffer]);
        return;
      }
      port.postMessage({ type: 'head', id: req.id, pcm: head } satisfies WorkerMessage, [head.buffer as ArrayBuffer]);
      const pcm = rest();
      port.postMessage({ type: 'result', id: req.id, pcm, sourceRate } satisfies WorkerMessage, [pcm.buffer as ArrayBuffer]);
    } catch (err) {
      prepareNext(); // also when the instance itself could not be made: the next request tries again
      const e = err as Error & { code?: string };
      port.postMessage({ type: 'error', id: req.id, code: e.code ?? 'TTS_FAILED', message: e.message } satisfies WorkerMessage);
    }
  })();
});
