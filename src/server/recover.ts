/**
 * The start after a crash (`kill -9`, a power cut, the OOM killer): every call the store still shows in
 * progress was cut off with the process that ran it. Each is closed with end reason `interrupted`, at
 * the last moment anything is known of it; what it had written stays as it is (every answer and key is
 * written as it happens, see store/types.ts), and what it had not written yet is written now:
 *
 * - a recording cut mid-way: the WAV is repaired (WavWriter keeps the header up to date to within its
 *   last flush; repairWav counts what came after) and gets the recordings row, and for a recorded
 *   question the answer, that the flow writes when a recording ends, as if the caller had hung up then;
 * - an IVR run left open is finished as not completed;
 * - the post-call actions and a voicemail notification are queued, as for a call that ended normally.
 *
 * A recording in progress has a file but no row yet. Two things find it: the call's timeline
 * (`recording_started` carries the file, and the tracker writes events within ~100 ms) and the call's
 * own recordings directory (questions, bridged calls and Find Me names are under
 * `recordings/<session id>/`; voicemail under the box's directory, found through the timeline).
 *
 * Runs before SIP and HTTP start, so no call of this process can be mistaken for a dead one. With
 * several servers on one database it must only close this node's calls (store/recovery-repos.ts).
 * Each call is closed last, after its files and rows: a crash during recovery leaves it open, and the
 * next start does it again without writing anything twice.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import { repairWav, TELEPHONY_RATE } from '../media/wav.js';
import type { CallEventRecord, RecordingRecord, Store, UnfinishedCall } from '../store/types.js';
import type { CallSummary } from '../webhook/postcall.js';
import type { VoicemailMessage } from '../webhook/voicemail.js';

export const INTERRUPTED = 'interrupted';

/** Calls read per round; a store with more open calls than this is read again until none are left. */
const PAGE = 500;

export interface RecoverOptions {
  store: Store;
  /** Absolute data dir: recording paths in the store and the timeline are relative to it. */
  dataDir: string;
  logger: Logger;
  /** Queues the call's post-call actions (App.callEnded). */
  onCallEnded?(summary: CallSummary): Promise<void>;
  /** Queues a voicemail notification for a message cut off mid-way (App.voicemailLeft). */
  onVoicemail?(message: VoicemailMessage): Promise<void>;
}

export interface RecoveryReport {
  calls: number;
  /** Recordings repaired and added to the store. */
  recordings: number;
}

/** What a recording's path says it is (the names the flow gives them: flow/ivr.ts, blocks.ts, connect.ts, findme.ts). */
type Kind =
  | { kind: 'question'; responseId: number; questionNo: number }
  | { kind: 'voicemail'; voicemailId: number }
  | { kind: 'call' }
  | { kind: 'name' };

function kindOf(rel: string, sessionId: string): Kind | undefined {
  const parts = rel.split(/[\\/]/);
  if (parts[0] !== 'recordings') return undefined;
  if (parts.length === 4 && parts[1] === 'voicemail' && /^[0-9]+$/.test(parts[2]!) && parts[3]!.startsWith(`${sessionId}-`)) {
    return { kind: 'voicemail', voicemailId: Number(parts[2]) };
  }
  if (parts.length !== 3 || parts[1] !== sessionId) return undefined;
  const q = /^([0-9]+)-q([0-9]+)\.wav$/.exec(parts[2]!);
  if (q) return { kind: 'question', responseId: Number(q[1]), questionNo: Number(q[2]) };
  if (/^call-[0-9]+\.wav$/.test(parts[2]!)) return { kind: 'call' };
  if (/^name-[0-9]+\.wav$/.test(parts[2]!)) return { kind: 'name' };
  return undefined;
}

/** Closes every call left open by a process that died; resolves with how many calls and recordings it took. */
export async function recoverInterruptedCalls(o: RecoverOptions): Promise<RecoveryReport> {
  const report: RecoveryReport = { calls: 0, recordings: 0 };
  const failed = new Set<string>();
  for (;;) {
    const open = (await o.store.recovery.unfinishedCalls(PAGE + failed.size)).filter((u) => !failed.has(u.call.sessionId));
    if (open.length === 0) break;
    for (const u of open) {
      try {
        report.recordings += await recoverCall(u, o);
        report.calls++;
      } catch (err) {
        // One call's trouble (a store error) must not keep the server down or the other calls open.
        failed.add(u.call.sessionId);
        o.logger.error({ err, sessionId: u.call.sessionId }, 'could not close a call interrupted by the last shutdown');
      }
    }
  }
  if (report.calls > 0) o.logger.warn(report, `closed ${report.calls} call(s) interrupted when the server last stopped without ending them`);
  return report;
}

