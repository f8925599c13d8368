import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { IvrConfig, RecordedQuestion } from '../config/types.js';
import type { CallControl } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
import { renderPrompt } from './deps.js';
import { askKeypad, askMenu, askRecorded, type AskOutcome } from './questions.js';
import type { CallState } from './state.js';

/** The result of asking an IVR's questions: what the webhook reports. */
export interface IvrRun {
  ivrId: number;
  responseId: number;
  startedAt: Date;
  /** Question number (from 1) -> answer value, for the questions that were answered. */
  answers: Map<number, string>;
  completed: boolean;
  optedOut: boolean;
  hungUp: boolean;
}

/**
 * Asks an IVR's questions in order. Each answer is written to the store the moment it is given, so a
 * hang-up or a crash part-way loses nothing already said or pressed.
 */
export async function askIvr(call: CallControl, ivr: IvrConfig, state: CallState, deps: FlowDeps): Promise<IvrRun> {
  const startedAt = new Date(deps.clock.now());
  const responseId = await deps.store.interactions.start({ sessionId: state.sessionId, ivrId: ivr.id, startedAt });
  const run: IvrRun = { ivrId: ivr.id, responseId, startedAt, answers: new Map(), completed: false, optedOut: false, hungUp: false };

  let finished = true;
  for (const [i, q] of ivr.questions.entries()) {
    const n = i + 1;
    if (call.hungUp) {
      finished = false;
      break;
    }
    const prompt = renderPrompt(q.prompt, state.userParameters);
    let outcome: AskOutcome | undefined;
    switch (q.type) {
      case 'say':
        await call.play(prompt, { bargeIn: false });
        if (call.hungUp) outcome = { kind: 'hangup' };
        break;
      case 'keypad':
        outcome = await askKeypad(call, q, prompt, ivr.optOutKey);
        break;
      case 'menu':
        outcome = await askMenu(call, q, prompt, ivr.optOutKey);
        break;
      case 'recorded': {
        const rel = path.join('recordings', state.sessionId, `${responseId}-q${n}.wav`);
        const abs = path.join(deps.dataDir, rel);
        await mkdir(path.dirname(abs), { recursive: true });
        const r = await askRecorded(call, q, prompt, abs, ivr.optOutKey);
        if (r.durationMs > 0) {
          run.answers.set(n, rel);
          state.answers.push({ ivrId: ivr.id, questionNo: n, value: rel });
          const at = new Date(deps.clock.now());
          await deps.store.interactions.addAnswer({ responseId, questionNo: n, questionType: 'recorded', value: rel, durationMs: r.durationMs, at });
          await deps.store.recordings.add({ sessionId: state.sessionId, kind: 'question', path: rel, durationMs: r.durationMs, callerId: state.callerId, createdAt: at, responseId, questionNo: n });
          if (q.transcribe !== 'none') await queueTranscription(deps, ivr, q.transcribe, { sessionId: state.sessionId, responseId, questionNo: n, recordingPath: rel, durationMs: r.durationMs, at });
          deps.events?.({ type: 'recording', path: rel, durationMs: r.durationMs });
          deps.events?.({ type: 'answer', question: n, value: rel });
        }
        outcome = r.hungUp ? { kind: 'hangup' } : r.optedOut ? { kind: 'opt_out' } : undefined;
        break;
      }
    }
    if (outcome?.kind === 'answer' && (q.type === 'keypad' || q.type === 'menu')) {
      run.answers.set(n, outcome.value);
      state.answers.push({ ivrId: ivr.id, questionNo: n, value: outcome.value });
      await deps.store.interactions.addAnswer({ responseId, questionNo: n, questionType: q.type, value: outcome.value, keys: outcome.keys, at: new Date(deps.clock.now()) });
      deps.events?.({ type: 'answer', question: n, value: outcome.value, keys: outcome.keys });
    }
    if (outcome?.kind === 'opt_out') run.optedOut = true;
    if (outcome?.kind === 'opt_out' || outcome?.kind === 'hangup') {
      finished = false;
      break;
    }
  }
  deps.events?.({ type: 'ivr_end', ivrId: ivr.id, completed: finished, at: performance.now() });
  run.hungUp = call.hungUp;
  // "Did the caller make it to the end": a hang-up after the last answer still counts as completed.
  run.completed = finished;
  await deps.store.interactions.finish(responseId, { completed: run.completed, optedOut: run.optedOut, endedAt: new Date(deps.clock.now()) });
  return run;
}

/**
 * Writes the recorded answer's transcription job; the work itself happens elsewhere (the transcription
 * worker, or people through the console), so the caller moves on at once. The post-back's URL and
 * secret are the IVR's as the call found them. A failure to write is logged and the call goes on: the
 * caller's answer is already stored, only its transcript is lost.
 */
async function queueTranscription(
  deps: FlowDeps,
  ivr: IvrConfig,
  mode: Exclude<RecordedQuestion['transcribe'], 'none'>,
  a: { sessionId: string; responseId: number; questionNo: number; recordingPath: string; durationMs: number; at: Date },
): Promise<void> {
  const url = ivr.webhook?.transcriptionUrl;
  const secret = ivr.webhook?.secret;
  try {
    const id = await deps.store.transcriptions.create({
      sessionId: a.sessionId,
      ivrId: ivr.id,
      responseId: a.responseId,
      questionNo: a.questionNo,
      recordingPath: a.recordingPath,
      durationMs: a.durationMs,
      mode,
      createdAt: a.at,
      timezone: deps.flows.timezone,
      ...(url ? { postback: { url, ...(secret ? { secret } : {}) } } : {}),
    });
    deps.onTranscriptionQueued?.({ id, mode });
  } catch (err) {
    deps.logger.error({ err, sessionId: a.sessionId, responseId: a.responseId, question: a.questionNo }, 'transcription job could not be written; this answer will not be transcribed');
  }
}
