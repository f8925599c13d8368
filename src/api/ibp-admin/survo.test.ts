import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWav } from '../../media/wav.js';
import { ibpKit, SID_A, SID_B, T0, tone, type IbpKit } from './testing.js';

let kit: IbpKit;
let early: number;
let late: number;
const DAY = 86_400_000;

beforeEach(async () => {
  kit = await ibpKit();
  await kit.store.calls.create({ sessionId: SID_A, direction: 'inbound', from: '+13125550001', to: '8005550100', startedAt: new Date(T0 - 2 * DAY), passThrough: '', monitoredSeconds: 0 });
  await kit.store.calls.create({ sessionId: SID_B, direction: 'inbound', from: '+13125550002', to: '8005550100', startedAt: new Date(T0), passThrough: '', monitoredSeconds: 0 });
  early = await kit.store.interactions.start({ sessionId: SID_A, ivrId: 10, startedAt: new Date(T0 - 2 * DAY) });
  late = await kit.store.interactions.start({ sessionId: SID_B, ivrId: 10, startedAt: new Date(T0) });
  for (const [sid, id] of [[SID_A, early], [SID_B, late]] as const) {
    const rel = `recordings/${sid}/q2.wav`;
    await kit.store.interactions.addAnswer({ responseId: id, questionNo: 1, questionType: 'keypad', value: '42', at: new Date(T0) });
    await kit.store.interactions.addAnswer({ responseId: id, questionNo: 2, questionType: 'recorded', value: rel, at: new Date(T0) });
    await kit.addRecording({ sessionId: sid, kind: 'question', path: rel, durationMs: 500, callerId: '', createdAt: new Date(T0), responseId: id, questionNo: 2 }, tone(8000));
  }
});
afterEach(() => kit.close());

describe('survo.get_recording', () => {
  it('sends the recorded answer as WAV, at 8000 Hz by default and at the rate asked for', async () => {
    const r = await kit.call('survo.get_recording', { survo_id: '10', unique_id: String(late), question: '2' });
    expect([r.status, r.contentType]).toEqual([200, 'audio/wav']);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="survo-10-${late}-q2.wav"`);
    expect(Buffer.from(r.bytes)).toEqual(Buffer.from(tone(8000)));
    for (const [asked, rate] of [['22050', 22050], ['11000', 11025], ['44100', 44100]] as const) {
      const wav = decodeWav((await kit.call('survo.get_recording', { survo_id: '10', unique_id: String(late), question: '2', format: 'WAV', sample_rate: asked })).bytes);
      expect(wav.sampleRate).toBe(rate);
      expect(wav.channels[0]!.length).toBe(Math.ceil(rate / 2));
    }
  });

  it.each([
    [{ unique_id: '2', question: '2' }, 'Missing Required Parameter: survo_id'],
    [{ survo_id: '10', question: '2' }, 'Missing Required Parameter: unique_id'],
    [{ survo_id: '10', unique_id: '2' }, 'Missing Required Parameter: question'],
    [{ survo_id: '10', unique_id: '2', question: 'two' }, 'Invalid Parameter: question (expected a whole number from 1 to 1000)'],
    [{ survo_id: '10', unique_id: '2', question: '2', format: 'mp3' }, 'Not Offered: format mp3: hookline keeps recordings as WAV and has no MP3 encoder; ask for format=wav'],
    [{ survo_id: '10', unique_id: '2', question: '2', format: 'ogg' }, 'Invalid Parameter: format (expected wav)'],
    [{ survo_id: '10', unique_id: '2', question: '2', sample_rate: '9000' }, 'Invalid Parameter: sample_rate (expected one of 8000, 11000, 11025, 16000, 22050, 44100)'],
    [{ survo_id: '11', unique_id: '2', question: '2' }, 'Not Found: SurVo 11 has no caller with unique_id 2'],
    [{ survo_id: '10', unique_id: '2', question: '1' }, 'Not Found: unique_id 2 has no recording for question 1'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('survo.get_recording', fields)).description).toBe(description);
  });
});

describe('survo.delete_survey_results', () => {
  it('deletes results before a date (in the flows file’s zone), then all, with their recordings', async () => {
    const before = await kit.call('survo.delete_survey_results', { survo_id: '10', before_date: '20261205' });
    expect([before.get('deleted'), before.get('recordings_deleted')]).toEqual(['1', '1']);
    expect(await kit.store.interactions.get(early)).toBeUndefined();
    await expect(stat(path.join(kit.dataDir, `recordings/${SID_A}/q2.wav`))).rejects.toThrow();
    expect(await kit.store.interactions.get(late)).toBeDefined();

    const all = await kit.call('survo.delete_survey_results', { survo_id: '10' });
    expect([all.get('deleted'), all.get('recordings_deleted')]).toEqual(['1', '1']);
    expect(await kit.store.interactions.answers(late)).toEqual([]);
    expect((await kit.call('survo.delete_survey_results', { survo_id: '10' })).get('deleted')).toBe('0');
  });

  it.each([
    [{}, 'Missing Required Parameter: survo_id'],
    [{ survo_id: '10', before_date: '2026-13-01' }, 'Invalid Parameter: before_date (expected a date as YYYYMMDD)'],
    [{ survo_id: '12' }, 'Not Found: no SurVo with id 12'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('survo.delete_survey_results', fields)).description).toBe(description);
  });
});
