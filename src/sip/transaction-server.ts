import { createResponse, type ResponseOptions } from './builders.js';
import { SipError } from './errors.js';
import type { SipRequest, SipResponse } from './message.js';
import { assertWritable } from './serialize.js';
import { TRYING_DELAY_MS } from './timers.js';
import { TransactionBase, toSipError, type TransactionEnv } from './transaction-base.js';
import type { RemoteInfo } from './transport.js';

/**
 * Server transactions, RFC 3261 §17.2, as explicit state machines (Figures 7 and 8, the RFC's state
 * and timer names). The INVITE one has RFC 6026's Accepted state: after a 2xx it absorbs INVITE
 * retransmissions for 64*T1 (Timer L) instead of vanishing, so that a retransmitted INVITE is not taken
 * for a new call. The 2xx itself is retransmitted by the UAS core (§13.3.1.4; see retransmit-2xx.ts).
 *
 * Responding never throws: a response that cannot be written is logged, and a final one is replaced by
 * a plain 500 built from the request alone, so that the request still gets its final answer; a response
 * the state does not allow (a second final one) is logged and refused. `respond` returns what went out.
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

/** What drives a server transaction: the TU, the transport, the network, and its own timers. */
type ServerInput =
  | { kind: 'respond'; res: SipResponse }
  | { kind: 'request' } // a retransmission of the request
  | { kind: 'ack' }
  | { kind: 'timer'; name: string }
  | { kind: 'transportError'; err: SipError };

type Listener<T> = (arg: T) => void;

abstract class ServerTransactionBase<S extends string> extends TransactionBase<S, ServerInput> {
  /** The last provisional and the final response, resent on request retransmissions. */
  protected provisional: SipResponse | undefined;
  protected final: SipResponse | undefined;
  private readonly terminatedListeners: Array<Listener<void>> = [];
  private readonly failureListeners: Array<Listener<SipError>> = [];

  constructor(
    readonly request: SipRequest,
    readonly source: RemoteInfo,
    protected override readonly env: ServerTransactionEnv,
    initial: S,
    stateTimers: Readonly<Record<S, readonly string[]>>,
  ) {
    super(initial, env, stateTimers);
  }

  get toTag(): string {
    return this.env.toTag;
  }

  /** Whether a final response went out: a TU that is late (say after CANCEL) must not answer again. */
  get answered(): boolean {
    return this.final !== undefined;
  }

  get finalResponse(): SipResponse | undefined {
    return this.final;
  }

  protected describe(): Record<string, unknown> {
    return { method: this.request.method, callId: this.request.get('Call-ID') };
  }

  /**
   * Builds a response from the request (§8.2.6.2) with this transaction's To tag, and sends it. Returns
   * the response that went out (a 500 in place of a final one that could not be written), or undefined
   * when nothing did; the reason is logged either way.
   */
  respond(status: number, reason?: string, opts: Omit<ResponseOptions, 'toTag'> = {}): SipResponse | undefined {
    let res: SipResponse;
    try {
      res = this.build(status, reason, opts);
    } catch (err) {
      return this.unwritable(status, toSipError(err, 'SIP_STATE'));
    }
    return this.sendResponse(res);
  }

  /** Sends a response built elsewhere (the core's 2xx retransmissions); see `respond` for the result. */
  sendResponse(res: SipResponse): SipResponse | undefined {
    try {
      assertWritable(res);
    } catch (err) {
      return this.unwritable(res.status, toSipError(err, 'SIP_STATE'));
    }
    const refused = this.input({ kind: 'respond', res });
    if (refused) {
      this.log.warn({ err: refused, ...this.describe(), status: res.status }, 'sip: response refused by the transaction');
      return undefined;
    }
    return res;
  }

  private build(status: number, reason: string | undefined, opts: Omit<ResponseOptions, 'toTag'>): SipResponse {
    const res = createResponse(this.request, status, reason, { ...opts, toTag: this.env.toTag });
    this.env.prepareResponse?.(this.request, res);
    return res;
  }

