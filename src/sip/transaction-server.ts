import { createResponse, type ResponseOptions } from './builders.js';
import { SipError } from './errors.js';
import type { SipRequest, SipResponse } from './message.js';
import { assertWritable } from './serialize.js';
import { TimerSet, TRYING_DELAY_MS } from './timers.js';
import type { TransactionEnv } from './transaction-client.js';
import type { RemoteInfo } from './transport.js';

/**
 * Server transactions, RFC 3261 §17.2, as explicit state machines. The INVITE one has RFC 6026's
 * Accepted state: after a 2xx it absorbs INVITE retransmissions for 64*T1 (Timer L) instead of
 * vanishing, so that a retransmitted INVITE is not taken for a new call. The 2xx itself is
 * retransmitted by the UAS core (§13.3.1.4; see retransmit-2xx.ts), not by the transaction.
 */

export interface ServerTransactionEnv extends TransactionEnv {
  /** The To tag every response of this transaction carries (§8.2.6.2, §12.1.1). */
  toTag: string;
  /** Lets the core add what every response needs (Contact, Server, Session-Expires...). */
  prepareResponse?(req: SipRequest, res: SipResponse): void;
  /** An INVITE transaction passed a 2xx down: the core starts retransmitting it until the ACK. */
  sent2xx?(res: SipResponse): void;
}

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';
export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

type Listener<T> = (arg: T) => void;

abstract class ServerTransactionBase<S extends string> {
  abstract state: S;
  /** The last provisional and the final response, resent on request retransmissions. */
  protected provisional: SipResponse | undefined;
  protected final: SipResponse | undefined;
  protected readonly timers: TimerSet;
  private readonly terminatedListeners: Array<Listener<void>> = [];
  protected readonly failureListeners: Array<Listener<SipError>> = [];

  constructor(
    readonly request: SipRequest,
    readonly source: RemoteInfo,
    protected readonly env: ServerTransactionEnv,
  ) {
    this.timers = new TimerSet(env.clock);
  }

  get toTag(): string {
    return this.env.toTag;
  }

  get terminated(): boolean {
    return this.state === 'Terminated';
  }

  /** Whether a final response went out: a TU that is late (say after CANCEL) must not answer again. */
  get answered(): boolean {
    return this.final !== undefined;
  }

  get finalResponse(): SipResponse | undefined {
    return this.final;
  }

  /** Builds a response from the request (§8.2.6.2) with this transaction's To tag, and sends it. */
  respond(status: number, reason?: string, opts: Omit<ResponseOptions, 'toTag'> = {}): SipResponse {
    const res = createResponse(this.request, status, reason, { ...opts, toTag: this.env.toTag });
    this.env.prepareResponse?.(this.request, res);
    this.sendResponse(res);
    return res;
  }

  abstract sendResponse(res: SipResponse): void;

  /** A retransmission of the request (or, for INVITE, an ACK) matched this transaction. */
  abstract receiveRequest(req: SipRequest): void;

  onTerminated(listener: Listener<void>): void {
    this.terminatedListeners.push(listener);
  }

  /** The transport failed, or (INVITE) the ACK never came: Timer H, or the 2xx retransmitter gave up. */
  onFailure(listener: Listener<SipError>): void {
    this.failureListeners.push(listener);
  }

  /** §17.2.4: a transport failure is a transaction failure. */
  transportError(err: unknown): void {
    if (this.terminated) return;
    this.fail(err instanceof SipError ? err : new SipError('SIP_TRANSPORT', String(err), { cause: err }));
    this.terminate();
  }

  /** Reports a failure to whoever listens (the core also calls it when a 2xx is never ACKed). */
  fail(err: SipError): void {
    for (const l of this.failureListeners) l(err);
  }

  protected transmit(res: SipResponse): void {
    try {
      this.env.send(res);
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
    for (const l of this.terminatedListeners) l();
  }

  protected stateError(res: SipResponse): SipError {
    return new SipError('SIP_STATE', `cannot send ${res.status} in state ${this.state} of ${this.request.method} transaction`);
  }
}

/** Figure 7 of RFC 3261 (§17.2.1), with RFC 6026's Accepted state. */
export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  state: InviteServerState = 'Proceeding';
  private intervalG = 0;
  private readonly cancelListeners: Array<Listener<SipRequest>> = [];
  private cancelRequest: SipRequest | undefined;

