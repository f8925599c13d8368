/**
 * The cases every Store implementation must pass for reports and the original Administration API
 * (report-repos.ts). SQLite runs them in `sqlite.test.ts`, beside runStoreSuite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../lib/clock.js';
import { call, openStore, type StoreFactory } from './store.suite.js';
import type { Store } from './types.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
const HOUR = 3_600_000;
const sid = (c: string): string => c.repeat(32);

export function runReportStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (reports): ${name}`, () => {
    let clock: FakeClock;
    let store: Store;
    beforeEach(async () => ({ store, clock } = await openStore(factory, T0)));
    afterEach(() => store.close());

    describe('calls', () => {
      it('lists the calls started in [from, to), oldest first, by direction when asked', async () => {
        await store.calls.create(call({ sessionId: sid('c'), startedAt: at(2 * HOUR) }));
        await store.calls.create(call({ sessionId: sid('a'), startedAt: at(0), direction: 'outbound' }));
        await store.calls.create(call({ sessionId: sid('b'), startedAt: at(HOUR) }));
        await store.calls.create(call({ sessionId: sid('d'), startedAt: at(3 * HOUR) }));
        const ids = async (q: Parameters<Store['reports']['calls']>[0], limit = 100) => (await store.reports.calls(q, limit)).map((c) => c.sessionId[0]);
        expect(await ids({ from: at(0), to: at(3 * HOUR) })).toEqual(['a', 'b', 'c']);
        expect(await ids({ from: at(1), to: at(3 * HOUR + 1) })).toEqual(['b', 'c', 'd']);
        expect(await ids({ from: at(0), to: at(4 * HOUR), direction: 'outbound' })).toEqual(['a']);
        expect(await ids({ from: at(0), to: at(4 * HOUR) }, 2)).toEqual(['a', 'b']);
        expect((await store.reports.calls({ from: at(0), to: at(1) }, 1))[0]).toEqual(call({ sessionId: sid('a'), startedAt: at(0), direction: 'outbound' }));
      });
    });

    describe('interactions', () => {
      it('gives one IVR’s runs in a range with their answers in question order and the call’s numbers', async () => {
        await store.calls.create(call({ sessionId: sid('a'), from: '+13125550001', to: '+18005550100' }));
        await store.calls.create(call({ sessionId: sid('b') }));
        const first = await store.interactions.start({ sessionId: sid('a'), ivrId: 10, startedAt: at(0) });
        const other = await store.interactions.start({ sessionId: sid('a'), ivrId: 11, startedAt: at(1) });
        const second = await store.interactions.start({ sessionId: sid('b'), ivrId: 10, startedAt: at(HOUR) });
        await store.interactions.addAnswer({ responseId: first, questionNo: 2, questionType: 'menu', value: 'yes', keys: '1', at: at(5) });
        await store.interactions.addAnswer({ responseId: first, questionNo: 1, questionType: 'keypad', value: '42', keys: '42#', at: at(3) });
        await store.interactions.addAnswer({ responseId: other, questionNo: 1, questionType: 'keypad', value: '9', at: at(3) });
        await store.interactions.finish(first, { completed: true, optedOut: false, endedAt: at(9) });

        const rows = await store.reports.interactions({ ivrId: 10, from: at(0), to: at(2 * HOUR) }, 100);
        expect(rows.map((r) => r.responseId)).toEqual([first, second]);
        expect(rows[0]).toMatchObject({ sessionId: sid('a'), ivrId: 10, callerId: '+13125550001', numberCalled: '+18005550100', completed: true, endedAt: at(9) });
        expect(rows[0]!.answers.map((a) => [a.questionNo, a.value])).toEqual([[1, '42'], [2, 'yes']]);
        expect(rows[1]!.answers).toEqual([]);
        expect((await store.reports.interactions({ ivrId: 10, from: at(1), to: at(2 * HOUR) }, 100)).map((r) => r.responseId)).toEqual([second]);
        expect(await store.reports.interactions({ ivrId: 10, from: at(0), to: at(2 * HOUR) }, 1)).toHaveLength(1);
      });

      it('deletes an IVR’s runs (before a date when given) with answers and recording rows, and hands back the recordings', async () => {
        await store.calls.create(call({ sessionId: sid('a') }));
        const old = await store.interactions.start({ sessionId: sid('a'), ivrId: 10, startedAt: at(0) });
        const recent = await store.interactions.start({ sessionId: sid('a'), ivrId: 10, startedAt: at(2 * HOUR) });
        const kept = await store.interactions.start({ sessionId: sid('a'), ivrId: 11, startedAt: at(0) });
        await store.interactions.addAnswer({ responseId: old, questionNo: 1, questionType: 'recorded', value: 'recordings/a/q1.wav', at: at(1) });
        await store.interactions.addAnswer({ responseId: recent, questionNo: 1, questionType: 'keypad', value: '1', at: at(1) });
        const rec = { sessionId: sid('a'), kind: 'question' as const, path: 'recordings/a/q1.wav', durationMs: 1000, callerId: '', createdAt: at(1), responseId: old, questionNo: 1 };
        const recId = await store.recordings.add(rec);

        const first = await store.reports.deleteInteractions({ ivrId: 10, before: at(HOUR) });
        expect(first.interactions).toBe(1);
        expect(first.recordings).toEqual([{ id: recId, ...rec }]);
        expect(await store.interactions.get(old)).toBeUndefined();
        expect(await store.interactions.answers(old)).toEqual([]);
        expect(await store.reports.recording(recId)).toBeUndefined();
        expect(await store.interactions.get(recent)).toBeDefined();

        expect(await store.reports.deleteInteractions({ ivrId: 10 })).toEqual({ interactions: 1, recordings: [] });
        expect(await store.interactions.get(recent)).toBeUndefined();
        expect(await store.interactions.get(kept)).toBeDefined();
        expect(await store.reports.deleteInteractions({ ivrId: 10 })).toEqual({ interactions: 0, recordings: [] });
      });
    });

    describe('recordings', () => {
      it('finds recordings by kind, Find Me, voicemail box, session and question; gets and deletes one', async () => {
        await store.calls.create(call({ sessionId: sid('a') }));
        await store.calls.create(call({ sessionId: sid('b') }));
        const base = { durationMs: 1000, callerId: '+13125550001' };
        const c1 = await store.recordings.add({ ...base, sessionId: sid('a'), kind: 'call', path: 'recordings/a/call-1.wav', createdAt: at(1), findmeId: 4 });
        const c2 = await store.recordings.add({ ...base, sessionId: sid('b'), kind: 'call', path: 'recordings/b/call-2.wav', createdAt: at(2), findmeId: 4 });
        const c3 = await store.recordings.add({ ...base, sessionId: sid('b'), kind: 'call', path: 'recordings/b/call-3.wav', createdAt: at(3) });
        const vm = await store.recordings.add({ ...base, sessionId: sid('b'), kind: 'voicemail', path: 'recordings/voicemail/7/b.wav', createdAt: at(4), voicemailId: 7 });
        const ids = async (q: Parameters<Store['reports']['recordings']>[0]) => (await store.reports.recordings(q, 100)).map((r) => r.id);

        expect(await ids({ kind: 'call', findmeId: 4 })).toEqual([c1, c2]);
        expect(await ids({ kind: 'call' })).toEqual([c1, c2, c3]);
        expect(await ids({ kind: 'voicemail', voicemailId: 7 })).toEqual([vm]);
        expect(await ids({ sessionId: sid('b') })).toEqual([c2, c3, vm]);
        expect(await ids({ kind: 'voicemail', voicemailId: 8 })).toEqual([]);
        expect(await store.reports.recordings({ kind: 'call' }, 1)).toHaveLength(1);

        expect(await store.reports.recording(c1)).toEqual({ id: c1, ...base, sessionId: sid('a'), kind: 'call', path: 'recordings/a/call-1.wav', createdAt: at(1), findmeId: 4 });
        expect(await store.reports.deleteRecording(c1)).toBe(true);
        expect(await store.reports.deleteRecording(c1)).toBe(false);
        expect(await store.reports.recording(c1)).toBeUndefined();
      });

      it('finds a question’s recording by interaction and question number', async () => {
        await store.calls.create(call({ sessionId: sid('a') }));
        const responseId = await store.interactions.start({ sessionId: sid('a'), ivrId: 10, startedAt: at(0) });
        const base = { sessionId: sid('a'), kind: 'question' as const, durationMs: 1000, callerId: '', createdAt: at(1), responseId };
        await store.recordings.add({ ...base, path: 'q1.wav', questionNo: 1 });
        const q2 = await store.recordings.add({ ...base, path: 'q2.wav', questionNo: 2 });
        expect((await store.reports.recordings({ responseId, questionNo: 2 }, 10)).map((r) => r.id)).toEqual([q2]);
      });
    });

    describe('registered numbers', () => {
      it('adds, replaces a description, lists in order, gets and removes', async () => {
        expect(await store.registeredNumbers.put({ phone: '+13125550002', description: 'Office' })).toEqual({ created: true });
        clock.advance(1000);
        expect(await store.registeredNumbers.put({ phone: '+13125550001', description: 'Main' })).toEqual({ created: true });
        expect(await store.registeredNumbers.put({ phone: '+13125550002', description: 'Front desk' })).toEqual({ created: false });
        expect(await store.registeredNumbers.list()).toEqual([
          { phone: '+13125550001', description: 'Main', createdAt: at(1000) },
          { phone: '+13125550002', description: 'Front desk', createdAt: at(0) },
        ]);
        expect(await store.registeredNumbers.get('+13125550001')).toEqual({ phone: '+13125550001', description: 'Main', createdAt: at(1000) });
        expect(await store.registeredNumbers.remove('+13125550001')).toBe(true);
        expect(await store.registeredNumbers.remove('+13125550001')).toBe(false);
        expect(await store.registeredNumbers.get('+13125550001')).toBeUndefined();
      });
    });
  });
}
