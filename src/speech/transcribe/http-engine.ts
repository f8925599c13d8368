import { z } from 'zod';
import { cleanText, SttError, type SpeechToText } from './types.js';

export interface HttpEngineOptions {
  /** The service's base URL; `/v1/audio/transcriptions` is appended (a trailing `/v1` is accepted too). */
  url: string;
  /** Sent as the `model` field; servers that run one model ignore it. */
  model: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  key?: string;
  timeoutMs: number;
  /** Injectable for tests; default the global fetch. */
  fetch?: typeof fetch;
}

/** Answers bigger than this are not a transcript (a misrouted HTML page, say); read no further. */
const MAX_ANSWER_BYTES = 1024 * 1024;

const Answer = z.object({ text: z.string() });

/** `{base}/v1/audio/transcriptions`, whether the base is given with or without its `/v1`. */
export function transcriptionsEndpoint(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return `${trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`}/audio/transcriptions`;
}

/**
 * A speech-to-text service in the OpenAI audio-transcription shape: `POST /v1/audio/transcriptions`,
 * multipart `file` (the WAV) and `model`, answer `{ "text": ... }`. whisper.cpp's server, the
 * faster-whisper servers and most hosted services accept it, so one engine reaches all of them.
 * `response_format=json` is asked for explicitly: some servers default to plain text.
 */
export function createHttpEngine(o: HttpEngineOptions): SpeechToText {
  const endpoint = transcriptionsEndpoint(o.url);
  const doFetch = o.fetch ?? fetch;
  return {
    name: 'http',
    async transcribe(wav, opts = {}) {
      const form = new FormData();
      form.append('file', new Blob([wav], { type: 'audio/wav' }), 'recording.wav');
      form.append('model', o.model);
      form.append('response_format', 'json');
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      let res: Response;
      let body: string;
      try {
        res = await doFetch(endpoint, { method: 'POST', body: form, signal, headers: o.key ? { authorization: `Bearer ${o.key}` } : {} });
        body = await readCapped(res, MAX_ANSWER_BYTES);
      } catch (err) {
        if (timeout.aborted) throw new SttError('STT_TIMEOUT', `${endpoint} did not answer within ${o.timeoutMs} ms`, true, { cause: err });
        if (err instanceof SttError) throw err;
        const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        throw new SttError('STT_UNAVAILABLE', `${endpoint}: ${detail}`, true, { cause: err });
      }
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
        const snippet = body.slice(0, 200).replace(/\s+/g, ' ');
        throw new SttError(retryable ? 'STT_UNAVAILABLE' : 'STT_REFUSED', `${endpoint} answered ${res.status}${snippet ? `: ${snippet}` : ''}`, retryable);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new SttError('STT_BAD_ANSWER', `${endpoint} answered ${res.status} with something that is not JSON`, true);
      }
      const answer = Answer.safeParse(parsed);
      if (!answer.success) throw new SttError('STT_BAD_ANSWER', `${endpoint} answered JSON without a "text" string`, true);
      return cleanText(answer.data.text);
    },
  };
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw new SttError('STT_BAD_ANSWER', `the answer is larger than ${max} bytes`, true);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
