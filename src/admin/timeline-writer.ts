/**
 * Appends call timeline events to the store without ever holding up a call.
 *
 * better-sqlite3 is synchronous: each statement runs on the thread that also paces every call's 20 ms
 * media frames. So an event is only pushed onto an array here, and one multi-row INSERT writes all the
 * pending events of all calls every `flushMs` (and at each call's end). A store error is logged and the
 * batch dropped: a timeline is worth less than a call.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { CallEventRecord, CallHistoryRepo } from '../store/types.js';

export const DEFAULT_FLUSH_MS = 100;
/** Past this many unwritten events (the store keeps failing), the oldest are dropped. */
export const MAX_PENDING = 20_000;

type PendingEvent = Omit<CallEventRecord, 'id'>;

export interface TimelineWriterOptions {
  repo: Pick<CallHistoryRepo, 'appendEvents' | 'addBlock'>;
  clock: Clock;
  logger: Logger;
  flushMs?: number;
}

export class TimelineWriter {
  private events: PendingEvent[] = [];
  private visits: Array<{ sessionId: string; block: string; at: Date }> = [];
  private cancelTimer: (() => void) | undefined;
  /** Flushes run one after another, so events reach the store in the order they happened. */
  private chain: Promise<void> = Promise.resolve();
  private dropped = 0;
  private closed = false;

  constructor(private readonly o: TimelineWriterOptions) {}

  /** Queues one event, stamped now. Never throws. */
  add(sessionId: string, type: string, data: Record<string, unknown>): void {
    if (this.closed) return;
    this.events.push({ sessionId, at: new Date(this.o.clock.now()), type, data });
    if (this.events.length > MAX_PENDING) {
      this.dropped += this.events.length - MAX_PENDING;
      this.events.splice(0, this.events.length - MAX_PENDING);
    }
    this.arm();
  }

  /** Queues "the call entered this block" (for the history's block filter). */
  visit(sessionId: string, block: string): void {
    if (this.closed) return;
    this.visits.push({ sessionId, block, at: new Date(this.o.clock.now()) });
    this.arm();
  }

  get pending(): number {
    return this.events.length + this.visits.length;
  }

  /** Writes everything queued so far; resolves when written (or dropped). Never rejects. */
  flush(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const events = this.events;
    const visits = this.visits;
    this.events = [];
    this.visits = [];
    if (events.length === 0 && visits.length === 0) return this.chain;
    this.chain = this.chain.then(() => this.write(events, visits));
    return this.chain;
  }

  /** Writes what is queued and stops taking events (shutdown, before the store closes). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private arm(): void {
    if (this.cancelTimer) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.flushMs ?? DEFAULT_FLUSH_MS, () => {
      this.cancelTimer = undefined;
      void this.flush();
    });
  }

  private async write(events: PendingEvent[], visits: Array<{ sessionId: string; block: string; at: Date }>): Promise<void> {
    if (this.dropped > 0) {
      this.o.logger.warn({ dropped: this.dropped }, 'call timeline: events dropped while the store was failing');
      this.dropped = 0;
    }
    if (events.length > 0) {
      try {
        await this.o.repo.appendEvents(events);
      } catch (err) {
        // One call's rows can fail alone (its call record is missing); write the other calls' rows.
        const sessions = [...new Set(events.map((e) => e.sessionId))];
        if (sessions.length === 1) this.o.logger.error({ err, sessionId: sessions[0], events: events.length }, 'call timeline: events not written');
        else {
          for (const sessionId of sessions) {
            try {
              await this.o.repo.appendEvents(events.filter((e) => e.sessionId === sessionId));
            } catch (e2) {
              this.o.logger.error({ err: e2, sessionId }, 'call timeline: events not written');
            }
          }
        }
      }
    }
    for (const v of visits) {
      try {
        await this.o.repo.addBlock(v);
      } catch (err) {
        this.o.logger.error({ err, sessionId: v.sessionId, block: v.block }, 'call timeline: block visit not written');
      }
    }
  }
}
