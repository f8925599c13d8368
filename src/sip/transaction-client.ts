import { createNon2xxAck } from './builders.js';
import { SipError } from './errors.js';
import { viaBranch } from './header-values.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { TIMER_D_MS } from './timers.js';
import { TransactionBase, toSipError, type TransactionEnv } from './transaction-base.js';

/**
 * Client transactions, RFC 3261 §17.1, as explicit state machines with the RFC's state and timer
 * names. The INVITE one has RFC 6026's Accepted state: after a 2xx it lingers 64*T1 (Timer M) so that
 * retransmitted 2xx still reach the TU, which must ACK each (§13.2.2.4), instead of looking stray.
 */

export type { TransactionEnv };

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

type ClientInput =
  | { kind: 'start' }
  | { kind: 'response'; res: SipResponse }
  | { kind: 'timer'; name: string }
  | { kind: 'transportError'; err: SipError };

abstract class ClientTransactionBase<S extends string> extends TransactionBase<S, ClientInput> {
  readonly branch: string;

  constructor(
    readonly request: SipRequest,
    env: TransactionEnv,
    protected readonly handlers: ClientTransactionHandlers,
    initial: S,
    stateTimers: Readonly<Record<S, readonly string[]>>,
  ) {
    super(initial, env, stateTimers);
    const branch = viaBranch(request.topVia);
    if (!branch) throw new SipError('SIP_ARGUMENT', 'a client transaction needs a Via branch');
    this.branch = branch;
  }

  /** Sends the request and starts the timers of the first state. */
  start(): void {
    this.input({ kind: 'start' });
  }

  receive(res: SipResponse): void {
    this.input({ kind: 'response', res });
  }

  /** §17.1.4: a transport failure is reported to the TU and ends the transaction. */
  transportError(err: unknown): void {
    this.input({ kind: 'transportError', err: toSipError(err) });
  }

  protected describe(): Record<string, unknown> {
    return { method: this.request.method, branch: this.branch };
  }

  protected terminatedHook(): void {
    this.notify('onTerminated', () => this.handlers.onTerminated?.());
  }

  /** Sends, and on failure turns the transaction down the transport-error path. */
  protected send(msg: SipMessage): void {
    const err = this.transmit(msg);
    if (err) this.transportFailed(err);
  }

  protected transportFailed(err: SipError): undefined {
    this.notify('onTransportError', () => this.handlers.onTransportError?.(err));
    this.terminate();
    return undefined;
  }

  protected timedOut(): undefined {
    this.notify('onTimeout', () => this.handlers.onTimeout?.());
    this.terminate();
    return undefined;
  }
}

