import type { Logger } from '../lib/logger.js';
import { createErrorResponse, randomToken } from './builders.js';
import { SipError } from './errors.js';
import { viaSentBy } from './header-values.js';
import { stripBrackets } from './uri.js';
import { SipRequest, type SipMessage } from './message.js';
import { parseMessage } from './parse.js';
import { serialize } from './serialize.js';
import { preemptionPoint } from '../lib/preempt.js';

/** What the transports share: addresses, the Transport interface, and receive-side processing (§18). */

export type TransportProtocol = 'UDP' | 'TCP';

/** Where a message came from. `connectionId` names the TCP connection, to answer on it (§18.2.2). */
export interface RemoteInfo {
  transport: TransportProtocol;
  address: string;
  port: number;
  connectionId?: number;
}

/** Where to send. For TCP an open connection to it (or `connectionId`) is reused, else one is opened. */
export interface Destination {
  transport: TransportProtocol;
  address: string;
  port: number;
  connectionId?: number;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** The bound address and port (the port is the real one when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  send(data: Buffer, dest: Destination): Promise<void>;
  close(): Promise<void>;
  /** UDP: the kernel's queue of datagrams not read yet. */
  readonly receiveQueue?: ReceiveQueue;
}

/** A datagram socket's receive queue: how big, and what arrived while it was full. */
export interface ReceiveQueue {
  /** The socket's address:port ([v6]:port), to name it. */
  readonly socket: string;
  /** SO_RCVBUF as the kernel reports it (Linux doubles what it grants, for its own bookkeeping). */
  readonly bytes: number;
  /** Datagrams the kernel dropped because the queue was full, since the socket was bound; undefined where unknown (not Linux). */
  drops(): Promise<number | undefined>;
}

export type MessageHandler = (msg: SipMessage, source: RemoteInfo) => void;

/** What a transport asks of the guard (guard.ts) about each message it receives. */
export interface InboundGuard {
  /** Before parsing: false drops the bytes (the source is over its message budget). */
  admitMessage(source: RemoteInfo): boolean;
  /** Whether a malformed request from this source is answered (400) rather than dropped. */
  mayAnswerMalformed(source: RemoteInfo): boolean;
}

export interface InboundContext {
  datagram: boolean;
  logger: Logger;
  guard?: InboundGuard | undefined;
  deliver: MessageHandler;
  /** Sends bytes back the way the message came (same socket, same connection). */
  reply(data: Buffer): void;
}

/**
 * Parses one received message and hands it on. A malformed request is answered with the status the
 * parser asks for (400, or 505 for the version) and a reason phrase naming the problem, when enough
 * parsed to build a response; otherwise it is logged and dropped (§8.2.6.1, RFC 4475 §1). Either way
 * nothing propagates: one bad peer never disturbs other calls. With a guard, a source over its message
 * budget is dropped before anything is parsed, and only sources allowed to call are told what was wrong.
 */
export function receiveMessage(data: Buffer, source: RemoteInfo, ctx: InboundContext): void {
  preemptionPoint(); // the call audio that is due goes out before this message's work (lib/preempt.ts)
  if (ctx.guard && !ctx.guard.admitMessage(source)) return;
  let msg: SipMessage;
  try {
    msg = parseMessage(data, { datagram: ctx.datagram });
  } catch (err) {
    if (!ctx.guard || ctx.guard.mayAnswerMalformed(source)) rejectMalformed(err, source, ctx);
    return;
  }
  if (msg instanceof SipRequest) {
    try {
      stampVia(msg, source);
    } catch (err) {
      ctx.logger.warn({ err, source }, 'sip: cannot stamp Via, dropping request');
      return;
    }
  }
  try {
    ctx.deliver(msg, source);
  } catch (err) {
    ctx.logger.error({ err, source }, 'sip: message handler failed');
  }
}

function rejectMalformed(err: unknown, source: RemoteInfo, ctx: InboundContext): void {
  const e = err instanceof SipError ? err : undefined;
  const status = e?.status ?? 400;
  const problem = e?.message ?? 'unparseable message';
  const res = e?.partial ? createErrorResponse(e.partial, status, `${reasonFor(status)} (${problem})`, randomToken()) : undefined;
  if (!res) {
    ctx.logger.warn({ source, problem }, 'sip: dropped malformed message');
    return;
  }
  ctx.logger.info({ source, problem, status }, 'sip: rejected malformed request');
  try {
    ctx.reply(serialize(res));
  } catch (replyErr) {
    ctx.logger.warn({ err: replyErr, source }, 'sip: could not answer malformed request');
  }
}

function reasonFor(status: number): string {
  return status === 505 ? 'Version Not Supported' : 'Bad Request';
}

/**
 * §18.2.1: add `received` when the top Via's host is not the source address; RFC 3581 §4: when the
 * top Via has an empty `rport`, fill it with the source port and add `received` even if equal.
 */
export function stampVia(req: SipRequest, source: RemoteInfo): void {
  const via = req.topVia;
  const hasRport = via.params.has('rport');
  if (hasRport && via.params.get('rport') === null) via.params.set('rport', String(source.port));
  if (hasRport || stripBrackets(via.host).toLowerCase() !== source.address.toLowerCase()) {
    via.params.set('received', source.address);
  }
  req.topVia = via;
}

/**
 * Where a response goes (§18.2.2, RFC 3581 §4): a reliable transport answers on the request's
 * connection; UDP answers to `received` (else sent-by) and to `rport` (else sent-by port, else 5060).
 */
export function responseDestination(req: SipRequest, source: RemoteInfo): Destination {
  const via = req.topVia;
  const address = stripBrackets(via.params.get('received') ?? via.host);
  if (source.transport === 'TCP') {
    // If that connection has gone, a new one goes to received and the sent-by port (§18.2.2).
    const dest: Destination = { transport: 'TCP', address, port: via.port ?? 5060 };
    if (source.connectionId !== undefined) dest.connectionId = source.connectionId;
    return dest;
  }
  const rport = via.params.get('rport');
  const port = rport ? Number(rport) : (via.port ?? 5060);
  return { transport: 'UDP', address, port };
}

/** "host:port" of a top Via for §18.1.2's check that a response is really for us. */
export function sentByOf(msg: SipMessage): string {
  return viaSentBy(msg.topVia);
}
