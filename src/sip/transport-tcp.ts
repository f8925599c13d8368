import { createConnection, createServer, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../lib/logger.js';
import { SipError } from './errors.js';
import { StreamFramer } from './framing.js';
import { receiveMessage, type Destination, type MessageHandler, type RemoteInfo, type Transport } from './transport.js';

export interface TcpTransportOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  onMessage: MessageHandler;
  /** How long an outbound connect may take before the send fails (default 10 s). */
  connectTimeoutMs?: number;
}

interface Connection {
  id: number;
  socket: Socket;
  peer: string;
}

export interface TcpTransport extends Transport {
  /** Open connections, inbound and outbound. */
  readonly connectionCount: number;
}

/**
 * SIP over TCP (RFC 3261 §18): a listening server plus outbound connections for requests we send.
 * Connections are kept open and reused by peer address; responses go back over the connection the
 * request came on (§18.2.2), or, when it has gone, over a new one to the Via's address.
 */
export async function createTcpTransport(opts: TcpTransportOptions): Promise<TcpTransport> {
  const logger = opts.logger ?? silentLogger;
  const connections = new Map<number, Connection>();
  const byPeer = new Map<string, Connection>();
  const connecting = new Map<string, Promise<Connection>>();
  let nextId = 1;
  let closed = false;

  const adopt = (socket: Socket, peerAddress: string, peerPort: number): Connection => {
    const conn: Connection = { id: nextId++, socket, peer: `${peerAddress}:${peerPort}` };
    connections.set(conn.id, conn);
    byPeer.set(conn.peer, conn);
    socket.setNoDelay(true);
    const framer = new StreamFramer();
    const source: RemoteInfo = { transport: 'TCP', address: peerAddress, port: peerPort, connectionId: conn.id };
    const reply = (buf: Buffer): void => {
      if (!socket.destroyed) socket.write(buf);
    };
    let unframeable = false;
    socket.on('data', (chunk: Buffer) => {
      if (unframeable) return;
      const out = framer.push(chunk);
      for (let i = 0; i < out.pings; i++) reply(Buffer.from('\r\n')); // RFC 5626 §3.5.1 pong
      for (const frame of out.frames) {
        receiveMessage(frame, source, { datagram: false, logger, deliver: opts.onMessage, reply });
      }
      if (out.fatal) {
        logger.warn({ peer: conn.peer, problem: out.fatal }, 'sip: TCP stream unframeable, closing');
        unframeable = true;
        socket.end(); // end, not destroy: the 400 just written still goes out
        socket.setTimeout(5000, () => socket.destroy());
      }
    });
    socket.on('error', (err) => logger.debug({ err, peer: conn.peer }, 'sip: TCP connection error'));
    socket.on('close', () => {
      connections.delete(conn.id);
      if (byPeer.get(conn.peer) === conn) byPeer.delete(conn.peer);
    });
    return conn;
  };

  const server = createServer((socket) => {
    adopt(socket, normalise(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
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
        resolve(adopt(socket, dest.address, dest.port));
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
