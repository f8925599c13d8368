import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SttService } from '../../testkit/stt-service.js';
import { encodeWav } from '../../media/wav.js';
import { createHttpEngine, transcriptionsEndpoint } from './http-engine.js';
import { SttError } from './types.js';

const wav = encodeWav(new Int16Array(800).fill(1000));

describe('http speech-to-text engine', () => {
  let service: SttService;
  let base: string;
  beforeEach(async () => {
    service = new SttService();
    base = await service.start();
  });
  afterEach(() => service.stop());

  const engine = (over: { key?: string; timeoutMs?: number } = {}): ReturnType<typeof createHttpEngine> =>
    createHttpEngine({ url: base, model: 'whisper-1', timeoutMs: over.timeoutMs ?? 5_000, ...(over.key ? { key: over.key } : {}) });

  const failure = async (p: Promise<unknown>): Promise<SttError> => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SttError);
    return err as SttError;
  };

  it('posts the WAV and the model as multipart, with the key as a bearer token, and returns the text', async () => {
    service.setHandler(() => ({ text: '  Shorter hold\ntimes, please. ' }));
    expect(await engine({ key: 'k-123' }).transcribe(wav)).toBe('Shorter hold times, please.');
    const [req] = service.requests;
    expect(req).toMatchObject({ path: '/v1/audio/transcriptions', authorization: 'Bearer k-123', model: 'whisper-1', isWav: true });
    expect(req!.file!.bytes).toEqual(wav);
    expect(req!.file!.type).toBe('audio/wav');
  });

  it('sends no Authorization header without a key', async () => {
    await engine().transcribe(wav);
    expect(service.requests[0]!.authorization).toBeUndefined();
  });

  it.each([
    ['http://h:1', 'http://h:1/v1/audio/transcriptions'],
    ['http://h:1/', 'http://h:1/v1/audio/transcriptions'],
    ['http://h:1/v1', 'http://h:1/v1/audio/transcriptions'],
    ['http://h:1/stt/v1/', 'http://h:1/stt/v1/audio/transcriptions'],
  ])('base %s posts to %s', (given, endpoint) => {
    expect(transcriptionsEndpoint(given)).toBe(endpoint);
  });

  it('a 5xx or 429 is retryable, another 4xx is not', async () => {
    service.setHandler(() => ({ status: 503, body: '{"error":"loading model"}' }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_UNAVAILABLE', retryable: true, message: expect.stringContaining('503: {"error":"loading model"}') });
    service.setHandler(() => ({ status: 429, body: '' }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ retryable: true });
    service.setHandler(() => ({ status: 401, body: '{"error":"bad key"}' }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_REFUSED', retryable: false });
  });

  it('an answer that is not the expected JSON is a bad answer, not a text', async () => {
    service.setHandler(() => ({ status: 200, body: '<html>proxy error</html>', contentType: 'text/html' }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_BAD_ANSWER', retryable: true });
    service.setHandler(() => ({ status: 200, body: '{"transcript":"x"}' }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_BAD_ANSWER' });
    service.setHandler(() => ({ status: 200, body: JSON.stringify({ text: 'x'.repeat(20_001) }) }));
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_BAD_ANSWER' });
  });

  it('gives up on a service that never answers after the timeout', async () => {
    service.setHandler(() => 'hang');
    const t0 = Date.now();
    expect(await failure(engine({ timeoutMs: 300 }).transcribe(wav))).toMatchObject({ code: 'STT_TIMEOUT', retryable: true });
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('a refused connection is retryable', async () => {
    await service.stop();
    expect(await failure(engine().transcribe(wav))).toMatchObject({ code: 'STT_UNAVAILABLE', retryable: true });
  });

  it('returns empty text as empty (the worker decides what it means)', async () => {
    service.setHandler(() => ({ text: ' \n ' }));
    expect(await engine().transcribe(wav)).toBe('');
  });
});
