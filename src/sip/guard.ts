import type { Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { TokenBucket, type Rate } from '../lib/token-bucket.js';
import { DEFAULT_FRAMER_LIMITS } from './framing.js';
import { tagOf } from './header-values.js';
import type { SipRequest } from './message.js';
import { scannerName } from './scanners.js';
import type { RemoteInfo } from './transport.js';

/**
 * Who may use the SIP port, and how much (the operator's side of "leave it on the internet"):
 *
 * - a request from a known scanner (scanners.ts) is dropped, whoever sends it;
 * - a source outside the allow list may not start anything: its requests get `403 Forbidden` for the
 *   first few (an honest misconfiguration, a phone not yet listed, sees why it fails; the log names the
 *   setting), then nothing (a scanner learns no more than that something answered at that address);
 *   requests inside a dialog that exists still pass, since a trunk may send a BYE from another address;
 * - every source has a budget of messages (before they are even parsed) and of new dialogs (a dialog
 *   over budget gets `503` with Retry-After, the overload answer a trunk knows to retry or fail over on).
 *
 * Refusals go out statelessly (§8.2.7): no transaction, no retransmission, nothing kept per refusal.
 * Everything refused is counted by reason and by what was done (answered, dropped, closed), for
 * /metrics, and logged once per source and reason in ten minutes, so that a flood cannot flood the log.
 */

export type RefusalReason =
  | 'not_allowed'
  | 'scanner'
  | 'message_rate'
  | 'call_rate'
  | 'tcp_per_source'
  | 'tcp_total'
  | 'tcp_slow_message'
  | 'tcp_idle'
  | 'tcp_too_large';
export type RefusalAction = 'answered' | 'dropped' | 'closed';

export interface TcpLimits {
  /** Inbound connections one source address may hold. */
  perSource: number;
  /** Inbound connections in all. */
  total: number;
  /** A message must be complete this long after its first byte arrived (slow loris). */
  messageMs: number;
  /** A connection with no accepted message for this long is closed, unless a call is using it. */
  idleMs: number;
  /** Largest header block, and body, a message over TCP may have (UDP is bounded by the datagram). */
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export interface GuardLimits {
  /** SIP messages a source may send; undefined = no limit. */
  messages: Rate | undefined;
  /** New dialogs (INVITEs) a source may start; undefined = no limit. */
  calls: Rate | undefined;
  /** 403s a source outside the allow list gets before its requests are dropped. */
  refusalAnswers: Rate;
  tcp: TcpLimits;
}

/**
 * Why these numbers: the default RTP range holds 500 calls; 10 new calls a second for 50 seconds fills it
 * from one source, so a single source cannot be refused below what the server can carry anyway. A trunk's
 * busiest moment is a burst (a campaign starts, the top of the hour): 50 at once. A call costs a source
 * 3-6 messages (INVITE, ACK, BYE, its retransmissions, INFO keys), plus OPTIONS keep-alives: 200 a
 * second with 400 at once is several times what 10 calls a second need. A softphone sends a few a minute.
 */
export const DEFAULT_MESSAGE_RATE: Rate = { perSecond: 200, burst: 400 };
export const DEFAULT_CALL_RATE: Rate = { perSecond: 10, burst: 50 };
/** Three 403s, then one more every minute: enough to read in a softphone's log, too few to scan with. */
export const REFUSAL_ANSWERS: Rate = { perSecond: 1 / 60, burst: 3 };
/**
 * A NAT'd office may put 30 phones behind one address, a trunk uses one or two connections; a SIP
 * message arrives in one or a few segments, so 10 s for one is generous; RFC 5626 keep-alives come every
 * 95-120 s, so 5 minutes without a message is a dead or idle peer. 1,024 connections in all stays under
 * the usual limit of open files. Message sizes: framing.ts says why.
 */
export const DEFAULT_TCP_LIMITS: TcpLimits = { perSource: 32, total: 1024, messageMs: 10_000, idleMs: 300_000, ...DEFAULT_FRAMER_LIMITS };

export const DEFAULT_GUARD_LIMITS: GuardLimits = { messages: DEFAULT_MESSAGE_RATE, calls: DEFAULT_CALL_RATE, refusalAnswers: REFUSAL_ANSWERS, tcp: DEFAULT_TCP_LIMITS };

export interface SipGuardOptions {
  clock: Clock;
  logger?: Logger;
  /** May this address send requests that are not part of an existing dialog? */
  allowed(address: string): boolean;
  /** The setting that opens it, named in the log line about a refused source. */
  allowSetting?: string;
  limits?: Partial<Omit<GuardLimits, 'tcp'>> & { tcp?: Partial<TcpLimits> };
  /** Sources remembered at most; past it the quiet ones, then the oldest, are forgotten. */
  maxSources?: number;
}

/** What to do with a request. */
export type Verdict =
  | { kind: 'pass' }
  | { kind: 'drop' }
  | { kind: 'answer'; status: 403 | 503; headers?: Record<string, string> };

export interface RequestContext {
  /** A retransmission, or the ACK or CANCEL of a transaction we have: the transaction's business. */
  matchesTransaction: boolean;
  /** In-dialog (To tag) and the dialog exists; asked only of sources outside the allow list. */
  knownDialog: () => boolean;
}

interface Source {
  messages: TokenBucket | undefined;
  calls: TokenBucket | undefined;
  refusals: TokenBucket;
  logged: Partial<Record<RefusalReason, number>>;
}

const LOG_EVERY_MS = 10 * 60_000;
const PASS: Verdict = { kind: 'pass' };
const DROP: Verdict = { kind: 'drop' };

export class SipGuard {
  readonly limits: GuardLimits;
  private readonly logger: Logger;
  private readonly sources = new Map<string, Source>();
  private readonly counts = new Map<string, number>();
  private readonly maxSources: number;

  constructor(private readonly o: SipGuardOptions) {
    this.limits = { ...DEFAULT_GUARD_LIMITS, ...o.limits, tcp: { ...DEFAULT_TCP_LIMITS, ...o.limits?.tcp } };
    this.logger = o.logger ?? silentLogger;
    this.maxSources = o.maxSources ?? 10_000;
  }

  /** Before parsing: false drops the bytes (the source is over its message budget). */
  admitMessage(source: RemoteInfo): boolean {
    const b = this.source(source.address).messages;
    if (!b || b.take(this.o.clock.now())) return true;
    this.refused('message_rate', 'dropped', source);
    return false;
  }

  /** The verdict on a parsed request (ACK included: it is never answered, but a scanner's is dropped). */
  screen(req: SipRequest, source: RemoteInfo, ctx: RequestContext): Verdict {
    const scanner = scannerName(req);
    if (scanner !== undefined) return this.refused('scanner', 'dropped', source, { scanner });
    if (ctx.matchesTransaction || req.method === 'ACK') return PASS;
    const now = this.o.clock.now();
    const st = this.source(source.address);
    if (!this.o.allowed(source.address) && !ctx.knownDialog()) {
      const answer = st.refusals.take(now);
      this.refused('not_allowed', answer ? 'answered' : 'dropped', source, { method: req.method });
      return answer ? { kind: 'answer', status: 403 } : DROP;
    }
    if (st.calls && startsDialog(req) && !st.calls.take(now)) {
      this.refused('call_rate', 'answered', source);
      return { kind: 'answer', status: 503, headers: { 'Retry-After': String(Math.max(1, st.calls.waitSeconds(now))) } };
    }
    return PASS;
  }

  /** May this address start dialogs and send requests outside them? */
  allowed(address: string): boolean {
    return this.o.allowed(address);
  }

  /** A malformed request is answered (400 naming the problem) only to a source allowed to call. */
  mayAnswerMalformed(source: RemoteInfo): boolean {
    if (this.o.allowed(source.address)) return true;
    this.refused('not_allowed', 'dropped', source);
    return false;
  }

  /** Counts (and logs, sparingly) what a transport refused: a TCP connection closed or not taken. */
  refused(reason: RefusalReason, action: RefusalAction, source: RemoteInfo, detail: Record<string, string> = {}): Verdict {
    const key = `${reason}|${action}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const st = this.source(source.address);
    const now = this.o.clock.now();
    const last = st.logged[reason];
    if (last === undefined || now - last >= LOG_EVERY_MS) {
      st.logged[reason] = now;
      const why = reason === 'not_allowed' && this.o.allowSetting ? ` (not in ${this.o.allowSetting})` : '';
      this.logger.warn({ source: source.address, transport: source.transport, reason, action, ...detail }, `sip: ${describe(reason)} from ${source.address}${why}; more from it in the next ten minutes are counted in /metrics, not logged`);
    }
    return DROP;
  }

  /** Refusals so far, by reason and action. */
  refusals(): Array<{ reason: RefusalReason; action: RefusalAction; count: number }> {
    return [...this.counts].map(([k, count]) => {
      const [reason, action] = k.split('|') as [RefusalReason, RefusalAction];
      return { reason, action, count };
    });
  }

  /** The limits in force, by name (0 = off), for /metrics and the docs. */
  limitValues(): Record<string, number> {
    const l = this.limits;
    return {
      message_rate_per_source: l.messages?.perSecond ?? 0,
      message_burst_per_source: l.messages?.burst ?? 0,
      call_rate_per_source: l.calls?.perSecond ?? 0,
      call_burst_per_source: l.calls?.burst ?? 0,
      forbidden_answers_per_source: l.refusalAnswers.burst,
      tcp_connections_per_source: l.tcp.perSource,
      tcp_connections_total: l.tcp.total,
      tcp_message_timeout_seconds: l.tcp.messageMs / 1000,
      tcp_idle_timeout_seconds: l.tcp.idleMs / 1000,
      tcp_max_header_bytes: l.tcp.maxHeaderBytes,
      tcp_max_body_bytes: l.tcp.maxBodyBytes,
    };
  }

  /** Sources remembered now. */
  get sourceCount(): number {
    return this.sources.size;
  }

  private source(address: string): Source {
    let st = this.sources.get(address);
    if (st) return st;
    if (this.sources.size >= this.maxSources) this.forget();
    const now = this.o.clock.now();
    const l = this.limits;
    st = {
      messages: l.messages ? new TokenBucket(l.messages, now) : undefined,
      calls: l.calls ? new TokenBucket(l.calls, now) : undefined,
      refusals: new TokenBucket(l.refusalAnswers, now),
      logged: {},
    };
    this.sources.set(address, st);
    return st;
  }

  /**
   * Makes room: forgets the sources whose budgets are full again (forgetting them changes nothing), and if
   * that is not a tenth of the table, the oldest. A flood from many spoofed addresses can reset a budget
   * this way, but each of those addresses then only gets a fresh budget of its own.
   */
  private forget(): void {
    const now = this.o.clock.now();
    for (const [address, st] of this.sources) {
      if ((st.messages?.isFull(now) ?? true) && (st.calls?.isFull(now) ?? true) && st.refusals.isFull(now)) this.sources.delete(address);
    }
    const target = Math.floor(this.maxSources * 0.9);
    for (const address of this.sources.keys()) {
      if (this.sources.size <= target) break;
      this.sources.delete(address);
    }
  }
}

/** Requests that create a dialog (§12.1): they are what a call costs, so they have their own budget. */
export function startsDialog(req: SipRequest): boolean {
  return (req.method === 'INVITE' || req.method === 'SUBSCRIBE' || req.method === 'REFER') && tagOf(req.to) === undefined;
}

function describe(reason: RefusalReason): string {
  switch (reason) {
    case 'not_allowed': return 'requests refused';
    case 'scanner': return 'scanner requests dropped';
    case 'message_rate': return 'messages over the per-source rate dropped';
    case 'call_rate': return 'new calls over the per-source rate refused with 503';
    case 'tcp_per_source': return 'TCP connections over the per-source limit refused';
    case 'tcp_total': return 'TCP connections over the total limit refused';
    case 'tcp_slow_message': return 'TCP connection closed: a message took too long to arrive';
    case 'tcp_idle': return 'idle TCP connection closed';
    case 'tcp_too_large': return 'TCP connection closed: message too large';
  }
}
