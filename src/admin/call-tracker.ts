/**
 * Watches the calls App.runCall runs: their timeline goes to the store (call_events, call_blocks)
 * and their comings and goings to the live registry. Two sources feed it: the CallControl decorator
 * (what the phone line did: prompts, keys, recordings, dials, bridges, hang-up) and the flow's event
 * sink (what the flow decided: moves between building blocks, IVR ends, webhook outcomes, errors).
 * What the store already keeps elsewhere (answers, recordings, the webhook request itself) is not
 * copied; the history service merges it in when a timeline is read.
 *
 * Nothing here throws into a call, and nothing waits on the store while the call runs.
 */
import path from 'node:path';
import type { CallControl, PlayablePart } from '../calls/types.js';
import { withTimeline, type TimelineEvent } from '../calls/timeline.js';
import type { FlowEvent, FlowEventSink } from '../flow/events.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import { LiveCalls } from './live-calls.js';
import { TimelineWriter } from './timeline-writer.js';

/** A prompt's text is kept up to this many characters (a read_text response can be a whole page). */
export const MAX_TEXT = 2000;

export interface CallTrackerOptions {
  store: Pick<Store, 'history' | 'calls'>;
  clock: Clock;
  logger: Logger;
  /** The data dir, so recording paths are kept relative to it as the recordings table keeps them. */
  dataDir: string;
  live?: LiveCalls;
  flushMs?: number;
}

export interface TrackedCall {
  /** The call to run: reports what happens on the line. */
  call: CallControl;
  /** The flow's event sink: reports the flow's decisions, then passes each event on. */
  events: FlowEventSink;
  /** Call when the call has ended: marks it ended in the live registry and writes its timeline. */
  done(): Promise<void>;
}

type Data = Record<string, unknown>;

const cap = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

export class CallTracker {
  readonly live: LiveCalls;
  readonly writer: TimelineWriter;

  constructor(private readonly o: CallTrackerOptions) {
    this.live = o.live ?? new LiveCalls({ onListenerError: (err) => o.logger.error({ err }, 'live calls: a listener failed') });
    this.writer = new TimelineWriter({ repo: o.store.history, clock: o.clock, logger: o.logger, ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}) });
  }

  track(call: CallControl, events?: FlowEventSink): TrackedCall {
    const { sessionId } = call;
    const guard = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.o.logger.error({ err, sessionId }, `call tracker: ${what} not recorded`);
      }
    };
    guard('call start', () => this.live.start({ sessionId, direction: call.direction, from: call.from, to: call.to, startedAt: new Date(this.o.clock.now()), ...(call.test ? { test: true } : {}) }));
    // Dials the decorator saw end, by destination: the flow reports the same dial again afterwards.
    const dialsSeen = new Map<string, number>();

    const onLine = (e: TimelineEvent): void =>
      guard(e.type, () => {
        if (e.type === 'dial_result') dialsSeen.set(e.destination, (dialsSeen.get(e.destination) ?? 0) + 1);
        if (e.type === 'bridge_started') this.live.update(sessionId, { bridgedTo: e.destination });
        if (e.type === 'bridge_ended') this.live.update(sessionId, { bridgedTo: null });
        this.writer.add(sessionId, e.type, this.lineData(e));
      });

    const onFlow = (e: FlowEvent): void =>
      guard(e.type, () => {
        switch (e.type) {
          case 'transition':
            this.writer.add(sessionId, 'transition', { from: e.from ?? null, to: e.to });
            this.writer.visit(sessionId, e.to);
            this.live.update(sessionId, { block: e.to });
            return;
          case 'ivr_end':
            this.writer.add(sessionId, 'ivr_end', { ivr_id: e.ivrId, completed: e.completed });
            return;
          case 'webhook_response':
            // The request and response themselves are in the webhook log; the timeline points at them.
            this.writer.add(sessionId, 'webhook', {
              log_id: e.logId ?? null,
              ok: e.failure === undefined,
              status: e.status ?? null,
              latency_ms: Math.round(e.latencyMs),
              failure: e.failure ?? null,
            });
            return;
          case 'dial': {
            const seen = dialsSeen.get(e.destination) ?? 0;
            if (seen > 0) dialsSeen.set(e.destination, seen - 1);
            // Not seen on the line: the dial-out policy refused it before any dial was placed.
            else this.writer.add(sessionId, 'dial_result', { destination: e.destination, outcome: e.outcome, by: 'dial_policy' });
            return;
          }
          case 'error':
            this.writer.add(sessionId, 'error', { message: cap(e.message) });
            return;
          default:
            // answer, recording, bridge, webhook_request: in other tables, or reported by the line.
            return;
        }
      });

    const tracked = withTimeline(call, onLine);
    return {
      call: tracked,
      events: (e) => {
        onFlow(e);
        events?.(e);
      },
      done: async () => {
        // A line that went while the flow was busy elsewhere (a webhook): say so before the end.
        guard('hangup', () => tracked.noticeHangup());
        await new Promise<void>((r) => setImmediate(r));
        await this.writer.flush();
        let outcome: { endedAt: Date; endReason?: string } = { endedAt: new Date(this.o.clock.now()) };
        try {
          const rec = await this.o.store.calls.get(sessionId);
          if (rec?.endedAt) outcome = { endedAt: rec.endedAt, ...(rec.endReason !== undefined ? { endReason: rec.endReason } : {}) };
        } catch (err) {
          this.o.logger.error({ err, sessionId }, 'call tracker: could not read how the call ended');
        }
        guard('call end', () => this.live.end(sessionId, outcome));
      },
    };
  }

  /** Writes what is queued (shutdown: before the store closes). */
  close(): Promise<void> {
    return this.writer.close();
  }

  private file(p: string): string {
    const rel = path.relative(this.o.dataDir, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? path.basename(p) : rel;
  }

  private part(p: PlayablePart): Data {
    if ('text' in p) return { text: cap(p.text) };
    if ('audioPath' in p) return { audio: this.file(p.audioPath) };
    if ('tone' in p) return { tone: p.tone };
    return { silence_ms: p.silenceMs };
  }

  /** The event's data as the API shows it (snake_case, files relative to the data dir). */
  private lineData(e: TimelineEvent): Data {
    const leg = 'leg' in e && e.leg !== undefined ? { leg: e.leg } : {};
    switch (e.type) {
      case 'answered':
        return {};
      case 'prompt': {
        const text = e.parts.flatMap((p) => ('text' in p ? [p.text] : 'audioPath' in p ? [`[${path.basename(p.audioPath)}]`] : [])).join(' ');
        return { text: cap(text), parts: e.parts.map((p) => this.part(p)), ...leg };
      }
      case 'prompt_interrupted':
        return { ...leg };
      case 'keys':
        return { digits: e.digits, terminator: e.terminator ?? null, reason: e.reason, ...leg };
      case 'recording_started':
        return { file: this.file(e.path), max_ms: e.maxMs, ...leg };
      case 'recording_ended':
        return { file: this.file(e.path), duration_ms: e.durationMs, reason: e.reason, key: e.key ?? null, ...leg };
      case 'dial':
        return { destination: e.destination, timeout_ms: e.timeoutMs };
      case 'dial_result':
        return { destination: e.destination, outcome: e.outcome };
      case 'bridge_started':
        return { destination: e.destination, recording: e.recording };
      case 'bridge_ended':
        return { destination: e.destination, ended_by: e.endedBy, duration_ms: e.durationMs, recorded_ms: e.recordedMs };
      case 'hangup':
        return { by: e.by, ...leg };
    }
  }
}
