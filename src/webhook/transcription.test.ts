import { describe, expect, it } from 'vitest';
import { encodeRequest } from './encode.js';
import { transcriptionPostback, type TranscriptionPostbackInput } from './transcription.js';

const input = (over: Partial<TranscriptionPostbackInput> = {}): TranscriptionPostbackInput => ({
  url: 'http://127.0.0.1:9000/transcripts?k=1',
  ivrId: 20,
  responseId: 4711,
  questionNo: 3,
  durationMs: 12_600,
  at: new Date(Date.UTC(2026, 10, 24, 18, 50, 1, 500)),
  text: 'Shorter hold times & more agents, please.',
  timezone: 'America/New_York',
  ...over,
});

describe('transcriptionPostback', () => {
  it('is one GET with the original names, in order', () => {
    expect(transcriptionPostback(input())).toEqual({
      method: 'GET',
      url: 'http://127.0.0.1:9000/transcripts?k=1',
      params: [
        ['survo_id', '20'],
        ['unique_id', '4711'],
        ['question', '3'],
        ['duration', '13'],
        ['date', '2026-11-24T13:50:01-05:00'],
        ['text', 'Shorter hold times & more agents, please.'],
      ],
    });
  });

  it('goes on the wire after the static query, form-encoded', () => {
    const req = transcriptionPostback(input({ timezone: 'UTC' }));
    expect(encodeRequest(req.method, req.url, req.params, 'x').url).toBe(
      'http://127.0.0.1:9000/transcripts?k=1&survo_id=20&unique_id=4711&question=3&duration=13' +
        '&date=2026-11-24T18%3A50%3A01%2B00%3A00&text=Shorter+hold+times+%26+more+agents%2C+please.',
    );
  });

  it.each([
    [400, '0'],
    [600, '1'],
    [-5, '0'],
    [Number.NaN, ''],
  ])('duration %f ms is sent as "%s"', (durationMs, expected) => {
    expect(transcriptionPostback(input({ durationMs })).params[3]).toEqual(['duration', expected]);
  });

  it('carries the IVR webhook secret for signing', () => {
    expect(transcriptionPostback(input({ secret: 's' })).secret).toBe('s');
    expect(transcriptionPostback(input())).not.toHaveProperty('secret');
  });

  it('sends empty text as empty, not dropped', () => {
    expect(transcriptionPostback(input({ text: '' })).params.at(-1)).toEqual(['text', '']);
  });
});
