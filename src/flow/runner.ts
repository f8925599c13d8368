import type { BlockRef } from '../config/types.js';
import type { CallControl } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
import { say } from './deps.js';
import { askIvr } from './ivr.js';
import { afterIvr } from './webhook-step.js';
import { runFindMe } from './findme.js';
import { runVoicemail, runVr, runTransfer } from './blocks.js';
import { describeRef, type CallState, type Next } from './state.js';

export const NOT_IN_SERVICE = 'The number you have dialed is not in service. Goodbye.';
export const GENERIC_FAILURE = 'We are sorry, we are unable to complete your call at this time. Goodbye.';
/** A webhook that sends a call round in circles must not hold the line forever. */
export const MAX_STEPS = 100;

/**
 * Runs one call from its entry block to the end, one building block at a time. The call record is
 * written when the call starts and updated after every step, so a crash keeps what happened so far.
 * Nothing here throws at the caller: an unexpected error is logged and the caller hears an apology.
 */
/** Where a call starts: a building block, or (calls we place) a transfer or a dynamic Find Me. */
export type CallEntry = BlockRef | Extract<Next, { kind: 'transfer' | 'dynamic_findme' }>;

export async function runCall(call: CallControl, entry: CallEntry | undefined, deps: FlowDeps, initial?: Partial<CallState>): Promise<CallState> {
  const state: CallState = {
    sessionId: call.sessionId,
    direction: call.direction,
    callerId: call.from,
    numberCalled: call.to,
    passThrough: '',
    userParameters: {},
    monitoredSeconds: 0,
    callResult: '',
    visited: [],
    answers: [],
    ...initial,
  };
  const startedAt = new Date(deps.clock.now());
  const log = deps.logger.child({ sessionId: state.sessionId });
  try {
    await deps.store.calls.create({
      sessionId: state.sessionId,
      direction: state.direction,
      from: state.callerId,
      to: state.numberCalled,
      startedAt,
      passThrough: state.passThrough,
      monitoredSeconds: 0,
      ...(call.test ? { test: true } : {}),
    });
  } catch (err) {
    // Without its record the call cannot run (every step writes to it), but the caller must still get a
    // final answer and its media port back: hanging up an unanswered call does both.
    log.error({ err }, 'call record could not be written; refusing the call');
    deps.events?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    await call.hangup().catch((hangupErr: unknown) => log.error({ err: hangupErr }, 'hang-up failed'));
    return state;
  }
  let endReason = 'hangup';
  /** What the call record holds of the state that steps change. */
  let written = { passThrough: state.passThrough, monitoredSeconds: 0 };
  try {
    await call.answer();
    let next: Next = !entry ? { kind: 'hangup', reason: 'not_in_service' } : 'id' in entry ? { kind: 'block', ref: entry } : entry;
    if (!entry) await call.play(say(NOT_IN_SERVICE));
    let from: string | undefined;
    for (let steps = 0; ; steps++) {
      if (steps >= MAX_STEPS) {
        log.error(`call stopped after ${MAX_STEPS} steps`);
        await call.play(say(GENERIC_FAILURE));
        next = { kind: 'hangup', reason: 'too_many_steps' };
      }
      if (next.kind === 'hangup' || next.kind === 'ended') {
        endReason = next.kind === 'ended' || call.hungUp ? 'caller_hangup' : next.reason;
        break;
      }
      const to = next.kind === 'block' ? describeRef(next.ref) : next.kind === 'transfer' ? `transfer/${next.destination}` : 'findme/dynamic';
      deps.events?.({ type: 'transition', to, ...(from ? { from } : {}) });
      log.info({ to }, 'transition');
      from = to;
      state.visited.push(to);
      next = await step(call, next, state, deps);
      // Only what changed since the last write: most steps change neither (a store statement per call saved).
      if (state.passThrough !== written.passThrough || state.monitoredSeconds !== written.monitoredSeconds) {
        await deps.store.calls.update(state.sessionId, { passThrough: state.passThrough, monitoredSeconds: state.monitoredSeconds });
        written = { passThrough: state.passThrough, monitoredSeconds: state.monitoredSeconds };
      }
    }
  } catch (err) {
    endReason = 'failed';
    log.error({ err }, 'call flow failed');
    deps.events?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    if (!call.hungUp) await call.play(say(GENERIC_FAILURE)).catch(() => undefined);
  } finally {
    if (!call.hungUp) await call.hangup().catch((err: unknown) => log.error({ err }, 'hang-up failed'));
    // The line went because the server ended it, not the caller: say so.
    endReason = deps.cutOffReason?.() ?? endReason;
    const endedAt = new Date(deps.clock.now());
    await deps.store.calls
      .update(state.sessionId, { endedAt, endReason, passThrough: state.passThrough, monitoredSeconds: state.monitoredSeconds })
      .catch((err: unknown) => log.error({ err }, 'call record could not be closed'));
    await deps.onCallEnded?.({
      sessionId: state.sessionId,
      callerId: state.callerId,
      numberCalled: state.numberCalled,
      startedAt,
      endedAt,
      endReason,
      monitoredSeconds: state.monitoredSeconds,
      passThrough: state.passThrough,
      blocksVisited: state.visited,
      answers: state.answers,
      ...(state.transferTarget ? { transferTarget: state.transferTarget } : {}),
      ...(state.recordingPath ? { recordingUrl: state.recordingPath } : {}),
    }).catch((err: unknown) => log.error({ err }, 'post-call actions could not be queued'));
  }
  return state;
}

async function step(call: CallControl, next: Exclude<Next, { kind: 'hangup' | 'ended' }>, state: CallState, deps: FlowDeps): Promise<Next> {
  if (next.kind === 'transfer') return runTransfer(call, next.destination, state, deps);
  if (next.kind === 'dynamic_findme') return runFindMe(call, next.config, state, deps);
  const { kind, id } = next.ref;
  const { flows } = deps;
  switch (kind) {
    case 'ivr': {
      const ivr = flows.ivrs.get(id);
      if (!ivr) throw new Error(`no IVR with id ${id}`);
      const run = await askIvr(call, ivr, state, deps);
      return afterIvr(call, ivr, run, state, deps);
    }
    case 'findme': {
      const fm = flows.findmes.get(id);
      if (!fm) throw new Error(`no Find Me with id ${id}`);
      return runFindMe(call, fm, state, deps);
    }
    case 'vr': {
      const vr = flows.vrs.get(id);
      if (!vr) throw new Error(`no Virtual Receptionist with id ${id}`);
      return runVr(call, vr, state, deps);
    }
    case 'voicemail': {
      const vm = flows.voicemails.get(id);
      if (!vm) throw new Error(`no voicemail box with id ${id}`);
      return runVoicemail(call, vm, state, deps);
    }
  }
}
