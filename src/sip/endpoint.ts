import { systemClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { createCancel, newBranch, randomToken } from './builders.js';
import { SipError } from './errors.js';
import { tagOf, viaBranch, viaSentBy } from './header-values.js';
import { SipRequest, type SipMessage, type SipResponse } from './message.js';
import { Retransmitter2xx } from './retransmit-2xx.js';
import { assertWritable, serialize } from './serialize.js';
import { DEFAULT_TIMERS, type SipTimerConfig } from './timers.js';
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ClientTransaction,
  type ClientTransactionHandlers,
} from './transaction-client.js';
import { ackKey, clientTransactionKey, mergeKey, responseTransactionKey, serverTransactionKey } from './transaction-keys.js';
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
  type ServerTransaction,
  type ServerTransactionEnv,
} from './transaction-server.js';
import { createTcpTransport } from './transport-tcp.js';
import { createUdpTransport } from './transport-udp.js';
import { responseDestination, type Destination, type RemoteInfo, type Transport, type TransportProtocol } from './transport.js';
import { decorateResponse, optionsHeaders, screenRequest, type UasPolicy } from './uas-policy.js';
import { nextHop } from './routing.js';

/**
 * The transaction layer and the core around it (RFC 3261 §8, §9, §17): owns the transports, matches
 * every received message to a transaction, hands new requests to the TU, and keeps the rules a UA
 * core must keep whoever the TU is (CANCEL, merged requests, loops, Max-Forwards, Require, OPTIONS,
 * 2xx retransmission).
 */

export type { AckHandler, OutgoingRequest, RequestHandler, SipEndpointCoreOptions, SipEndpointOptions } from './endpoint-types.js';
import type { OutgoingRequest, SipEndpointCoreOptions, SipEndpointOptions } from './endpoint-types.js';
import { admitRequest } from './endpoint-guard.js';

/** Binds the transports and returns a running endpoint. */
export async function createSipEndpoint(opts: SipEndpointOptions): Promise<SipEndpoint> {
  if ((opts.host === '0.0.0.0' || opts.host === '::') && !opts.advertisedHost) {
    throw new SipError('SIP_ARGUMENT', 'advertisedHost is needed when binding a wildcard address: Via and Contact must name a reachable one');
  }
  const endpoint = new SipEndpoint(opts);
  const onMessage = (msg: SipMessage, source: RemoteInfo): void => endpoint.receive(msg, source);
  const logger = opts.logger ?? silentLogger;
  try {
    if (opts.udpPort !== undefined) {
      endpoint.addTransport(await createUdpTransport({
        host: opts.host, port: opts.udpPort, logger, onMessage, ...(opts.guard ? { guard: opts.guard } : {}),
        ...(opts.udpReceiveBuffer !== undefined ? { receiveBuffer: opts.udpReceiveBuffer } : {}),
      }));
    }
    if (opts.tcpPort !== undefined) {
      endpoint.addTransport(
        await createTcpTransport({
          host: opts.host, port: opts.tcpPort, logger, onMessage, ...(opts.clock ? { clock: opts.clock } : {}),
          ...(opts.guard ? { guard: opts.guard } : {}), ...(opts.connectionInUse ? { inUse: opts.connectionInUse } : {}),
        }),
      );
    }
  } catch (err) {
    await endpoint.close();
    throw err;
  }
  return endpoint;
}

export class SipEndpoint {
  readonly clock: Clock;
  readonly timers: SipTimerConfig;
  private readonly logger: Logger;
  private readonly random: () => string;
  private readonly policy: UasPolicy;
  private readonly transports = new Map<TransportProtocol, Transport>();
  private readonly clientTxs = new Map<string, ClientTransaction>();
  private readonly serverTxs = new Map<string, ServerTransaction>();
  /** §8.2.2.2: From tag + Call-ID + CSeq of live server transactions -> their keys. */
  private readonly mergeIndex = new Map<string, string>();
  /** §13.3.1.4: 2xx being retransmitted, by Call-ID + From tag + CSeq number of the INVITE. */
  private readonly retransmitters = new Map<string, Retransmitter2xx>();

  constructor(private readonly opts: SipEndpointCoreOptions) {
    this.clock = opts.clock ?? systemClock;
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    this.logger = opts.logger ?? silentLogger;
    this.random = opts.random ?? (() => randomToken());
    this.policy = {
      methods: new Set(opts.methods ?? ['INVITE', 'ACK', 'BYE', 'CANCEL', 'INFO']),
      supported: new Set((opts.supported ?? ['timer']).map((t) => t.toLowerCase())),
      minSE: Math.max(90, opts.minSE ?? 90),
    };
  }

