import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../app.js';
import { INSTANT, type PromptTiming } from '../calls/interactive.js';
import { DEFAULT_DIAL_ALLOW } from '../config/dial-policy.js';
import { parseFlows } from '../config/flows.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { AdminError } from './errors.js';
import { TestCalls, type LoggedEvent, type TestCallLimits } from './test-calls.js';

const FLOWS = `
numbers:
  "8005550100": ivr/10
ivrs:
  - id: 10
    name: Account
    questions:
      - type: keypad
        prompt: "Enter your account number, then press pound."
        max_digits: 6
        timeout_s: 5
  - id: 20
    name: No number routes here
    questions:
      - type: say
        prompt: "Block twenty."
  - id: 30
    name: Message
    questions:
      - type: recorded
        prompt: "Leave a message."
        max_seconds: 3600
`;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('test calls', () => {
  let clock: FakeClock;
  let store: Store;
  let app: App;
  let calls: TestCalls;
  let dataDir: string;
  const service = (limits: Partial<TestCallLimits> = {}, timing: PromptTiming | 'default' = INSTANT): TestCalls =>
    (calls = new TestCalls({ runCall: (c, e, s) => app.runCall(c, e, s), flows: app.flows, clock, logger: silentLogger, dataDir, ...(timing !== 'default' ? { timing } : {}), limits }));
  /** Lets the call run until `cond` holds (the fake clock does not move; files are written for real). */
  const until = async (cond: () => boolean): Promise<void> => {
    for (const end = Date.now() + 5000; Date.now() < end && !cond(); ) await tick();
    expect(cond()).toBe(true);
  };
  const types = (events: LoggedEvent[]): string[] => events.map((e) => e.event.type);
  const all = (id: string): LoggedEvent[] => calls.events(id, 0).events;

  beforeEach(async () => {
    clock = new FakeClock();
    store = await createSqliteStore(':memory:', { clock });
    dataDir = await mkdtemp(path.join(tmpdir(), 'hookline-test-calls-'));
    app = createApp({ settings: { dataDir, webhookNetworks: 'all', dialAllow: [...DEFAULT_DIAL_ALLOW] }, flows: parseFlows(FLOWS, 'test.yaml'), store, clock, logger: silentLogger });
    service();
  });
  afterEach(async () => {
    await calls.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a call through the app: numbered events, keys as pressed, stored like a real call', async () => {
    const { sessionId, status, block } = calls.start({ to: '8005550100', from: '3125550199' });
    expect({ status, block }).toEqual({ status: 'running', block: 'ivr/10' });
    await until(() => types(all(sessionId)).includes('prompt'));
    clock.advance(1500);
    calls.press(sessionId, '12');
    calls.press(sessionId, '34#');
    await until(() => calls.events(sessionId, 0).info.status === 'ended');
    const events = all(sessionId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(types(events)).toEqual(['answered', 'transition', 'prompt', 'pressed', 'pressed', 'digits', 'answer', 'ivr_end', 'hangup', 'ended']);
    expect(events.find((e) => e.event.type === 'digits')).toMatchObject({ offsetMs: 1500, event: { digits: '1234', terminator: '#' } });
    expect(events.find((e) => e.event.type === 'answer')?.event).toMatchObject({ question: 1, value: '1234' });
    expect(await store.calls.get(sessionId)).toMatchObject({ direction: 'inbound', from: '3125550199', to: '8005550100', endReason: 'ivr_end', test: true });
    // Reading on from a number gives only what came after it.
    expect(calls.events(sessionId, 8).events.map((e) => e.seq)).toEqual([9, 10]);
    expect(calls.press(sessionId, '9').status).toBe('ended');
    expect(all(sessionId)).toHaveLength(10); // keys after the end are dropped
  });

  it('gives prompts a phone\'s time by default, and none when the call asks for instant prompts', async () => {
    service({}, 'default');
    const timeoutAt = async (instantPrompts: boolean): Promise<number | undefined> => {
      const { sessionId } = calls.start({ to: '8005550100', instantPrompts });
      await until(() => types(all(sessionId)).includes('prompt'));
      for (let t = 0; t < 10_000 && !types(all(sessionId)).includes('digits'); t += 100) await clock.advanceAsync(100, 100);
      calls.hangup(sessionId);
      return all(sessionId).find((e) => e.event.type === 'digits')?.offsetMs;
    };
    // 45 characters at 60 ms, then the question's 5 s.
    expect(await timeoutAt(false)).toBe(45 * 60 + 5000);
    expect(await timeoutAt(true)).toBe(5000);
  });

  it('starts in a block no number routes to', async () => {
    const { sessionId, to } = calls.start({ block: 'ivr/20' });
    expect(to).toBe('');
    await until(() => calls.events(sessionId, 0).info.status === 'ended');
    expect(all(sessionId).flatMap((e) => (e.event.type === 'prompt' ? [e.event.text] : []))).toEqual(['Block twenty.']);
    expect(all(sessionId).find((e) => e.event.type === 'transition')?.event).toMatchObject({ to: 'ivr/20' });
  });

  it('names the field at fault in what it refuses', () => {
    const issue = (f: () => unknown): unknown => {
      try {
        f();
      } catch (err) {
        return err instanceof AdminError ? { code: err.code, issues: err.issues.map((i) => i.path) } : err;
      }
      return 'accepted';
    };
    expect(issue(() => calls.start({ to: '8005550199' }))).toEqual({ code: 'invalid', issues: ['to'] });
    expect(issue(() => calls.start({}))).toEqual({ code: 'invalid', issues: ['to'] });
    expect(issue(() => calls.start({ block: 'vr/3' }))).toEqual({ code: 'invalid', issues: ['block'] });
    expect(issue(() => calls.start({ block: 'ivr10' }))).toEqual({ code: 'invalid', issues: ['block'] });
    expect(issue(() => calls.start({ to: '8005550100', farEnd: '3125550101=maybe' }))).toEqual({ code: 'invalid', issues: ['far_end'] });
    const { sessionId } = calls.start({ to: '8005550100' });
    expect(issue(() => calls.press(sessionId, '1x'))).toEqual({ code: 'invalid', issues: ['keys'] });
    expect(issue(() => calls.press('f'.repeat(32), '1'))).toEqual({ code: 'not_found', issues: [] });
    expect(calls.running).toBe(1);
  });

  it('runs at most maxCalls at once, and frees the place when one ends', async () => {
    service({ maxCalls: 2 });
    const first = calls.start({ to: '8005550100' });
    calls.start({ to: '8005550100' });
    expect(() => calls.start({ to: '8005550100' })).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(calls.hangup(first.sessionId).sessionId).toBe(first.sessionId);
    await until(() => calls.running === 1);
    expect(all(first.sessionId).map((e) => e.event)).toContainEqual({ type: 'hangup', by: 'caller' });
    expect(all(first.sessionId).at(-1)?.event).toEqual({ type: 'ended' });
    expect(calls.start({ to: '8005550100' }).status).toBe('running');
  });

  it('hangs up for a tester who stops pressing keys, and forgets ended calls after a while', async () => {
    service({ idleMs: 3000, keepEndedMs: 120_000 });
    const { sessionId } = calls.start({ to: '8005550100' });
    await until(() => types(all(sessionId)).includes('prompt'));
    clock.advance(2000);
    calls.press(sessionId, '1'); // restarts the idle limit (the question's own timeout is 5 s)
    clock.advance(2000);
    await tick();
    expect(calls.events(sessionId, 0).info.status).toBe('running');
    clock.advance(1000);
    await until(() => calls.events(sessionId, 0).info.status === 'ended');
    expect(types(all(sessionId))).toContain('idle_timeout');
    expect(all(sessionId).find((e) => e.event.type === 'hangup')).toMatchObject({ offsetMs: 5000, event: { by: 'caller' } });
    clock.advance(119_000);
    expect(calls.events(sessionId, 0).events.length).toBeGreaterThan(0);
    clock.advance(1000);
    expect(() => calls.events(sessionId, 0)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('waits for the next event, gives up after the wait, and answers at once once the call has ended', async () => {
    const { sessionId } = calls.start({ block: 'ivr/30' }); // recording: no timeout fires on its own
    await until(() => types(all(sessionId)).filter((t) => t === 'prompt').length === 2);
    const last = all(sessionId).at(-1)!.seq;
    let got: LoggedEvent[] | undefined;
    void calls.waitForEvents(sessionId, last, 25_000).then((r) => (got = r.events));
    await tick();
    expect(got).toBeUndefined();
    calls.press(sessionId, '5');
    await until(() => got !== undefined);
    expect(types(got!)).toEqual(['pressed']);

    const now = all(sessionId).at(-1)!.seq;
    let empty: LoggedEvent[] | undefined;
    void calls.waitForEvents(sessionId, now, 25_000).then((r) => (empty = r.events));
    await tick();
    clock.advance(24_999);
    await tick();
    expect(empty).toBeUndefined();
    clock.advance(1);
    await until(() => empty !== undefined);
    expect(empty).toEqual([]);

    const aborted = new AbortController();
    const waiting = calls.waitForEvents(sessionId, all(sessionId).at(-1)!.seq, 25_000, { signal: aborted.signal });
    aborted.abort();
    expect((await waiting).events).toEqual([]);

    calls.hangup(sessionId);
    await until(() => calls.events(sessionId, 0).info.status === 'ended');
    const recorded = all(sessionId).find((e) => e.event.type === 'record')?.event;
    expect(recorded).toMatchObject({ durationMs: 25_000, path: expect.stringMatching(new RegExp(`^recordings/${sessionId}/[0-9]+-q1\\.wav$`)) });
    expect((await stat(path.join(dataDir, (recorded as { path: string }).path))).size).toBe(44 + 25 * 16_000); // 25 s of 8 kHz 16-bit silence
    const end = all(sessionId).at(-1)!.seq;
    expect(await calls.waitForEvents(sessionId, end, 25_000)).toMatchObject({ events: [], info: { status: 'ended' } });
  });

  it('keeps the newest maxEvents events', async () => {
    service({ maxEvents: 3 });
    const { sessionId } = calls.start({ to: '8005550100' });
    await until(() => types(all(sessionId)).includes('prompt'));
    calls.press(sessionId, '1');
    calls.press(sessionId, '2');
    expect(all(sessionId).map((e) => [e.seq, e.event.type])).toEqual([[3, 'prompt'], [4, 'pressed'], [5, 'pressed']]);
  });
});
