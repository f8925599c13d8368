import { silentLogger } from '../lib/logger.js';
import { SipError } from './errors.js';
import type { SipMessage } from './message.js';
import { parseMessage } from './parse.js';
import { receiveMessage, type Destination, type InboundGuard, type MessageHandler, type RemoteInfo, type Transport, type TransportProtocol } from './transport.js';

export interface SentMessage {
  data: Buffer;
  dest: Destination;
  /** The bytes parsed back, which also proves they were well-formed. */
  msg: SipMessage;
}

/**
 * A transport without sockets for tests (of this layer and of the ones above it): it records what
 * is sent and delivers injected text through the same receive path as UDP and TCP.
 */
export class MemoryTransport implements Transport {
  readonly sent: SentMessage[] = [];
  readonly replies: Buffer[] = [];
  /** When set, sends fail with SIP_TRANSPORT, as an unreachable peer would. */
  failSends = false;
  /** When set, injected bytes pass it first, as they would a socket transport's. */
  guard: InboundGuard | undefined;

  constructor(
    readonly protocol: TransportProtocol = 'UDP',
    readonly address = '192.0.2.1',
    readonly port = 5060,
  ) {}

  send(data: Buffer, dest: Destination): Promise<void> {
    if (this.failSends) return Promise.reject(new SipError('SIP_TRANSPORT', 'memory transport: send failed'));
    this.sent.push({ data, dest, msg: parseMessage(data, { datagram: true }) });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Receives `data` from `source` as a socket would, handing parsed messages to `deliver`. */
  inject(data: string | Buffer, source: Partial<RemoteInfo>, deliver: MessageHandler): void {
    const from: RemoteInfo = { transport: this.protocol, address: '192.0.2.9', port: 5062, ...source };
    receiveMessage(typeof data === 'string' ? Buffer.from(data) : data, from, {
      datagram: this.protocol === 'UDP',
      logger: silentLogger,
      guard: this.guard,
      deliver,
      reply: (buf) => this.replies.push(buf),
    });
  }

  /** Returns and forgets what was sent so far. */
  take(): SentMessage[] {
    return this.sent.splice(0, this.sent.length);
  }
}
