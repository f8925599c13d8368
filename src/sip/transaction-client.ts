import type { Clock } from '../lib/clock.js';
import { createNon2xxAck } from './builders.js';
import { SipError } from './errors.js';
import { viaBranch } from './header-values.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { TIMER_D_MS, TimerSet, type SipTimerConfig } from './timers.js';

/**
 * Client transactions, RFC 3261 §17.1, as explicit state machines with the RFC's state and timer
 * names. The INVITE one has RFC 6026's Accepted state: after a 2xx it lingers 64*T1 (Timer M) so that
 * retransmitted 2xx still reach the TU, which must ACK each (§13.2.2.4), instead of looking stray.
 */

/** What a transaction needs from the layer below and around it. */
export interface TransactionEnv {
  clock: Clock;
  timers: SipTimerConfig;
  /** Reliable transport (TCP): no retransmissions and zero-length wait timers (§17.1.1.2, §17.2.1). */
  reliable: boolean;
  /** Hands a message to the transport. Failures come back through `transportError` (§17.1.4). */
  send(msg: SipMessage): void;
  /** Called once when the transaction reaches Terminated, so the core can forget it. */
  terminated?(): void;
}

export interface ClientTransactionHandlers {
  onProvisional?(res: SipResponse): void;
  /**
   * A final response. On an INVITE, further 2xx (retransmissions, other forks) come here again while
   * the transaction is Accepted; the TU acknowledges every one (§13.2.2.4).
   */
  onFinal?(res: SipResponse): void;
  /** Timer B or F fired before a final response: the TU treats it as a 408 (§8.1.3.1). */
  onTimeout?(): void;
  onTransportError?(err: SipError): void;
  onTerminated?(): void;
}

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';
export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

abstract class ClientTransactionBase<S extends string> {
  abstract state: S;
  readonly branch: string;
  protected readonly timers: TimerSet;

  constructor(
    readonly request: SipRequest,
    protected readonly env: TransactionEnv,
    protected readonly handlers: ClientTransactionHandlers,
  ) {
    const branch = viaBranch(request.topVia);
    if (!branch) throw new SipError('SIP_ARGUMENT', 'a client transaction needs a Via branch');
    this.branch = branch;
    this.timers = new TimerSet(env.clock);
  }

  get terminated(): boolean {
    return this.state === 'Terminated';
  }

  abstract start(): void;
  abstract receive(res: SipResponse): void;

  /** §17.1.4: a transport failure is reported to the TU and ends the transaction. */
  transportError(err: unknown): void {
    if (this.terminated) return;
    const e = err instanceof SipError ? err : new SipError('SIP_TRANSPORT', String(err), { cause: err });
    this.handlers.onTransportError?.(e);
    this.terminate();
  }

  protected transmit(msg: SipMessage): void {
    try {
      this.env.send(msg);
    } catch (err) {
      this.transportError(err);
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
    this.env.terminated?.();
    this.handlers.onTerminated?.();
  }
}

/** Figure 5 of RFC 3261 (§17.1.1), with RFC 6026's Accepted state. */
export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  state: InviteClientState = 'Calling';
  private intervalA = 0;
  private ack: SipRequest | undefined;

  start(): void {
    this.transmit(this.request);
    if (this.terminated) return;
    const { T1 } = this.env.timers;
    if (!this.env.reliable) {
      this.intervalA = T1;
      this.timers.start('A', T1, () => this.timerA());
    }
    this.timers.start('B', 64 * T1, () => this.timerB());
  }

  /** Timer A: retransmit the INVITE, doubling the interval each time (§17.1.1.2). */
  private timerA(): void {
    if (this.state !== 'Calling') return;
    this.transmit(this.request);
    this.intervalA *= 2;
    this.timers.start('A', this.intervalA, () => this.timerA());
  }

  /** Timer B: no response at all within 64*T1. */
  private timerB(): void {
    if (this.state !== 'Calling') return;
    this.handlers.onTimeout?.();
    this.terminate();
  }

  receive(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        this.timers.stop('A');
        this.timers.stop('B');
        if (s < 200) {
          this.state = 'Proceeding';
          this.handlers.onProvisional?.(res);
        } else if (s < 300) {
          this.state = 'Accepted';
          this.timers.start('M', 64 * this.env.timers.T1, () => this.terminate());
          this.handlers.onFinal?.(res);
        } else {
          this.state = 'Completed';
          // The transaction itself ACKs a failure (§17.1.1.3); the TU never sees that ACK.
          this.ack = createNon2xxAck(this.request, res);
          this.transmit(this.ack);
          this.handlers.onFinal?.(res);
          if (this.env.reliable) this.terminate();
          else this.timers.start('D', TIMER_D_MS, () => this.terminate());
        }
        break;
      case 'Completed':
        // A retransmitted failure means our ACK was lost: send it again (§17.1.1.2).
        if (s >= 300 && this.ack) this.transmit(this.ack);
        break;
      case 'Accepted':
        if (s >= 200 && s < 300) this.handlers.onFinal?.(res);
        break;
      case 'Terminated':
        break;
    }
  }
}

/** Figure 6 of RFC 3261 (§17.1.2). */
export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  state: NonInviteClientState = 'Trying';
  private intervalE = 0;

  start(): void {
    this.transmit(this.request);
    if (this.terminated) return;
    const { T1 } = this.env.timers;
    if (!this.env.reliable) {
      this.intervalE = T1;
      this.timers.start('E', T1, () => this.timerE());
    }
    this.timers.start('F', 64 * T1, () => this.timerF());
  }

  /** Timer E: retransmit, doubling up to T2 while Trying, every T2 once Proceeding (§17.1.2.2). */
  private timerE(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.transmit(this.request);
    const { T2 } = this.env.timers;
    this.intervalE = this.state === 'Trying' ? Math.min(2 * this.intervalE, T2) : T2;
    this.timers.start('E', this.intervalE, () => this.timerE());
  }

  private timerF(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.handlers.onTimeout?.();
    this.terminate();
  }

  receive(res: SipResponse): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return; // Completed absorbs retransmissions
    if (res.status < 200) {
      this.state = 'Proceeding';
      this.handlers.onProvisional?.(res);
      return;
    }
    this.state = 'Completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.handlers.onFinal?.(res);
    // Timer K: keep absorbing response retransmissions for T4 on UDP (§17.1.2.2).
    if (this.env.reliable) this.terminate();
    else this.timers.start('K', this.env.timers.T4, () => this.terminate());
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
