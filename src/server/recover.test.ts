import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { decodeWav, WavWriter } from '../media/wav.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { CallRecord, Store } from '../store/types.js';
import type { CallSummary } from '../webhook/postcall.js';
import type { VoicemailMessage } from '../webhook/voicemail.js';
import { INTERRUPTED, recoverInterruptedCalls } from './recover.js';

const T0 = Date.UTC(2026, 11, 8, 14, 0, 0);
const at = (ms: number): Date => new Date(T0 + ms);
const sid = (n: number): string => n.toString(16).padStart(32, '0');

function call(n: number, over: Partial<CallRecord> = {}): CallRecord {
  return { sessionId: sid(n), direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: at(n * 1000), passThrough: 'p=1', monitoredSeconds: 0, ...over };
}

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hookline-recover-'));
  store = await createSqliteStore(':memory:', { clock: new FakeClock(T0) });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A recording as a kill -9 leaves it: `flushedMs` written through WavWriter (its header counts them),
 * then `moreMs` of frames whose header update never happened, and half a frame.
 */
async function cutRecording(rel: string, flushedMs: number, moreMs: number): Promise<void> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  const w = await WavWriter.open(file);
  w.write(new Int16Array(flushedMs * 8).fill(1000));
  await w.close();
  await appendFile(file, Buffer.concat([Buffer.from(new Int16Array(moreMs * 8).fill(2000).buffer), Buffer.from([1])]));
}

function recover() {
  const ended: CallSummary[] = [];
  const voicemails: VoicemailMessage[] = [];
  const run = () =>
    recoverInterruptedCalls({
      store,
      dataDir: dir,
      logger: silentLogger,
      onCallEnded: async (s) => void ended.push(s),
      onVoicemail: async (m) => void voicemails.push(m),
    });
  return { run, ended, voicemails };
}

