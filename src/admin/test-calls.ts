/**
 * Test calls: calls run in the simulator for a person at the console (or a script), who reads the
 * prompts as text and presses keys as the call asks for them. They run through the same path as a
 * real call (App.runCall): stored, logged, with the real webhooks. Each call keeps every event it
 * reports, numbered, so a client that reconnects reads on from the last number it saw.
 */
import path from 'node:path';
import { BLOCK_REF } from '../config/schema.js';
import { parseBlockRef } from '../config/build.js';
import type { BlockRef, Flows } from '../config/types.js';
import { INSTANT, InteractiveCall, PHONE_PACE, type PromptTiming } from '../calls/interactive.js';
import { writeSilentWav } from '../calls/sim-audio.js';
import { DEFAULT_FAR_END, parseFarEnds, type FarEnd } from '../calls/sim-script.js';
import type { SimEvent } from '../calls/simulator.js';
import type { CallControl } from '../calls/types.js';
import type { DialLimits } from '../calls/dial-limits.js';
import type { FlowEvent, FlowEventSink } from '../flow/events.js';
import type { CallEntry } from '../flow/runner.js';
import { describeRef } from '../flow/state.js';
import type { Clock } from '../lib/clock.js';
import { newSessionId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { AdminError } from './errors.js';

/** What the phone line and the flow report, and what the test-call service adds. */
export type TestCallEvent =
  | SimEvent
  | FlowEvent
  /** The tester pressed keys (they reach the call in this order). */
  | { type: 'pressed'; keys: string }
  /** No key for the idle limit: the service hangs up for the tester who walked away. */
  | { type: 'idle_timeout'; idleMs: number }
  /** The call is over: no event follows. */
  | { type: 'ended' };

export interface LoggedEvent {
  seq: number;
  /** Since the call started. */
  offsetMs: number;
  event: TestCallEvent;
}

export type TestCallStatus = 'running' | 'ended';

/** DTMF keys a tester may press. */
export const DTMF_KEYS = /^[0-9*#A-D]+$/;

export interface TestCallLimits {
  /** Test calls running at once; one more is refused (rate_limited). */
  maxCalls: number;
  /** A call with no key pressed for this long is hung up. */
  idleMs: number;
  /** How long an ended call's events can still be read. */
  keepEndedMs: number;
  /** Events kept per call; beyond, the oldest are dropped (a loop in the flows could run long). */
  maxEvents: number;
}

export const DEFAULT_TEST_CALL_LIMITS: TestCallLimits = { maxCalls: 10, idleMs: 5 * 60_000, keepEndedMs: 10 * 60_000, maxEvents: 5000 };

/** A number the test dials rings for 2 s (so the tester sees it ring), answers and presses 1. */
/** Retry-After of a test call refused while the server restarts (as the Call Initiation API's). */
const RESTART_RETRY_AFTER_S = 30;

export const TEST_FAR_END: FarEnd = { ...DEFAULT_FAR_END, answerAfterMs: 2000 };

export interface TestCallsDeps {
  /** App.runCall: the one way calls run, so test calls are stored, logged and sent to webhooks. */
  runCall(call: CallControl, events: FlowEventSink, start?: { entry: CallEntry }): Promise<void>;
  /** The configuration in force (read when a call starts). */
  flows(): Flows;
  clock: Clock;
  logger: Logger;
  /** The data directory: the simulator reports recordings by absolute path, clients see them relative to it. */
  dataDir?: string;
  dialLimits?: DialLimits;
  /** Writes a recording of the given length; silent WAVs by default. */
  writeRecording?(path: string, durationMs: number, channels: 1 | 2): Promise<void>;
  /** How long prompts take unless a call asks for instant ones; PHONE_PACE by default. */
  timing?: PromptTiming;
  limits?: Partial<TestCallLimits>;
}

export interface StartTestCall {
  /** The dialed number; the call starts where it routes unless `block` is given. */
  to?: string;
  /** A building block to start in (`ivr/10`), with or without a number routed to it. */
  block?: string;
  from?: string;
  /** How dialled numbers behave, as `hookline simulate --far-end`; others answer as TEST_FAR_END. */
  farEnd?: string;
  /** Prompts take no time (scripts that only want the story); the first-digit timeouts start at once. */
  instantPrompts?: boolean;
}

export interface TestCallInfo {
  sessionId: string;
  to: string;
  from: string;
  /** Where the call started (`ivr/10`). */
  block: string;
  startedAt: Date;
  status: TestCallStatus;
}

function invalid(path: string, message: string): AdminError {
  return new AdminError('invalid', `body: ${path}: ${message}`, { issues: [{ path, message }] });
}

class Session {
  readonly log: LoggedEvent[] = [];
  status: TestCallStatus = 'running';
  private seq = 0;
  private readonly waiters = new Set<() => void>();
  cancelIdle: () => void = () => undefined;
  cancelForget: () => void = () => undefined;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly info: Omit<TestCallInfo, 'status'>,
    readonly call: InteractiveCall,
    private readonly clock: Clock,
    private readonly maxEvents: number,
  ) {}

  push(event: TestCallEvent): void {
    this.log.push({ seq: ++this.seq, offsetMs: this.clock.now() - this.info.startedAt.getTime(), event });
    if (this.log.length > this.maxEvents) this.log.shift();
    for (const w of [...this.waiters]) w();
  }

  after(seq: number, limit: number): LoggedEvent[] {
    const from = this.log.findIndex((e) => e.seq > seq);
    return from < 0 ? [] : this.log.slice(from, from + limit);
  }

  /** Resolves at the next event, after `ms`, or when `signal` aborts. */
  next(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.clock.setTimer(ms, done);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      if (signal?.aborted) done();
    });
  }
}

