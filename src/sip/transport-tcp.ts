import { createConnection, createServer, type Socket } from 'node:net';
import { systemClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { SipError } from './errors.js';
import { DEFAULT_FRAMER_LIMITS, StreamFramer } from './framing.js';
import type { RefusalAction, RefusalReason, TcpLimits } from './guard.js';
import { receiveMessage, type Destination, type InboundGuard, type MessageHandler, type RemoteInfo, type Transport } from './transport.js';

/** What the TCP transport needs of the guard: admission of messages, its limits, and a tally of refusals. */
export interface TcpGuard extends InboundGuard {
  readonly limits: { tcp: TcpLimits };
  /** May this address start dialogs? Connections of other sources get the short idle time. */
  allowed(address: string): boolean;
  refused(reason: RefusalReason, action: RefusalAction, source: RemoteInfo): unknown;
}

export interface TcpTransportOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  onMessage: MessageHandler;
  /** How long an outbound connect may take before the send fails (default 10 s). */
  connectTimeoutMs?: number;
  /** Connection, size and time limits on inbound connections (guard.ts); without it, only the framer's sizes. */
  guard?: TcpGuard;
  /** Whether a call still uses an inbound connection (its BYE would go over it): then it is never idle. */
  inUse?: (connectionId: number) => boolean;
  clock?: Clock;
}

interface Connection {
  id: number;
  socket: Socket;
  peer: string;
  address: string;
  inbound: boolean;
}

export interface TcpTransport extends Transport {
  /** Open connections, inbound and outbound. */
  readonly connectionCount: number;
}

/**
 * SIP over TCP (RFC 3261 §18): a listening server plus outbound connections for requests we send.
 * Connections are kept open and reused by peer address; responses go back over the connection the
 * request came on (§18.2.2), or, when it has gone, over a new one to the Via's address.
 *
 * With a guard, inbound connections are held to its limits: so many per source and in all (one over is
 * closed at once), a message must be whole within `messageMs` of the last one that was (a peer that
 * trickles bytes to hold a connection, "slow loris", is closed), and a connection without a message for
 * `idleMs` is closed unless a call uses it. A source that may not call gets `messageMs` as its idle
 * time: it has nothing to wait for. Connections we opened (to the trunk) are ours and kept.
 */
