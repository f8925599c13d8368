/**
 * Binding the RTP/RTCP socket pair of one session on a port from the allocator, skipping ports another
 * process already holds.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { RtpError } from './errors.js';
import type { PortAllocator } from './ports.js';

export interface SocketPair {
  port: number;
  rtp: Socket;
  rtcp: Socket;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram looks up every destination before each send, IP literals included: dns.lookup validates its
 * arguments and answers on the next tick, a closure and a deferral per packet, 50 packets a second per call.
 * An IP literal needs no lookup, so it is answered at once and the packet leaves within socket.send
 * (measured with bench/instructions.ts); host names still go to dns.lookup.
 */
export function literalFirstLookup(hostname: string, options: LookupOneOptions | number | LookupCallback, callback?: LookupCallback): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const family = isIP(hostname);
  if (family !== 0) {
    cb(null, hostname, family);
    return;
  }
  const opts: LookupOneOptions = typeof options === 'number' ? { family: options } : typeof options === 'object' ? options : {};
  dnsLookup(hostname, opts, cb);
}

function bindOne(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalFirstLookup });
    const onError = (err: Error): void => {
      s.close();
      reject(err);
    };
    s.once('error', onError);
    s.bind(port, address, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

/** Closes a socket and waits for it; safe on a socket already closed. */
export function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed
    }
  });
}

/**
 * Reserves ports until both port and port + 1 bind. A port in use elsewhere (EADDRINUSE, or EACCES for a
 * privileged one) is given back and skipped; the round-robin allocator will not offer it again right away.
 */
export async function bindPair(allocator: PortAllocator, address: string): Promise<SocketPair> {
  let lastErr: unknown;
  for (let tries = 0; tries < allocator.capacity; tries++) {
    const port = allocator.reserve();
    let rtp: Socket | undefined;
    try {
      rtp = await bindOne(address, port);
      const rtcp = await bindOne(address, port + 1);
      return { port, rtp, rtcp };
    } catch (err) {
      if (rtp) await closeSocket(rtp);
      allocator.release(port);
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') {
        throw new RtpError('bind_failed', `cannot bind RTP on ${address}:${port}: ${(err as Error).message}`, { cause: err });
      }
      lastErr = err;
    }
  }
  throw new RtpError('ports_exhausted', `no free RTP port pair on ${address}`, { cause: lastErr });
}