  addTransport(t: Transport): void {
    this.transports.set(t.protocol, t);
  }

  transport(protocol: TransportProtocol): Transport | undefined {
    return this.transports.get(protocol);
  }

  /** Host and port that Via and Contact carry for a transport (`sent-by`). */
  sentBy(protocol: TransportProtocol): string {
    const t = this.requireTransport(protocol);
    const host = this.opts.advertisedHost ?? this.opts.host;
    return `${host.includes(':') ? `[${host}]` : host}:${t.port}`;
  }

  /** Our Contact for a transport, as a header value (§8.1.1.8). */
  contact(protocol: TransportProtocol = 'UDP'): string {
    return `<sip:${this.sentBy(protocol)}${protocol === 'TCP' ? ';transport=tcp' : ''}>`;
  }

  newTag(): string {
    return this.random();
  }

  /** Live transactions, for tests and metrics. */
  get transactionCount(): { client: number; server: number } {
    return { client: this.clientTxs.size, server: this.serverTxs.size };
  }

  /** Stops every timer and closes the transports; live transactions end without telling the TU. */
  async close(): Promise<void> {
    for (const r of this.retransmitters.values()) r.stop();
    this.retransmitters.clear();
    for (const tx of [...this.clientTxs.values(), ...this.serverTxs.values()]) tx.abandon();
    this.clientTxs.clear();
    this.serverTxs.clear();
    this.mergeIndex.clear();
    await Promise.all([...this.transports.values()].map((t) => t.close()));
  }

  /** Entry point of every parsed message from a transport. */
  receive(msg: SipMessage, source: RemoteInfo): void {
    try {
      if (msg instanceof SipRequest) this.receiveRequest(msg, source);
      else this.receiveResponse(msg);
    } catch (err) {
      this.logger.error({ err, source }, 'sip: failed to process message');
    }
  }

  // ---- client side -------------------------------------------------------------------------

  /**
   * Starts a client transaction (§17.1) for a request built by the TU (createRequest, or a dialog).
   * The endpoint adds the Via (with a fresh branch and rport, RFC 3581), and Max-Forwards, Contact and
   * User-Agent when missing. `dest` defaults to the next hop of the Route set or Request-URI (§8.1.2).
   */
  sendRequest(req: SipRequest, dest?: Destination, handlers: ClientTransactionHandlers = {}): OutgoingRequest {
    if (req.method === 'ACK') throw new SipError('SIP_ARGUMENT', 'ACK has no transaction: use sendAck');
    const to = dest ?? nextHop(req);
    const protocol = this.requireTransport(to.transport).protocol;
    req.prepend('Via', `SIP/2.0/${protocol} ${this.sentBy(protocol)};branch=${newBranch(this.random)}${protocol === 'UDP' ? ';rport' : ''}`);
    if (!req.has('Max-Forwards')) req.set('Max-Forwards', 70);
    if ((req.method === 'INVITE' || req.method === 'SUBSCRIBE' || req.method === 'REFER') && !req.has('Contact')) {
      req.set('Contact', this.contact(protocol));
    }
    if (this.opts.userAgent && !req.has('User-Agent')) req.set('User-Agent', this.opts.userAgent);
    assertWritable(req);
    if (req.method !== 'INVITE') return { request: req, destination: to, transaction: this.startClient(req, to, handlers), cancel: () => {} };

    let cancelWanted = false;
    let cancelSent = false;
    const sendCancel = (): void => {
      if (cancelSent) return;
      cancelSent = true;
      this.startClient(createCancel(req), to, {});
    };
    const invite = this.startClient(req, to, {
      ...handlers,
      onProvisional: (res) => {
        if (cancelWanted) sendCancel();
        handlers.onProvisional?.(res);
      },
    });
    return {
      request: req,
      destination: to,
      transaction: invite,
      cancel: () => {
        if (invite.state === 'Proceeding') sendCancel();
        else if (invite.state === 'Calling') cancelWanted = true; // §9.1: wait for a provisional
      },
    };
  }

  /**
   * Sends an ACK for a 2xx (§13.2.2.4): no transaction, a Via with a new branch the first time; to
   * re-ACK a retransmitted 2xx pass the same request again.
   */
  async sendAck(ack: SipRequest, dest?: Destination): Promise<void> {
    const to = dest ?? nextHop(ack);
    const protocol = this.requireTransport(to.transport).protocol;
    if (!ack.has('Via')) ack.prepend('Via', `SIP/2.0/${protocol} ${this.sentBy(protocol)};branch=${newBranch(this.random)}${protocol === 'UDP' ? ';rport' : ''}`);
    if (!ack.has('Max-Forwards')) ack.set('Max-Forwards', 70);
    await this.requireTransport(protocol).send(serialize(ack), to);
  }