  /** The TU's response cannot be written: skip a provisional, replace a final one by a bare 500. */
  private unwritable(status: number, err: SipError): SipResponse | undefined {
    this.log.warn({ err, ...this.describe(), status }, 'sip: response cannot be written');
    if (status < 200 || this.answered || this.terminated) return undefined;
    let fallback: SipResponse;
    try {
      fallback = this.build(500, undefined, {});
      assertWritable(fallback);
    } catch (err2) {
      // Only a request we built ourselves can get here (the parser refuses what cannot be copied).
      this.log.error({ err: err2, ...this.describe() }, 'sip: no response can be written for this request; dropping it');
      this.fail(toSipError(err2, 'SIP_STATE'));
      this.terminate();
      return undefined;
    }
    return this.input({ kind: 'respond', res: fallback }) ? undefined : fallback;
  }

  /** A retransmission of the request (or, for INVITE, an ACK) matched this transaction. */
  receiveRequest(req: SipRequest): void {
    this.input(req.method === 'ACK' ? { kind: 'ack' } : { kind: 'request' });
  }

  onTerminated(listener: Listener<void>): void {
    this.terminatedListeners.push(listener);
  }

  /** The transport failed, or (INVITE) the ACK never came: Timer H, or the 2xx retransmitter gave up. */
  onFailure(listener: Listener<SipError>): void {
    this.failureListeners.push(listener);
  }

  /** §17.2.4: a transport failure is a transaction failure. */
  transportError(err: unknown): void {
    this.input({ kind: 'transportError', err: toSipError(err) });
  }

  /** Reports a failure to whoever listens (the core also calls it when a 2xx is never ACKed). */
  fail(err: SipError): void {
    for (const l of this.failureListeners) this.notify('failure', () => l(err));
  }

  protected terminatedHook(): void {
    for (const l of this.terminatedListeners) this.notify('terminated', () => l());
  }

  /** Sends, and on failure turns the transaction down the transport-error path (§17.2.4). */
  protected send(res: SipResponse): void {
    const err = this.transmit(res);
    if (err) this.transportFailed(err);
  }

  protected transportFailed(err: SipError): undefined {
    this.fail(err);
    this.terminate();
    return undefined;
  }

  protected stateError(res: SipResponse): SipError {
    return new SipError('SIP_STATE', `cannot send ${res.status} in state ${this.state} of ${this.request.method} transaction`);
  }
}