describe('recoverInterruptedCalls', () => {
  it('closes a call cut mid-IVR at its last known moment, keeping its answers and repairing the recording in progress', async () => {
    await store.calls.create(call(1));
    const responseId = await store.interactions.start({ sessionId: sid(1), ivrId: 10, startedAt: at(1500) });
    await store.interactions.addAnswer({ responseId, questionNo: 1, questionType: 'keypad', value: '1234', keys: '1234#', at: at(4000) });
    const rel = path.join('recordings', sid(1), `${responseId}-q2.wav`);
    await store.history.addBlock({ sessionId: sid(1), block: 'ivr/10', at: at(1200) });
    await store.history.appendEvents([
      { sessionId: sid(1), at: at(1100), type: 'answered', data: {} },
      { sessionId: sid(1), at: at(4000), type: 'keys', data: { digits: '1234', terminator: '#', reason: 'terminator' } },
      { sessionId: sid(1), at: at(6000), type: 'recording_started', data: { file: rel, max_ms: 60_000 } },
    ]);
    await cutRecording(rel, 1000, 500);

    const r = recover();
    expect(await r.run()).toEqual({ calls: 1, recordings: 1 });

    // Ended when the recording stopped: its start plus the 1.5 s it holds.
    const closed = await store.calls.get(sid(1));
    expect(closed).toEqual(call(1, { endedAt: at(7500), endReason: INTERRUPTED }));
    const wav = decodeWav(await readFile(path.join(dir, rel)));
    expect(wav.channels[0]!.length).toBe(12_000);
    expect((await stat(path.join(dir, rel))).size).toBe(44 + 24_000);
    expect(await store.recordings.forSession(sid(1))).toEqual([
      expect.objectContaining({ kind: 'question', path: rel, durationMs: 1500, responseId, questionNo: 2, callerId: '3125550199', createdAt: at(7500) }),
    ]);
    expect((await store.interactions.answers(responseId)).map((a) => [a.questionNo, a.value, a.durationMs ?? null])).toEqual([
      [1, '1234', null],
      [2, rel, 1500],
    ]);
    expect(await store.interactions.get(responseId)).toMatchObject({ completed: false, endedAt: at(7500) });
    // Its post-call actions, as the runner would have sent them.
    expect(r.ended).toEqual([
      {
        sessionId: sid(1), callerId: '3125550199', numberCalled: '8005550100', startedAt: at(1000), endedAt: at(7500), endReason: INTERRUPTED,
        monitoredSeconds: 0, passThrough: 'p=1', blocksVisited: ['ivr/10'], answers: [{ ivrId: 10, questionNo: 1, value: '1234' }, { ivrId: 10, questionNo: 2, value: rel }],
      },
    ]);
  });

  it('uses the start for a call with no timeline, and leaves calls that ended alone', async () => {
    await store.calls.create(call(2));
    await store.calls.create(call(3, { endedAt: at(9000), endReason: 'caller_hangup' }));
    const r = recover();
    expect(await r.run()).toEqual({ calls: 1, recordings: 0 });
    expect(await store.calls.get(sid(2))).toEqual(call(2, { endedAt: at(2000), endReason: INTERRUPTED }));
    expect(await store.calls.get(sid(3))).toEqual(call(3, { endedAt: at(9000), endReason: 'caller_hangup' }));
    expect(r.ended.map((s) => s.sessionId)).toEqual([sid(2)]);
  });

  it('keeps a voicemail message cut mid-way and queues its notification; a bridged call\'s recording is found in the call\'s directory', async () => {
    await store.calls.create(call(4));
    const vm = path.join('recordings', 'voicemail', '7', `${sid(4)}-${T0 + 5000}.wav`);
    await store.history.appendEvents([{ sessionId: sid(4), at: at(5000), type: 'recording_started', data: { file: vm, max_ms: 120_000 } }]);
    await cutRecording(vm, 2000, 0);
    const bridged = path.join('recordings', sid(4), `call-${T0 + 1000}.wav`);
    await cutRecording(bridged, 400, 100);
    const r = recover();
    expect(await r.run()).toEqual({ calls: 1, recordings: 2 });
    const rows = await store.recordings.forSession(sid(4));
    expect(rows.map((x) => [x.kind, x.path, x.durationMs, x.voicemailId ?? null]).sort()).toEqual([
      ['call', bridged, 500, null],
      ['voicemail', vm, 2000, 7],
    ]);
    expect(r.voicemails).toEqual([{ voicemailId: 7, sessionId: sid(4), callerId: '3125550199', numberCalled: '8005550100', path: vm, durationMs: 2000, at: at(7000) }]);
    expect(r.ended[0]).toMatchObject({ endedAt: at(7000), recordingUrl: bridged });
  });

  it('adds nothing twice: a recording the flow finished keeps its row, and a second run finds nothing to do', async () => {
    await store.calls.create(call(5));
    const responseId = await store.interactions.start({ sessionId: sid(5), ivrId: 10, startedAt: at(5000) });
    const done = path.join('recordings', sid(5), `${responseId}-q1.wav`);
    await cutRecording(done, 800, 0);
    await store.recordings.add({ sessionId: sid(5), kind: 'question', path: done, durationMs: 800, callerId: '', createdAt: at(5500), responseId, questionNo: 1 });
    const r = recover();
    expect(await r.run()).toEqual({ calls: 1, recordings: 0 });
    expect(await r.run()).toEqual({ calls: 0, recordings: 0 });
    expect(await store.recordings.forSession(sid(5))).toHaveLength(1);
    expect(r.ended).toHaveLength(1);
  });

  it('skips a recording cut before its header was written, and still closes the call', async () => {
    await store.calls.create(call(6));
    const rel = path.join('recordings', sid(6), 'name-1.wav');
    await mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await appendFile(path.join(dir, rel), Buffer.from('RIFF'));
    expect(await recover().run()).toEqual({ calls: 1, recordings: 0 });
    expect(await store.calls.get(sid(6))).toMatchObject({ endReason: INTERRUPTED });
  });
});
