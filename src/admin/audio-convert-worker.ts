/**
 * Worker thread that converts uploads (audio-convert.ts). Why a worker: decoding and resampling are
 * synchronous WebAssembly and JS — a ten-minute MP3 takes ~12 s of CPU — and on the main thread that
 * would stop the media pacer sending every call's 20 ms frames. One conversion at a time (see
 * audio-converter.ts).
 */
import { parentPort } from 'node:worker_threads';
import { AdminError, type AdminErrorCode, type AdminIssue } from './errors.js';
import { convertToCanonicalWav, telephonyUlaw, type Converted } from './audio-convert.js';
import type { AudioFormat } from './audio-formats.js';

export interface ConvertRequest {
  id: number;
  format: AudioFormat;
  bytes: Uint8Array;
  maxSeconds: number;
}

export type ConvertReply =
  | { id: number; ok: true; result: Converted & { ulaw: Uint8Array } }
  | { id: number; ok: false; error: { code?: AdminErrorCode; message: string; issues?: readonly AdminIssue[] } };

const port = parentPort;
if (!port) throw new Error('audio-convert-worker must run in a worker thread');

// The decoders print their complaints about a damaged file to the console; the caller gets them in the
// 422's detail instead, and the server's stderr stays JSON log lines. Nothing else runs in this thread.
console.error = () => undefined;
console.warn = () => undefined;

port.on('message', (req: ConvertRequest) => {
  convertToCanonicalWav(req.format, req.bytes, { maxSeconds: req.maxSeconds }).then(
    (converted) => {
      // The 8 kHz μ-law too, for AudioLibrary.prime: the first play should not resample on the main thread.
      const result = { ...converted, ulaw: telephonyUlaw(converted.wav) };
      port.postMessage({ id: req.id, ok: true, result } satisfies ConvertReply, [result.wav.buffer as ArrayBuffer, result.ulaw.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      const error =
        err instanceof AdminError ? { code: err.code, message: err.message, issues: err.issues } : { message: err instanceof Error ? err.message : String(err) };
      port.postMessage({ id: req.id, ok: false, error } satisfies ConvertReply);
    },
  );
});
