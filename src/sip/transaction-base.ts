import type { Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { SipError } from './errors.js';
import type { SipMessage } from './message.js';
import { TimerSet, type SipTimerConfig } from './timers.js';

/**
 * What client and server transactions (RFC 3261 §17) share: a state machine whose every transition is
 * made by one function per state, the RFC's named timers bound to the states they live in, and a
 * transmit that reports failure instead of throwing.
 *
 * Why a machine of this shape: when transitions were spread over several methods, a throw half-way
 * through one (a response that could not be written) skipped stopping a timer, and the timer later
 * threw from inside setTimeout, which ended the process. Here leaving a state stops every timer that
 * state owns, whatever happens next, and nothing a transaction does on its own (timers, retransmissions)
 * can throw out of it: errors become the transaction's "transport error" input, or a log line.
 */

/** What a transaction needs from the layer below and around it. */
export interface TransactionEnv {
  clock: Clock;
  timers: SipTimerConfig;
  /** Reliable transport (TCP): no retransmissions and zero-length wait timers (§17.1.1.2, §17.2.1). */
  reliable: boolean;
  /** Hands a message to the transport. May throw; failures (now or later) come back as transport errors. */
  send(msg: SipMessage): void;
  /** Called once when the transaction reaches Terminated, so the core can forget it. */
  terminated?(): void;
  /** Where a transaction says what went wrong that nobody called it about (timers, listeners). */
  logger?: Logger;
}

export function toSipError(err: unknown, code: 'SIP_TRANSPORT' | 'SIP_STATE' = 'SIP_TRANSPORT'): SipError {
  return err instanceof SipError ? err : new SipError(code, err instanceof Error ? err.message : String(err), { cause: err });
}

/** A state machine's input: at least a kind; each transaction adds its own. */
export interface TransactionInput {
  readonly kind: string;
}

export abstract class TransactionBase<S extends string, I extends TransactionInput> {
  protected readonly timers: TimerSet;
  protected readonly log: Logger;

  protected constructor(
    public state: S,
    protected readonly env: TransactionEnv,
    /** Timers each state owns: entering a state stops every timer not listed for it. */
    private readonly stateTimers: Readonly<Record<S, readonly string[]>>,
  ) {
    this.timers = new TimerSet(env.clock);
    this.log = env.logger ?? silentLogger;
  }

  get terminated(): boolean {
    return this.state === 'Terminated';
  }

  /** The machine: one function per state, which takes every input and makes every transition from it. */
  protected abstract step(input: I): SipError | undefined;

  /** Log fields naming the transaction. */
  protected abstract describe(): Record<string, unknown>;

  /**
   * Feeds one input to the machine; returns the error to give the caller (a response the state does not
   * allow), if any. A throw from the machine itself is a bug: logged, and the transaction ends rather than
   * run on with timers in an unknown state.
   */
  protected input(i: I): SipError | undefined {
    if (this.terminated) return undefined;
    try {
      return this.step(i);
    } catch (err) {
      this.log.error({ err, ...this.describe(), input: i.kind, state: this.state }, 'sip: transaction failed; ending it');
      this.terminate();
      return toSipError(err, 'SIP_STATE');
    }
  }

  /** Starts a timer whose expiry is the input `{ kind: 'timer', name }`. */
  protected startTimer(name: string, ms: number, fire: () => I): void {
    this.timers.start(name, ms, () => void this.input(fire()));
  }

  /** Moves to `next`, stopping every timer the new state does not own. */
  protected go(next: S): void {
    this.state = next;
    const keep = this.stateTimers[next];
    for (const name of this.timerNames()) if (!keep.includes(name)) this.timers.stop(name);
  }

  private timerNames(): string[] {
    const all = new Set<string>();
    for (const names of Object.values<readonly string[]>(this.stateTimers)) for (const n of names) all.add(n);
    return [...all];
  }

  /** Hands a message to the transport; a synchronous failure is returned, never thrown. */
  protected transmit(msg: SipMessage): SipError | undefined {
    try {
      this.env.send(msg);
      return undefined;
    } catch (err) {
      return toSipError(err);
    }
  }

  /** Runs a TU callback: whatever it throws is the TU's bug, logged, and must not break the machine. */
  protected notify(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, ...this.describe(), callback: what }, 'sip: transaction user callback threw');
    }
  }

  /** Ends the transaction silently (endpoint shutdown): timers stop, nobody is told. */
  abandon(): void {
    this.state = 'Terminated' as S;
    this.timers.stopAll();
  }

  protected terminate(): void {
    if (this.terminated) return;
    this.state = 'Terminated' as S;
    this.timers.stopAll();
    this.notify('terminated', () => this.env.terminated?.());
    this.terminatedHook();
  }

  /** Tells the TU the transaction ended (each side has its own listeners). */
  protected abstract terminatedHook(): void;
}
