import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../lib/logger.js';
import { udpReceiveDrops } from '../lib/udp-drops.js';
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
  /** Bytes asked for the socket's receive queue (SO_RCVBUF); 0 or absent leaves the system's default. */
  receiveBuffer?: number;
}

/** What the SIP socket's receive queue asks for by default: 4 MiB (sizeReceiveQueue says why). */
export const DEFAULT_UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

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
  const receiveBuffer = sizeReceiveQueue(socket, opts.receiveBuffer ?? 0, logger);
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
    receiveQueue: {
      socket: `${isIPv6(bound.address) ? `[${bound.address}]` : bound.address}:${bound.port}`,
      bytes: receiveBuffer,
      drops: () => udpReceiveDrops(bound.address, bound.port),
    },
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

/**
 * Every SIP message of every call comes through this one socket, and the kernel drops what arrives while
 * its queue is full. Under a burst (hundreds of calls set up or ended within a second, while the loop is
 * busy) the default queue of ~200 KiB, a hundred-odd datagrams, overflowed in our benchmark: 196-540 SIP
 * messages dropped in a step of 1,000 calls, each one costing a retransmission half a second later or,
 * for a BYE, a call that the caller thinks hung up and we do not. A few MiB hold several seconds of such
 * a burst, and cost memory only while full. Linux caps SO_RCVBUF at net.core.rmem_max (208 KiB on a
 * stock system): we say so, with the fix, rather than run with less than was asked without a word.
 */
function sizeReceiveQueue(socket: Socket, asked: number, logger: Logger): number {
  if (asked > 0) {
    try {
      socket.setRecvBufferSize(asked);
    } catch (err) {
      logger.info({ err }, `sip: cannot set the UDP receive buffer to ${asked} bytes (HOOKLINE_SIP_UDP_BUFFER)`);
    }
  }
  const got = socket.getRecvBufferSize();
  // Linux reports twice what it granted (the rest pays for its bookkeeping of each datagram).
  const granted = process.platform === 'linux' ? got / 2 : got;
  if (granted < asked) {
    logger.info(
      { asked, granted },
      `sip: the UDP receive buffer is ${Math.round(granted / 1024)} KiB, not the ${Math.round(asked / 1024)} KiB asked (HOOKLINE_SIP_UDP_BUFFER): ` +
        `the kernel caps it at net.core.rmem_max; raise that (sysctl -w net.core.rmem_max=${asked}) so that a burst of SIP messages waits instead of being dropped`,
    );
  }
  return got;
}