  /** Starts the 200 ms wait after which the transaction says 100 Trying on the TU's behalf (§17.2.1). */
  start(): void {
    this.timers.start('Trying', TRYING_DELAY_MS, () => {
      if (this.state === 'Proceeding' && !this.provisional) this.respond(100);
    });
  }

  get cancelled(): boolean {
    return this.cancelRequest !== undefined;
  }

  /** The INVITE was CANCELled (§9.2): the core has already answered 487; the TU stops its work. */
  onCancel(listener: Listener<SipRequest>): void {
    this.cancelListeners.push(listener);
    if (this.cancelRequest) listener(this.cancelRequest);
  }

  /** Called by the core for a CANCEL matching this INVITE (§9.2). Returns whether it still could act. */
  cancel(req: SipRequest): boolean {
    if (this.state !== 'Proceeding' || this.cancelRequest) return false;
    this.cancelRequest = req;
    this.respond(487);
    for (const l of this.cancelListeners) l(req);
    return true;
  }

  sendResponse(res: SipResponse): void {
    assertWritable(res);
    const s = res.status;
    if (this.state === 'Accepted' && s >= 200 && s < 300) {
      this.transmit(res); // a 2xx retransmission from the TU (RFC 6026 §8.5)
      return;
    }
    if (this.state !== 'Proceeding') throw this.stateError(res);
    this.timers.stop('Trying');
    if (s < 200) {
      this.provisional = res;
      this.transmit(res);
      return;
    }
    this.final = res;
    const { T1 } = this.env.timers;
    if (s < 300) {
      this.state = 'Accepted';
      this.transmit(res);
      this.timers.start('L', 64 * T1, () => this.terminate());
      if (!this.terminated) this.env.sent2xx?.(res);
      return;
    }
    this.state = 'Completed';
    this.transmit(res);
    if (this.terminated) return;
    if (!this.env.reliable) {
      this.intervalG = T1;
      this.timers.start('G', T1, () => this.timerG());
    }
    this.timers.start('H', 64 * T1, () => this.timerH());
  }

  /** Timer G: retransmit the failure response, doubling up to T2 (§17.2.1). */
  private timerG(): void {
    if (this.state !== 'Completed' || !this.final) return;
    this.transmit(this.final);
    this.intervalG = Math.min(2 * this.intervalG, this.env.timers.T2);
    this.timers.start('G', this.intervalG, () => this.timerG());
  }

  /** Timer H: the ACK never came; a transaction failure for the TU (§17.2.1). */
  private timerH(): void {
    if (this.state !== 'Completed') return;
    this.fail(new SipError('SIP_TIMEOUT', 'no ACK for the final response (Timer H)'));
    this.terminate();
  }

  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state !== 'Completed') return; // Confirmed absorbs ACK retransmissions
      this.state = 'Confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      // Timer I: absorb further ACKs for T4 on UDP, none on reliable transports.
      if (this.env.reliable) this.terminate();
      else this.timers.start('I', this.env.timers.T4, () => this.terminate());
      return;
    }
    // A retransmitted INVITE: repeat what we last said (§17.2.1); absorb it once Accepted.
    if (this.state === 'Proceeding' && this.provisional) this.transmit(this.provisional);
    else if (this.state === 'Completed' && this.final) this.transmit(this.final);
  }
}

/** Figure 8 of RFC 3261 (§17.2.2). */
export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  state: NonInviteServerState = 'Trying';

  sendResponse(res: SipResponse): void {
    assertWritable(res);
    if (this.state !== 'Trying' && this.state !== 'Proceeding') throw this.stateError(res);
    if (res.status < 200) {
      this.state = 'Proceeding';
      this.provisional = res;
      this.transmit(res);
      return;
    }
    this.state = 'Completed';
    this.final = res;
    this.transmit(res);
    if (this.terminated) return;
    // Timer J: absorb request retransmissions for 64*T1 on UDP (§17.2.2).
    if (this.env.reliable) this.terminate();
    else this.timers.start('J', 64 * this.env.timers.T1, () => this.terminate());
  }

  receiveRequest(_req: SipRequest): void {
    // Trying absorbs; Proceeding and Completed repeat the last response (§17.2.2).
    if (this.state === 'Proceeding' && this.provisional) this.transmit(this.provisional);
    else if (this.state === 'Completed' && this.final) this.transmit(this.final);
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