async function recoverCall(u: UnfinishedCall, o: RecoverOptions): Promise<number> {
  const { store, dataDir, logger } = o;
  const { sessionId } = u.call;
  const log = logger.child({ sessionId });
  const events = await store.history.events(sessionId);
  let endedAt = Math.max(u.call.startedAt.getTime(), u.lastEventAt?.getTime() ?? 0);

  // Recordings this call started, by file, with the time each started where the timeline has it.
  const startedAt = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'recording_started' && typeof e.data['file'] === 'string') startedAt.set(e.data['file'], e.at.getTime());
  }
  const own = path.join('recordings', sessionId);
  const files = new Set(startedAt.keys());
  for (const f of await readdir(path.join(dataDir, own)).catch(() => [] as string[])) if (f.endsWith('.wav')) files.add(path.join(own, f));

  const rows = await store.recordings.forSession(sessionId);
  const known = new Set(rows.map((r) => r.path));
  let added = 0;
  for (const rel of files) {
    const kind = kindOf(rel, sessionId);
    if (!kind || known.has(rel)) continue; // a row: the flow finished this one
    let frames: number;
    try {
      frames = await repairWav(path.join(dataDir, rel));
    } catch (err) {
      // Gone, or cut before its header was written: nothing to keep.
      log.warn({ file: rel, reason: err instanceof Error ? err.message : String(err) }, 'an interrupted recording could not be repaired');
      continue;
    }
    // Every recording is written at 8 kHz (media-channel.ts, bridge.ts); frames count per channel.
    const durationMs = Math.round((frames * 1000) / TELEPHONY_RATE);
    const began = startedAt.get(rel);
    const at = new Date(began !== undefined ? began + durationMs : endedAt);
    endedAt = Math.max(endedAt, at.getTime());
    log.info({ file: rel, durationMs }, 'interrupted recording repaired');
    // Empty ones get no row, as the flow keeps none (and Find Me names never get one).
    if (durationMs === 0 || kind.kind === 'name') continue;
    await addRecording(u, rel, kind, durationMs, at, o);
    added++;
  }

  const interactions = await store.interactions.forSession(sessionId);
  for (const i of interactions) {
    if (!i.endedAt) await store.interactions.finish(i.responseId, { completed: false, optedOut: false, endedAt: new Date(endedAt) });
  }
  // Last: once closed, this call is never looked at again.
  if (!(await store.recovery.closeInterrupted(sessionId, new Date(endedAt), INTERRUPTED))) return added;
  log.info({ endedAt: new Date(endedAt), recordings: added }, 'interrupted call closed');
  if (o.onCallEnded) {
    await o.onCallEnded(await summaryOf(u, new Date(endedAt), events, store)).catch((err: unknown) => log.error({ err }, 'post-call actions of an interrupted call could not be queued'));
  }
  return added;
}

async function addRecording(u: UnfinishedCall, rel: string, kind: Exclude<Kind, { kind: 'name' }>, durationMs: number, at: Date, o: RecoverOptions): Promise<void> {
  const { store } = o;
  const base: Omit<RecordingRecord, 'id' | 'kind'> = { sessionId: u.call.sessionId, path: rel, durationMs, callerId: u.call.from, createdAt: at };
  switch (kind.kind) {
    case 'question': {
      const { responseId, questionNo } = kind;
      const answered = (await store.interactions.answers(responseId)).some((a) => a.questionNo === questionNo);
      if (!answered) await store.interactions.addAnswer({ responseId, questionNo, questionType: 'recorded', value: rel, durationMs, at });
      await store.recordings.add({ ...base, kind: 'question', responseId, questionNo });
      return;
    }
    case 'voicemail':
      await store.recordings.add({ ...base, kind: 'voicemail', voicemailId: kind.voicemailId });
      await o.onVoicemail?.({ voicemailId: kind.voicemailId, sessionId: u.call.sessionId, callerId: u.call.from, numberCalled: u.call.to, path: rel, durationMs, at }).catch((err: unknown) =>
        o.logger.error({ err, sessionId: u.call.sessionId }, 'voicemail notification of an interrupted message could not be queued'),
      );
      return;
    case 'call':
      await store.recordings.add({ ...base, kind: 'call' });
      return;
  }
}

/** What the runner would have handed to the post-call actions, from what the store kept. */
async function summaryOf(u: UnfinishedCall, endedAt: Date, events: CallEventRecord[], store: Store): Promise<CallSummary> {
  const { call } = u;
  const [blocks, interactions, recordings] = await Promise.all([
    store.history.blocks([call.sessionId]),
    store.interactions.forSession(call.sessionId),
    store.recordings.forSession(call.sessionId),
  ]);
  const answers: CallSummary['answers'] = [];
  for (const i of interactions) {
    for (const a of await store.interactions.answers(i.responseId)) answers.push({ ivrId: i.ivrId, questionNo: a.questionNo, value: a.value });
  }
  const bridged = events.filter((e) => e.type === 'bridge_started' && typeof e.data['destination'] === 'string').at(-1);
  const recording = recordings.filter((r) => r.kind === 'call').at(-1);
  return {
    sessionId: call.sessionId,
    callerId: call.from,
    numberCalled: call.to,
    startedAt: call.startedAt,
    endedAt,
    endReason: INTERRUPTED,
    monitoredSeconds: call.monitoredSeconds,
    passThrough: call.passThrough,
    blocksVisited: blocks.get(call.sessionId) ?? [],
    answers,
    ...(bridged ? { transferTarget: bridged.data['destination'] as string } : {}),
    ...(recording ? { recordingUrl: recording.path } : {}),
  };
}
