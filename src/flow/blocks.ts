import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { VoicemailConfig, VrConfig } from '../config/types.js';
import type { CallControl } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
import { renderPrompt, say } from './deps.js';
import { chooseOption } from './questions.js';
import type { CallState, Next } from './state.js';
import { connect } from './connect.js';

export const GOODBYE = 'Goodbye.';
export const MESSAGE_SAVED = 'Your message has been recorded. Goodbye.';
export const NOT_AVAILABLE = 'The party you are trying to reach is not available. Goodbye.';
export const NOT_ALLOWED = 'We are sorry, that number cannot be reached from this line. Goodbye.';

/** Virtual Receptionist: a one-key menu whose options lead to other building blocks. */
export async function runVr(call: CallControl, vr: VrConfig, state: CallState, _deps: FlowDeps): Promise<Next> {
  const r = await chooseOption(call, renderPrompt(vr.prompt, state.userParameters), Object.keys(vr.options), 5000, undefined);
  if (r.kind === 'hangup') return { kind: 'ended' };
  const ref = r.kind === 'answer' ? vr.options[r.value] : undefined;
  if (ref) return { kind: 'block', ref };
  await call.play(say(GOODBYE));
  return { kind: 'hangup', reason: 'vr_no_choice' };
}

/**
 * Voicemail box: greeting, beep, record until `#`, silence or the limit. The message is a WAV under
 * recordings/ with caller id, time and length in the store; a caller who hangs up mid-message keeps it.
 */
export async function runVoicemail(call: CallControl, vm: VoicemailConfig, state: CallState, deps: FlowDeps): Promise<Next> {
  await call.play([...renderPrompt(vm.greeting, state.userParameters), { tone: 'beep' }]);
  if (call.hungUp) return { kind: 'ended' };
  const rel = path.join('recordings', 'voicemail', String(vm.id), `${state.sessionId}-${deps.clock.now()}.wav`);
  const abs = path.join(deps.dataDir, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  const r = await call.record({ path: abs, maxMs: vm.maxSeconds * 1000, finishKeys: '#', silenceMs: 5000 });
  if (r.durationMs > 0) {
    await deps.store.recordings.add({
      sessionId: state.sessionId,
      kind: 'voicemail',
      path: rel,
      durationMs: r.durationMs,
      callerId: state.callerId,
      createdAt: new Date(deps.clock.now()),
      voicemailId: vm.id,
    });
    deps.events?.({ type: 'recording', path: rel, durationMs: r.durationMs });
    await deps.onVoicemail?.({
      voicemailId: vm.id,
      sessionId: state.sessionId,
      callerId: state.callerId,
      numberCalled: state.numberCalled,
      path: rel,
      durationMs: r.durationMs,
      at: new Date(deps.clock.now()),
    }).catch((err: unknown) => deps.logger.error({ err, sessionId: state.sessionId }, 'voicemail notification could not be queued'));
  }
  if (call.hungUp) return { kind: 'ended' };
  await call.play(say(MESSAGE_SAVED));
  return { kind: 'hangup', reason: 'voicemail_left' };
}

/**
 * Transfer: ringback while dialling (or the far end's early media, which only a single leg can give),
 * bridge on answer; busy, no answer or a refused number is said. A dial the call itself refuses (a
 * per-call dial limit) is told like a number the policy refuses.
 */
export async function runTransfer(call: CallControl, destination: string, state: CallState, deps: FlowDeps): Promise<Next> {
  const refused = deps.checkDial(destination);
  if (refused) {
    deps.logger.warn({ sessionId: state.sessionId, destination }, `transfer refused: ${refused}`);
    deps.events?.({ type: 'dial', destination, outcome: 'refused' });
    await call.play(say(NOT_ALLOWED));
    return { kind: 'hangup', reason: 'transfer_refused' };
  }
  const stopHold = call.startHoldAudio('ringback');
  const { outcome, leg } = await call.dial(destination, { timeoutMs: 30_000, callerId: state.callerId, earlyMedia: true }).finally(stopHold);
  deps.events?.({ type: 'dial', destination, outcome });
  if (!leg) {
    if (call.hungUp) return { kind: 'ended' };
    await call.play(say(outcome === 'refused' ? NOT_ALLOWED : NOT_AVAILABLE));
    return { kind: 'hangup', reason: `transfer_${outcome}` };
  }
  if (call.hungUp) {
    await leg.hangup();
    return { kind: 'ended' };
  }
  return connect(call, leg, false, state, deps);
}
