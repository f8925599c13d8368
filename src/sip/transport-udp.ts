import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../lib/logger.js';
import { SipError } from './errors.js';
import { receiveMessage, type Destination, type InboundGuard, type MessageHandler, type Transport } from './transport.js';

export interface UdpTransportOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  onMessage: MessageHandler;
  /** Per-source admission (guard.ts); without it every datagram is parsed. */
  guard?: InboundGuard;
}

/**
 * SIP over UDP (RFC 3261 §18): one datagram, one message. A missing Content-Length means the rest of
 * the datagram and trailing octets are discarded (§18.3), which parseMessage does with `datagram`.
 */
export async function createUdpTransport(opts: UdpTransportOptions): Promise<Transport> {
  const logger = opts.logger ?? silentLogger;
  const socket: Socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(new SipError('SIP_TRANSPORT', `cannot bind UDP ${opts.host}:${opts.port}`, { cause: err })));
    socket.bind(opts.port, opts.host, () => resolve());
  });
  // After binding, socket errors (ICMP unreachable on some platforms) must not crash the process.
  socket.on('error', (err) => logger.warn({ err }, 'sip: UDP socket error'));
  socket.on('message', (data, rinfo) => {
    const source = { transport: 'UDP' as const, address: rinfo.address, port: rinfo.port };
    receiveMessage(data, source, {
      datagram: true,
      logger,
      guard: opts.guard,
      deliver: opts.onMessage,
      reply: (buf) =>
        socket.send(buf, rinfo.port, rinfo.address, (err) => {
          if (err) logger.warn({ err }, 'sip: UDP reply failed');
        }),
    });
  });
  const bound = socket.address();
  let closed = false;

  return {
    protocol: 'UDP',
    address: bound.address,
    port: bound.port,
    send(data: Buffer, dest: Destination): Promise<void> {
      if (closed) return Promise.reject(new SipError('SIP_TRANSPORT', 'UDP transport is closed'));
      return new Promise((resolve, reject) => {
        socket.send(data, dest.port, dest.address, (err) => {
          if (err) reject(new SipError('SIP_TRANSPORT', `UDP send to ${dest.address}:${dest.port} failed`, { cause: err }));
          else resolve();
        });
      });
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
