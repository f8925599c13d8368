import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { InviteServerTransaction } from '../../sip/index.js';

/**
 * Why a new call was refused with 503: shutting down, the database away, HOOKLINE_MAX_CALLS reached, or
 * the calls in progress' audio running late (HOOKLINE_OVERLOAD_LATE_MS).
 */
export type AdmissionRefusal = 'draining' | 'database' | 'max_calls' | 'overload';

export interface AdmissionOptions {
  clock: Clock;
  logger: Logger;
  /** HOOKLINE_MAX_CALLS: calls this node carries at once; 0 or absent = no limit but the RTP ports. */
  maxCalls?: number;
  /** Asked at each new INVITE: false refuses it (the database is away). */
  admitting?: () => boolean;
  /**
   * HOOKLINE_OVERLOAD_LATE_MS: new calls are refused while the media clock ran later than this in the last
   * second or two (`lateness`: the later of the pacer's frames and of its own timer, which also shows
   * the control work queueing while HOOKLINE_MEDIA_PRIORITY=audio keeps the frames on time): the node's
   * core is full, and one more call would make every call later still. 0 or absent: off.
   */
  overloadLateMs?: number;
  lateness?: () => number;
}

/** Retry-After (seconds) of a refusal while the database is away or the node is full. */
const RETRY_AFTER_S = 5;
/** At most one log line this often about calls refused at the limit or in overload: a busy node must not flood its log. */
const LIMIT_LOG_EVERY_MS = 10_000;

/**
 * Decides whether a new call may start, and counts the calls in progress: incoming ones from their INVITE
 * to their end, and those the Call Initiation API places from before their first leg is dialled to their
 * end (each call's own outbound legs, Find Me and transfers, are part of it and not counted). The count
 * starts at the INVITE, not when the flow sees the call, so that a burst of INVITEs arriving together
 * cannot overshoot the limit while their RTP ports and SDP are being set up.
 * A refusal is 503 with Retry-After: a proxy in front (Kamailio's dispatcher) then tries another node,
 * as FreeSWITCH's max-sessions and Asterisk's maxcalls let it.
 */
export class CallAdmission {
  private inProgress = 0;
  private refusingFor: number | undefined;
  private readonly tally = new Map<AdmissionRefusal, number>();
  /** Refusals at the limit or in overload not yet reported in the log, and when it last was, by reason. */
  private readonly unlogged = new Map<AdmissionRefusal, { count: number; at: number }>();

  constructor(private readonly o: AdmissionOptions) {}

  /** A shutdown: every new call gets 503 with this Retry-After from now on. */
  refuseNewCalls(retryAfterS: number): void {
    this.refusingFor = retryAfterS;
  }

  /** Calls admitted (incoming, and placed through the API) and not yet over. */
  get calls(): number {
    return this.inProgress;
  }

  /**
   * Answers 503 and returns undefined when the call may not start; otherwise counts it and returns the
   * function to call once it is over (calling it again does nothing).
   */
  admit(tx: InviteServerTransaction): (() => void) | undefined {
    const slot = this.acquire();
    if ('release' in slot) return slot.release;
    tx.respond(503, 'Service Unavailable', { headers: { 'Retry-After': slot.retryAfterS } });
    return undefined;
  }

  /**
   * A place for a new call of any kind (an incoming INVITE, or a call the Call Initiation API places), or
   * why there is none and when to try again. A refusal is counted and logged as an INVITE's is; a place
   * is held until `release` is called (calling it again does nothing).
   */
  acquire(): { release: () => void } | { refusal: AdmissionRefusal; retryAfterS: number } {
    const refusal = this.refusal();
    if (refusal) {
      this.tally.set(refusal, (this.tally.get(refusal) ?? 0) + 1);
      if (refusal === 'max_calls' || refusal === 'overload') this.logRefusal(refusal);
      return { refusal, retryAfterS: this.retryAfter(refusal) };
    }
    this.inProgress++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inProgress--;
      },
    };
  }

  /**
   * While a new call would be refused, the Retry-After it would get (for the answer to OPTIONS probes:
   * a dispatcher then stops sending calls here); undefined while calls are taken. Refuses nothing.
   */
  unavailableFor(): number | undefined {
    const refusal = this.refusal();
    if (!refusal) return undefined;
    return this.retryAfter(refusal);
  }

  private retryAfter(refusal: AdmissionRefusal): number {
    return refusal === 'draining' ? (this.refusingFor ?? RETRY_AFTER_S) : RETRY_AFTER_S;
  }

  /** Calls refused so far, by reason (for /metrics). */
  refusals(): Array<{ reason: AdmissionRefusal; count: number }> {
    return [...this.tally].map(([reason, count]) => ({ reason, count }));
  }

  private refusal(): AdmissionRefusal | undefined {
    if (this.refusingFor !== undefined) return 'draining';
    if (this.o.admitting && !this.o.admitting()) return 'database';
    const max = this.o.maxCalls ?? 0;
    if (max > 0 && this.inProgress >= max) return 'max_calls';
    const lateMs = this.o.overloadLateMs ?? 0;
    if (lateMs > 0 && this.o.lateness && this.o.lateness() > lateMs) return 'overload';
    return undefined;
  }

  private logRefusal(reason: 'max_calls' | 'overload'): void {
    const u = this.unlogged.get(reason) ?? { count: 0, at: -Infinity };
    this.unlogged.set(reason, u);
    u.count++;
    const now = this.o.clock.now();
    if (now - u.at < LIMIT_LOG_EVERY_MS) return;
    u.at = now;
    if (reason === 'max_calls') {
      this.o.logger.warn({ maxCalls: this.o.maxCalls, refused: u.count }, `call limit reached (HOOKLINE_MAX_CALLS=${this.o.maxCalls}): new calls are answered 503 until calls in progress end`);
    } else {
      const lateMs = Math.round(this.o.lateness?.() ?? 0);
      this.o.logger.warn({ lateMs, overloadLateMs: this.o.overloadLateMs, calls: this.inProgress, refused: u.count }, `overloaded: the media clock ran ${lateMs} ms late (HOOKLINE_OVERLOAD_LATE_MS=${this.o.overloadLateMs}); new calls are answered 503 until it is on time again`);
    }
    u.count = 0;
  }
}