  private startClient(req: SipRequest, dest: Destination, handlers: ClientTransactionHandlers): ClientTransaction {
    const transport = this.requireTransport(dest.transport);
    const key = clientTransactionKey(viaBranch(req.topVia) ?? '', req.method);
    const env = {
      clock: this.clock,
      timers: this.timers,
      reliable: transport.protocol === 'TCP',
      send: (msg: SipMessage) => this.transmit(transport, msg, dest, (err) => tx.transportError(err)),
      terminated: () => this.clientTxs.delete(key),
      logger: this.logger,
    };
    const tx: ClientTransaction =
      req.method === 'INVITE' ? new InviteClientTransaction(req, env, handlers) : new NonInviteClientTransaction(req, env, handlers);
    this.clientTxs.set(key, tx);
    tx.start();
    return tx;
  }

  private receiveResponse(res: SipResponse): void {
    // §18.1.2: a response whose top Via is not ours was misrouted; drop it.
    const sentBy = viaSentBy(res.topVia);
    if (!this.isOurSentBy(sentBy)) {
      this.logger.debug({ sentBy }, 'sip: response for another sent-by dropped');
      return;
    }
    const key = responseTransactionKey(res);
    const tx = key === undefined ? undefined : this.clientTxs.get(key);
    if (!tx) {
      this.logger.debug({ status: res.status, callId: res.callId }, 'sip: stray response dropped');
      return;
    }
    tx.receive(res);
  }

  private isOurSentBy(sentBy: string): boolean {
    for (const p of this.transports.keys()) if (this.sentBy(p).toLowerCase() === sentBy) return true;
    return false;
  }

  // ---- server side -------------------------------------------------------------------------

  private receiveRequest(req: SipRequest, source: RemoteInfo): void {
    const key = serverTransactionKey(req);
    const tx = this.serverTxs.get(key);
    if (this.opts.guard) {
      const isCancelOfOurs = req.method === 'CANCEL' && this.serverTxs.has(serverTransactionKey(req, 'INVITE'));
      const ctx = { matchesTransaction: tx !== undefined || isCancelOfOurs, knownDialog: () => tagOf(req.to) !== undefined && (this.opts.isKnownDialog?.(req) ?? false) };
      const transport = this.requireTransport(source.transport);
      const send = (res: SipResponse): void => this.transmit(transport, res, responseDestination(req, source), (err) => this.logger.debug({ err }, 'sip: refusal not sent'));
      if (!admitRequest(req, source, this.opts.guard, ctx, { send, server: this.opts.userAgent })) return;
    }
    if (req.method === 'ACK') {
      if (tx instanceof InviteServerTransaction && (tx.state === 'Completed' || tx.state === 'Confirmed')) {
        tx.receiveRequest(req); // ACK of a failure: the transaction's business (§17.2.1)
        return;
      }
      const r = this.retransmitters.get(ackKey(req));
      if (r) {
        r.stop();
        this.retransmitters.delete(ackKey(req));
      }
      this.opts.onAck?.(req, source);
      return;
    }
    if (tx) {
      tx.receiveRequest(req); // a retransmission (§17.2.3)
      return;
    }
    if (req.method === 'CANCEL') this.receiveCancel(req, source, key);
    else this.receiveNew(req, source, key);
  }

  /** §9.2: 200 to the CANCEL, 487 to the INVITE if it is still pending, and the TU told; else 481. */
  private receiveCancel(req: SipRequest, source: RemoteInfo, key: string): void {
    const invite = this.serverTxs.get(serverTransactionKey(req, 'INVITE'));
    const inviteTx = invite instanceof InviteServerTransaction ? invite : undefined;
    const tx = this.createServer(req, source, key, inviteTx?.toTag);
    if (!inviteTx) {
      tx.respond(481);
      return;
    }
    tx.respond(200);
    inviteTx.cancel(req);
  }