/** Figure 7 of RFC 3261 (§17.2.1), with RFC 6026's Accepted state. */
export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  private intervalG = 0;
  private readonly cancelListeners: Array<Listener<SipRequest>> = [];
  private cancelRequest: SipRequest | undefined;

  constructor(request: SipRequest, source: RemoteInfo, env: ServerTransactionEnv) {
    super(request, source, env, 'Proceeding', {
      Proceeding: ['Trying'],
      Completed: ['G', 'H'],
      Confirmed: ['I'],
      Accepted: ['L'],
      Terminated: [],
    });
  }

  /** Starts the 200 ms wait after which the transaction says 100 Trying on the TU's behalf (§17.2.1). */
  start(): void {
    if (this.state === 'Proceeding') this.startTimer('Trying', TRYING_DELAY_MS, () => ({ kind: 'timer', name: 'Trying' }));
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
    for (const l of this.cancelListeners) this.notify('cancel', () => l(req));
    return true;
  }

  protected step(i: ServerInput): SipError | undefined {
    switch (this.state) {
      case 'Proceeding':
        return this.proceeding(i);
      case 'Completed':
        return this.completed(i);
      case 'Confirmed':
        // Absorbs ACK retransmissions until Timer I (§17.2.1).
        if (i.kind === 'respond') return this.stateError(i.res);
        if (i.kind === 'timer' && i.name === 'I') this.terminate();
        return undefined;
      case 'Accepted':
        return this.accepted(i);
      case 'Terminated':
        return i.kind === 'respond' ? this.stateError(i.res) : undefined;
    }
  }

  private proceeding(i: ServerInput): SipError | undefined {
    switch (i.kind) {
      case 'request': // a retransmitted INVITE: repeat what we last said
        if (this.provisional) this.send(this.provisional);
        return undefined;
      case 'ack':
        return undefined;
      case 'timer':
        if (i.name === 'Trying' && !this.provisional) this.respond(100);
        return undefined;
      case 'transportError':
        return this.transportFailed(i.err);
      case 'respond':
        break;
    }
    const res = i.res;
    const { T1 } = this.env.timers;
    if (res.status < 200) {
      this.provisional = res;
      this.timers.stop('Trying');
      this.send(res);
    } else if (res.status < 300) {
      this.final = res;
      this.go('Accepted');
      this.startTimer('L', 64 * T1, () => ({ kind: 'timer', name: 'L' }));
      this.send(res);
      if (!this.terminated) this.notify('sent2xx', () => this.env.sent2xx?.(res));
    } else {
      this.final = res;
      this.go('Completed');
      if (!this.env.reliable) {
        this.intervalG = T1;
        this.startTimer('G', T1, () => ({ kind: 'timer', name: 'G' }));
      }
      this.startTimer('H', 64 * T1, () => ({ kind: 'timer', name: 'H' }));
      this.send(res);
    }
    return undefined;
  }

  private completed(i: ServerInput): SipError | undefined {
    switch (i.kind) {
      case 'respond':
        return this.stateError(i.res);
      case 'request':
        if (this.final) this.send(this.final);
        return undefined;
      case 'ack':
        this.go('Confirmed');
        // Timer I: absorb further ACKs for T4 on UDP, none on reliable transports.
        if (this.env.reliable) this.terminate();
        else this.startTimer('I', this.env.timers.T4, () => ({ kind: 'timer', name: 'I' }));
        return undefined;
      case 'timer':
        if (i.name === 'G' && this.final) {
          // Retransmit the failure response, doubling up to T2.
          this.intervalG = Math.min(2 * this.intervalG, this.env.timers.T2);
          this.startTimer('G', this.intervalG, () => ({ kind: 'timer', name: 'G' }));
          this.send(this.final);
        } else if (i.name === 'H') {
          // The ACK never came: a transaction failure for the TU.
          return this.transportFailed(new SipError('SIP_TIMEOUT', 'no ACK for the final response (Timer H)'));
        }
        return undefined;
      case 'transportError':
        return this.transportFailed(i.err);
    }
  }

  private accepted(i: ServerInput): SipError | undefined {
    switch (i.kind) {
      case 'respond':
        // A 2xx retransmission from the core (RFC 6026 §8.5); nothing else may follow a 2xx.
        if (i.res.status < 200 || i.res.status >= 300) return this.stateError(i.res);
        this.send(i.res);
        return undefined;
      case 'timer':
        if (i.name === 'L') this.terminate();
        return undefined;
      case 'transportError':
        return this.transportFailed(i.err);
      case 'request': // INVITE retransmissions are absorbed: the core's 2xx retransmissions answer them
      case 'ack':
        return undefined;
    }
  }
}

/** Figure 8 of RFC 3261 (§17.2.2). */
export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  constructor(request: SipRequest, source: RemoteInfo, env: ServerTransactionEnv) {
    super(request, source, env, 'Trying', { Trying: [], Proceeding: [], Completed: ['J'], Terminated: [] });
  }

  protected step(i: ServerInput): SipError | undefined {
    const s = this.state;
    if (i.kind === 'transportError') return s === 'Terminated' ? undefined : this.transportFailed(i.err);
    if (s === 'Terminated') return i.kind === 'respond' ? this.stateError(i.res) : undefined;
    if (i.kind === 'timer') {
      if (s === 'Completed' && i.name === 'J') this.terminate();
      return undefined;
    }
    if (i.kind !== 'respond') {
      // Trying absorbs; Proceeding and Completed repeat the last response (§17.2.2).
      const last = s === 'Proceeding' ? this.provisional : s === 'Completed' ? this.final : undefined;
      if (last) this.send(last);
      return undefined;
    }
    if (s === 'Completed') return this.stateError(i.res);
    if (i.res.status < 200) {
      this.provisional = i.res;
      this.go('Proceeding');
      this.send(i.res);
      return undefined;
    }
    this.final = i.res;
    this.go('Completed');
    // Timer J: absorb request retransmissions for 64*T1 on UDP (§17.2.2).
    if (!this.env.reliable) this.startTimer('J', 64 * this.env.timers.T1, () => ({ kind: 'timer', name: 'J' }));
    this.send(i.res);
    if (this.env.reliable) this.terminate();
    return undefined;
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