export async function createTcpTransport(opts: TcpTransportOptions): Promise<TcpTransport> {
  const logger = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  const guard = opts.guard;
  const limits = guard?.limits.tcp;
  const connections = new Map<number, Connection>();
  /** Inbound connections by source address, and in all. */
  const perSource = new Map<string, number>();
  let inboundCount = 0;
  const byPeer = new Map<string, Connection>();
  const connecting = new Map<string, Promise<Connection>>();
  let nextId = 1;
  let closed = false;

  const adopt = (socket: Socket, peerAddress: string, peerPort: number, inbound: boolean): Connection => {
    const conn: Connection = { id: nextId++, socket, peer: `${peerAddress}:${peerPort}`, address: peerAddress, inbound };
    connections.set(conn.id, conn);
    byPeer.set(conn.peer, conn);
    socket.setNoDelay(true);
    const framer = new StreamFramer(limits ?? DEFAULT_FRAMER_LIMITS);
    const source: RemoteInfo = { transport: 'TCP', address: peerAddress, port: peerPort, connectionId: conn.id };
    const reply = (buf: Buffer): void => {
      if (!socket.destroyed) socket.write(buf);
    };
    const close = (reason: RefusalReason): void => {
      if (socket.destroyed) return;
      guard?.refused(reason, 'closed', source);
      socket.destroy();
    };
    // Slow loris: a message started must be whole within messageMs of the last one that was.
    let stopSlow: (() => void) | undefined;
    // Idle: checked when the timer fires, so that a busy connection does not re-arm a timer per message.
    let lastMessage = clock.now();
    let stopIdle: (() => void) | undefined;
    const idleMs = (): number => (limits ? (guard?.allowed(peerAddress) ? limits.idleMs : limits.messageMs) : 0);
    const armIdle = (ms: number): void => {
      stopIdle = clock.setTimer(ms, () => {
        const left = lastMessage + idleMs() - clock.now();
        if (left > 0) armIdle(left);
        else if (opts.inUse?.(conn.id)) armIdle(idleMs());
        else close('tcp_idle');
      });
    };
    if (inbound && limits) armIdle(idleMs());
    let unframeable = false;
    socket.on('data', (chunk: Buffer) => {
      if (unframeable) return;
      const out = framer.push(chunk);
      // RFC 5626 §3.5.1 pong; a ping costs a message of the source's budget like any other.
      for (let i = 0; i < out.pings; i++) if (!guard || guard.admitMessage(source)) reply(Buffer.from('\r\n'));
      for (const frame of out.frames) {
        receiveMessage(frame, source, { datagram: false, logger, guard, deliver: opts.onMessage, reply });
      }
      if (out.frames.length) {
        // A source that may not call keeps nothing alive by talking: its connection lives messageMs.
        if (!guard || guard.allowed(peerAddress)) lastMessage = clock.now();
        stopSlow?.();
        stopSlow = undefined;
      }
      if (out.fatal) {
        logger.warn({ peer: conn.peer, problem: out.fatal }, 'sip: TCP stream unframeable, closing');
        if (/too large/.test(out.fatal)) guard?.refused('tcp_too_large', 'closed', source);
        unframeable = true;
        socket.end(); // end, not destroy: the 400 just written still goes out
        socket.setTimeout(5000, () => socket.destroy());
        return;
      }
      if (limits && framer.pending > 0 && !stopSlow) stopSlow = clock.setTimer(limits.messageMs, () => close('tcp_slow_message'));
    });
    socket.on('error', (err) => logger.debug({ err, peer: conn.peer }, 'sip: TCP connection error'));
    socket.on('close', () => {
      stopSlow?.();
      stopIdle?.();
      connections.delete(conn.id);
      if (byPeer.get(conn.peer) === conn) byPeer.delete(conn.peer);
      if (inbound) {
        inboundCount--;
        const n = (perSource.get(peerAddress) ?? 1) - 1;
        if (n > 0) perSource.set(peerAddress, n);
        else perSource.delete(peerAddress);
      }
    });
    return conn;
  };

  /** Whether a new inbound connection is over a limit (then it is closed at once, before any byte is read). */
  const overLimit = (address: string): RefusalReason | undefined => {
    if (!limits) return undefined;
    if (inboundCount >= limits.total) return 'tcp_total';
    if ((perSource.get(address) ?? 0) >= limits.perSource) return 'tcp_per_source';
    return undefined;
  };

  const server = createServer((socket) => {
    const address = normalise(socket.remoteAddress ?? '');
    const over = overLimit(address);
    if (over) {
      socket.on('error', () => undefined);
      socket.destroy();
      guard?.refused(over, 'closed', { transport: 'TCP', address, port: socket.remotePort ?? 0 });
      return;
    }
    inboundCount++;
    perSource.set(address, (perSource.get(address) ?? 0) + 1);
    adopt(socket, address, socket.remotePort ?? 0, true);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new SipError('SIP_TRANSPORT', `cannot listen on TCP ${opts.host}:${opts.port}`, { cause: err })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.on('error', (err) => logger.warn({ err }, 'sip: TCP server error'));
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new SipError('SIP_TRANSPORT', 'TCP server has no address');

  const connect = (dest: Destination): Promise<Connection> => {
    const peer = `${dest.address}:${dest.port}`;
    const pending = connecting.get(peer);
    if (pending) return pending;
    const attempt = new Promise<Connection>((resolve, reject) => {
      const socket = createConnection({ host: dest.address, port: dest.port });
      socket.setTimeout(opts.connectTimeoutMs ?? 10_000, () => socket.destroy(new Error('connect timeout')));
      socket.once('connect', () => {
        socket.setTimeout(0);
        resolve(adopt(socket, dest.address, dest.port, false));
      });
      socket.once('error', (err) => reject(new SipError('SIP_TRANSPORT', `TCP connect to ${peer} failed`, { cause: err })));
    }).finally(() => connecting.delete(peer));
    connecting.set(peer, attempt);
    return attempt;
  };

  return {
    protocol: 'TCP',
    address: bound.address,
    port: bound.port,
    get connectionCount() {
      return connections.size;
    },
    async send(data: Buffer, dest: Destination): Promise<void> {
      if (closed) throw new SipError('SIP_TRANSPORT', 'TCP transport is closed');
      const byId = dest.connectionId !== undefined ? connections.get(dest.connectionId) : undefined;
      const conn = byId ?? byPeer.get(`${dest.address}:${dest.port}`) ?? (await connect(dest));
      await new Promise<void>((resolve, reject) => {
        conn.socket.write(data, (err) => {
          if (err) reject(new SipError('SIP_TRANSPORT', `TCP send to ${conn.peer} failed`, { cause: err }));
          else resolve();
        });
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const c of connections.values()) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** "::ffff:127.0.0.1" is how a dual-stack socket shows an IPv4 peer. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