/** Figure 5 of RFC 3261 (§17.1.1), with RFC 6026's Accepted state. */
export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  private intervalA = 0;
  private ack: SipRequest | undefined;

  constructor(request: SipRequest, env: TransactionEnv, handlers: ClientTransactionHandlers) {
    super(request, env, handlers, 'Calling', { Calling: ['A', 'B'], Proceeding: [], Completed: ['D'], Accepted: ['M'], Terminated: [] });
  }

  protected step(i: ClientInput): undefined {
    if (i.kind === 'transportError') return this.transportFailed(i.err);
    switch (this.state) {
      case 'Calling':
        return this.calling(i);
      case 'Proceeding':
        if (i.kind === 'response') this.finalOrProvisional(i.res);
        return undefined;
      case 'Completed':
        // A retransmitted failure means our ACK was lost: send it again (§17.1.1.2).
        if (i.kind === 'response' && i.res.status >= 300 && this.ack) this.send(this.ack);
        else if (i.kind === 'timer' && i.name === 'D') this.terminate();
        return undefined;
      case 'Accepted':
        if (i.kind === 'response' && i.res.status >= 200 && i.res.status < 300) this.notify('onFinal', () => this.handlers.onFinal?.(i.res));
        else if (i.kind === 'timer' && i.name === 'M') this.terminate();
        return undefined;
      case 'Terminated':
        return undefined;
    }
  }

  private calling(i: ClientInput): undefined {
    const { T1 } = this.env.timers;
    switch (i.kind) {
      case 'start':
        if (!this.env.reliable) {
          this.intervalA = T1;
          this.startTimer('A', T1, () => ({ kind: 'timer', name: 'A' }));
        }
        this.startTimer('B', 64 * T1, () => ({ kind: 'timer', name: 'B' }));
        this.send(this.request);
        return undefined;
      case 'timer':
        if (i.name === 'A') {
          // Retransmit the INVITE, doubling the interval each time (§17.1.1.2).
          this.intervalA *= 2;
          this.startTimer('A', this.intervalA, () => ({ kind: 'timer', name: 'A' }));
          this.send(this.request);
        } else if (i.name === 'B') {
          return this.timedOut(); // no response at all within 64*T1
        }
        return undefined;
      case 'response':
        this.finalOrProvisional(i.res);
        return undefined;
      case 'transportError':
        return this.transportFailed(i.err);
    }
  }

  /** Calling and Proceeding take responses alike. */
  private finalOrProvisional(res: SipResponse): void {
    const s = res.status;
    if (s < 200) {
      this.go('Proceeding');
      this.notify('onProvisional', () => this.handlers.onProvisional?.(res));
    } else if (s < 300) {
      this.go('Accepted');
      this.startTimer('M', 64 * this.env.timers.T1, () => ({ kind: 'timer', name: 'M' }));
      this.notify('onFinal', () => this.handlers.onFinal?.(res));
    } else {
      this.go('Completed');
      if (!this.env.reliable) this.startTimer('D', TIMER_D_MS, () => ({ kind: 'timer', name: 'D' }));
      // The transaction itself ACKs a failure (§17.1.1.3); the TU never sees that ACK.
      this.ack = createNon2xxAck(this.request, res);
      this.send(this.ack);
      if (this.terminated) return;
      this.notify('onFinal', () => this.handlers.onFinal?.(res));
      if (this.env.reliable) this.terminate();
    }
  }
}

/** Figure 6 of RFC 3261 (§17.1.2). */
export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  private intervalE = 0;

  constructor(request: SipRequest, env: TransactionEnv, handlers: ClientTransactionHandlers) {
    super(request, env, handlers, 'Trying', { Trying: ['E', 'F'], Proceeding: ['E', 'F'], Completed: ['K'], Terminated: [] });
  }

  protected step(i: ClientInput): undefined {
    if (i.kind === 'transportError') return this.transportFailed(i.err);
    const s = this.state;
    if (s === 'Terminated') return undefined;
    if (s === 'Completed') {
      // Absorbs response retransmissions until Timer K.
      if (i.kind === 'timer' && i.name === 'K') this.terminate();
      return undefined;
    }
    const { T1, T2 } = this.env.timers;
    switch (i.kind) {
      case 'start':
        if (!this.env.reliable) {
          this.intervalE = T1;
          this.startTimer('E', T1, () => ({ kind: 'timer', name: 'E' }));
        }
        this.startTimer('F', 64 * T1, () => ({ kind: 'timer', name: 'F' }));
        this.send(this.request);
        return undefined;
      case 'timer':
        if (i.name === 'E') {
          // Retransmit, doubling up to T2 while Trying, every T2 once Proceeding (§17.1.2.2).
          this.intervalE = s === 'Trying' ? Math.min(2 * this.intervalE, T2) : T2;
          this.startTimer('E', this.intervalE, () => ({ kind: 'timer', name: 'E' }));
          this.send(this.request);
        } else if (i.name === 'F') {
          return this.timedOut();
        }
        return undefined;
      case 'response': {
        const res = i.res;
        if (res.status < 200) {
          this.go('Proceeding');
          this.notify('onProvisional', () => this.handlers.onProvisional?.(res));
          return undefined;
        }
        this.go('Completed');
        // Timer K: keep absorbing response retransmissions for T4 on UDP (§17.1.2.2).
        if (!this.env.reliable) this.startTimer('K', this.env.timers.T4, () => ({ kind: 'timer', name: 'K' }));
        this.notify('onFinal', () => this.handlers.onFinal?.(res));
        if (this.env.reliable) this.terminate();
        return undefined;
      }
    }
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
