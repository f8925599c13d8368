import { describe, expect, it } from 'vitest';
import type { IvrConfig, RecordedQuestion } from '../config/types.js';
import { DEFAULT_FAILURE_TEXT } from '../config/types.js';
import { makeFlows, simulateCall } from './testing.js';

const recorded = (transcribe: RecordedQuestion['transcribe']): RecordedQuestion => ({ type: 'recorded', prompt: [{ text: 'Tell us.' }], maxSeconds: 30, transcribe });
const ivr = (questions: IvrConfig['questions'], transcriptionUrl?: string): IvrConfig => ({
  id: 20,
  name: 'survey',
  questions,
  webhook: {
    action: 'next_action', method: 'GET', url: 'http://127.0.0.1:1/hook', parameters: [], includeSourcetrak: false, timeoutS: 5, secret: 'sig', onFailure: [{ text: DEFAULT_FAILURE_TEXT }],
    ...(transcriptionUrl ? { transcriptionUrl } : {}),
  },
});
const numbers = new Map([['100', { kind: 'ivr' as const, id: 20 }]]);

describe('transcription jobs from recorded questions', () => {
  it('writes one job per recorded answer that asks for it, with the post-back as the IVR had it', async () => {
    const flows = makeFlows({ ivrs: [ivr([recorded('standard'), recorded('none'), recorded('human')], 'http://127.0.0.1:2/t?x=1')], numbers });
    const run = await simulateCall(flows, { to: '100', keys: ',,,#' + ',,#' + ',#' });
    const jobs = await run.store.transcriptions.forSession('a'.repeat(32));
    const responseId = (await run.store.interactions.forSession('a'.repeat(32)))[0]!.responseId;
    expect(jobs.map((j) => [j.questionNo, j.mode, j.state, j.durationMs, j.recordingPath])).toEqual([
      [1, 'standard', 'pending', 3000, `recordings/${'a'.repeat(32)}/${responseId}-q1.wav`],
      [3, 'human', 'pending', 1000, `recordings/${'a'.repeat(32)}/${responseId}-q3.wav`],
    ]);
    expect(jobs[0]).toMatchObject({ ivrId: 20, responseId, timezone: 'UTC', postback: { url: 'http://127.0.0.1:2/t?x=1', secret: 'sig' } });
  });

  it('still writes the job when the IVR has no transcription_url, to keep the text without posting it', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([recorded('standard')])], numbers }), { to: '100', keys: ',,#' });
    const [job] = await run.store.transcriptions.forSession('a'.repeat(32));
    expect(job).toMatchObject({ mode: 'standard', state: 'pending' });
    expect(job).not.toHaveProperty('postback');
    // The call itself is unchanged: the IVR webhook went out with the recording.
    expect(run.requests).toHaveLength(1);
  });

  it('goes on with the call when the job cannot be written', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([recorded('standard'), recorded('none')], 'http://127.0.0.1:2/t')], numbers }), {
      to: '100',
      keys: ',,#' + ',#',
      wrapStore: (s) => ({ ...s, transcriptions: { ...s.transcriptions, create: () => Promise.reject(new Error('disk full')) } }),
    });
    // Both answers were taken and the IVR webhook went out with them.
    expect(run.requests).toHaveLength(1);
    expect((await run.store.recordings.forSession('a'.repeat(32))).map((r) => r.questionNo)).toEqual([1, 2]);
  });

  it('writes nothing for a recording too short to keep', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([recorded('standard')], 'http://127.0.0.1:2/t')], numbers }), { to: '100', keys: '#' });
    expect(await run.store.transcriptions.forSession('a'.repeat(32))).toEqual([]);
  });
});