  private receiveNew(req: SipRequest, source: RemoteInfo, key: string): void {
    const reject = (status: number, reason?: string, headers?: Record<string, string>): void => {
      this.createServer(req, source, key).respond(status, reason, headers ? { headers } : {});
    };
    // Loop: our own request came back to us (the top Via is ours and names one of our transactions).
    const top = req.topVia;
    const branch = viaBranch(top);
    if (branch && this.isOurSentBy(viaSentBy(top)) && this.clientTxs.has(clientTransactionKey(branch, req.method))) {
      return reject(482);
    }
    // Max-Forwards 0 (§16.3 step 2): a B2BUA would forward it, so refuse; OPTIONS may still be answered.
    if (req.maxForwards === 0 && req.method !== 'OPTIONS') return reject(483);
    const rejection = screenRequest(req, this.policy);
    if (rejection) return reject(rejection.status, rejection.reason, rejection.headers);
    // §8.2.2.2: same From tag, Call-ID and CSeq as a live transaction, yet another transaction: merged.
    if (tagOf(req.to) === undefined) {
      const other = this.mergeIndex.get(mergeKey(req));
      if (other !== undefined && other !== key && this.serverTxs.has(other)) return reject(482, 'Loop Detected (merged request)');
    }
    const tx = this.createServer(req, source, key);
    if (req.method === 'OPTIONS' && !this.policy.methods.has('OPTIONS')) {
      const retryAfter = this.opts.unavailableFor?.();
      if (retryAfter !== undefined) tx.respond(503, 'Service Unavailable', { headers: { 'Retry-After': retryAfter } });
      else tx.respond(200, undefined, { headers: optionsHeaders(this.policy) });
      return;
    }
    if (tx instanceof InviteServerTransaction) tx.start();
    try {
      this.opts.onRequest(req, tx);
    } catch (err) {
      this.logger.error({ err, method: req.method }, 'sip: request handler threw');
      if (!tx.answered && !tx.terminated) tx.respond(500);
    }
  }

  private createServer(req: SipRequest, source: RemoteInfo, key: string, toTag?: string): ServerTransaction {
    const transport = this.requireTransport(source.transport);
    const dest = responseDestination(req, source);
    const mk = req.method === 'CANCEL' ? undefined : mergeKey(req);
    const env: ServerTransactionEnv = {
      clock: this.clock,
      timers: this.timers,
      reliable: transport.protocol === 'TCP',
      toTag: toTag ?? this.random(),
      logger: this.logger,
      send: (msg) => this.transmit(transport, msg, dest, (err) => tx.transportError(err)),
      terminated: () => {
        this.serverTxs.delete(key);
        if (mk !== undefined && this.mergeIndex.get(mk) === key) this.mergeIndex.delete(mk);
      },
      prepareResponse: (r, res) =>
        decorateResponse(r, res, { policy: this.policy, contact: this.contact(transport.protocol), server: this.opts.userAgent }),
      sent2xx: (res) => this.retransmit2xx(req, res, transport, dest, tx),
    };
    const tx: ServerTransaction = req.method === 'INVITE' ? new InviteServerTransaction(req, source, env) : new NonInviteServerTransaction(req, source, env);
    this.serverTxs.set(key, tx);
    if (mk !== undefined && !this.mergeIndex.has(mk)) this.mergeIndex.set(mk, key);
    return tx;
  }

  /** §13.3.1.4: the core, not the transaction, retransmits a 2xx until its ACK; no ACK means BYE. */
  private retransmit2xx(req: SipRequest, res: SipResponse, transport: Transport, dest: Destination, tx: ServerTransaction): void {
    const k = ackKey(req);
    this.retransmitters.get(k)?.stop();
    const r = new Retransmitter2xx({
      clock: this.clock,
      timers: this.timers,
      send: () => this.transmit(transport, res, dest, (err) => this.logger.warn({ err }, 'sip: 2xx retransmission failed')),
      onGiveUp: () => {
        this.retransmitters.delete(k);
        tx.fail(new SipError('SIP_TIMEOUT', 'no ACK for the 2xx within 64*T1; end the session with BYE'));
      },
    });
    this.retransmitters.set(k, r);
    r.start();
  }

  /**
   * Serializes and sends; never throws, since it runs from timers (retransmissions) too: a message that
   * cannot be written, like a send that fails, goes to `onError`.
   */
  private transmit(transport: Transport, msg: SipMessage, dest: Destination, onError: (err: unknown) => void): void {
    let data: Buffer;
    try {
      data = serialize(msg);
    } catch (err) {
      onError(err);
      return;
    }
    try {
      transport.send(data, dest).catch(onError);
    } catch (err) {
      onError(err); // a transport that throws instead of rejecting
    }
  }

  private requireTransport(protocol: TransportProtocol): Transport {
    const t = this.transports.get(protocol);
    if (!t) throw new SipError('SIP_TRANSPORT', `no ${protocol} transport`);
    return t;
  }
}
