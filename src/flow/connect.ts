import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { CallControl, Leg } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
import type { CallState, Next } from './state.js';

export const RECORDING_NOTICE = 'This call may be recorded.';

/**
 * Bridges the caller with an answered leg until either hangs up. With recording on, both parties hear
 * the notice first, and the recorded seconds add to `ivr_monitored_time`. `findmeId` is the Find Me
 * that found the leg (0 for a dynamic one), kept with the recording so it can be listed by Find Me.
 */
export async function connect(call: CallControl, leg: Leg, record: boolean, state: CallState, deps: FlowDeps, findmeId = 0): Promise<Next> {
  let recordPath: string | undefined;
  let rel: string | undefined;
  if (record) {
    rel = path.join('recordings', state.sessionId, `call-${deps.clock.now()}.wav`);
    recordPath = path.join(deps.dataDir, rel);
    await mkdir(path.dirname(recordPath), { recursive: true });
    await Promise.all([call.play([{ text: RECORDING_NOTICE }]), leg.play([{ text: RECORDING_NOTICE }])]);
  }
  state.transferTarget = leg.destination;
  if (rel) state.recordingPath = rel;
  const result = await call.bridge(leg, recordPath ? { recordPath } : {});
  deps.events?.({ type: 'bridge', destination: leg.destination, durationMs: result.durationMs, recordedMs: result.recordedMs });
  if (rel && result.recordedMs > 0) {
    state.monitoredSeconds += Math.round(result.recordedMs / 1000);
    await deps.store.recordings.add({
      sessionId: state.sessionId,
      kind: 'call',
      path: rel,
      durationMs: result.recordedMs,
      callerId: state.callerId,
      createdAt: new Date(deps.clock.now()),
      ...(findmeId > 0 ? { findmeId } : {}),
    });
  }
  return call.hungUp ? { kind: 'ended' } : { kind: 'hangup', reason: `bridge_ended_by_${result.endedBy}` };
}