export class TestCalls {
  private readonly sessions = new Map<string, Session>();
  private readonly limits: TestCallLimits;
  private refusing = false;

  constructor(private readonly deps: TestCallsDeps) {
    this.limits = { ...DEFAULT_TEST_CALL_LIMITS, ...deps.limits };
  }

  /** A shutdown has begun: new test calls are refused; those running end with the other calls. */
  stopTaking(): void {
    this.refusing = true;
  }

  get running(): number {
    return [...this.sessions.values()].filter((s) => s.status === 'running').length;
  }

  /** Starts a call; throws AdminError `invalid` naming the field at fault, `rate_limited` when full. */
  start(req: StartTestCall): TestCallInfo {
    if (this.refusing) throw new AdminError('unavailable', 'hookline is restarting; start the test call again in a moment', { retryAfterS: RESTART_RETRY_AFTER_S });
    const flows = this.deps.flows();
    const entry = this.entryOf(req, flows);
    let farEnds: Map<string, FarEnd>;
    try {
      farEnds = parseFarEnds(req.farEnd ?? '', '', TEST_FAR_END);
    } catch (err) {
      throw invalid('far_end', (err as Error).message);
    }
    if (this.running >= this.limits.maxCalls) {
      throw new AdminError('rate_limited', `${this.limits.maxCalls} test calls are running already; hang one up or wait for one to end`);
    }
    const { clock } = this.deps;
    const sessionId = newSessionId();
    // The call reports through its session, which needs the call: the first event comes once both exist.
    let session!: Session;
    const dataDir = this.deps.dataDir;
    const emit = (e: TestCallEvent): void => session.push(e.type === 'record' && dataDir ? { ...e, path: path.relative(dataDir, e.path) } : e);
    const call = new InteractiveCall({
      sessionId,
      from: req.from ?? '',
      to: req.to ?? '',
      clock,
      farEnds,
      defaultFarEnd: TEST_FAR_END,
      ...(this.deps.dialLimits ? { dialLimits: this.deps.dialLimits } : {}),
      timing: req.instantPrompts ? INSTANT : (this.deps.timing ?? PHONE_PACE),
      writeRecording: this.deps.writeRecording ?? writeSilentWav,
      onEvent: emit,
    });
    const s = (session = new Session({ sessionId, to: call.to, from: call.from, block: describeRef(entry), startedAt: new Date(clock.now()) }, call, clock, this.limits.maxEvents));
    this.sessions.set(sessionId, s);
    this.touch(s);
    const log = this.deps.logger.child({ sessionId });
    log.info({ to: s.info.to, block: s.info.block }, 'test call started');
    s.done = this.deps
      .runCall(call, emit, req.block !== undefined ? { entry } : undefined)
      .catch((err: unknown) => {
        log.error({ err }, 'test call failed');
        s.push({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        call.callerHangup();
      })
      .finally(() => {
        s.cancelIdle();
        s.status = 'ended';
        s.push({ type: 'ended' });
        log.info('test call ended');
        s.cancelForget = clock.setTimer(this.limits.keepEndedMs, () => this.sessions.delete(sessionId));
      });
    return this.info(s);
  }

  private entryOf(req: StartTestCall, flows: Flows): BlockRef {
    if (req.block !== undefined) {
      if (!BLOCK_REF.test(req.block)) throw invalid('block', 'expected a reference like ivr/10, vr/3, findme/4 or voicemail/7');
      const ref = parseBlockRef(req.block);
      const exists = { ivr: flows.ivrs, findme: flows.findmes, vr: flows.vrs, voicemail: flows.voicemails }[ref.kind].has(ref.id);
      if (!exists) throw invalid('block', `there is no ${req.block} in the configuration`);
      return ref;
    }
    if (req.to === undefined) throw invalid('to', 'give the number to call, or a block to start in');
    const routed = flows.numbers.get(req.to);
    if (!routed) throw invalid('to', `${req.to} is not routed to a building block (give a block to start in one directly)`);
    return routed;
  }

  private get(sessionId: string): Session {
    const s = this.sessions.get(sessionId);
    if (!s) throw new AdminError('not_found', `no test call ${sessionId} (ended calls are kept for ${Math.round(this.limits.keepEndedMs / 60_000)} minutes)`);
    return s;
  }

  private info(s: Session): TestCallInfo {
    return { ...s.info, status: s.status };
  }

  /** Restarts the idle limit: the tester is still there. */
  private touch(s: Session): void {
    s.cancelIdle();
    s.cancelIdle = this.deps.clock.setTimer(this.limits.idleMs, () => {
      s.push({ type: 'idle_timeout', idleMs: this.limits.idleMs });
      s.call.callerHangup();
    });
  }

  /** Events after `seq` (at most `limit`), as they are now. */
  events(sessionId: string, after: number, limit = 500): { info: TestCallInfo; events: LoggedEvent[] } {
    const s = this.get(sessionId);
    return { info: this.info(s), events: s.after(after, limit) };
  }

  /**
   * Events after `seq`: at once when there are some (or the call has ended), else at the next event,
   * or empty after `waitMs`.
   */
  async waitForEvents(sessionId: string, after: number, waitMs: number, o: { limit?: number; signal?: AbortSignal } = {}): Promise<{ info: TestCallInfo; events: LoggedEvent[] }> {
    const s = this.get(sessionId);
    if (s.after(after, 1).length === 0 && s.status === 'running' && waitMs > 0) await s.next(waitMs, o.signal);
    return this.events(sessionId, after, o.limit);
  }

  /** The tester presses keys; dropped once the call has ended (the status says so). */
  press(sessionId: string, keys: string): TestCallInfo {
    if (!DTMF_KEYS.test(keys)) throw invalid('keys', 'expected keys 0-9, *, # or A-D');
    const s = this.get(sessionId);
    if (s.status === 'running' && !s.call.hungUp) {
      s.push({ type: 'pressed', keys });
      s.call.press(keys);
      this.touch(s);
    }
    return this.info(s);
  }

  /** The tester hangs up; nothing happens for a call that has ended. */
  hangup(sessionId: string): TestCallInfo {
    const s = this.get(sessionId);
    s.call.callerHangup();
    return this.info(s);
  }

  /** Hangs up every test call and waits for them to finish (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    for (const s of all) s.call.callerHangup();
    await Promise.all(all.map((s) => s.done));
    for (const s of all) s.cancelForget();
    this.sessions.clear();
  }
}
