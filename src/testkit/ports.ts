import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port on 127.0.0.1 the OS considers free for UDP (and, with `tcp`, for TCP too). */
export async function freePort(o: { tcp?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const { port } = s.address();
    await new Promise<void>((r) => s.close(() => r()));
    if (!o.tcp || (await tcpFree(port))) return port;
  }
  throw new Error('no free port');
}

async function tcpFree(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** An even port with the next three free too: SIPp's media port (audio RTP/RTCP, and video at +2). */
export async function freeMediaPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    const even = p % 2 === 0 ? p : p + 1;
    if (even + 3 > 65535) continue;
    let ok = true;
    for (let k = 0; k < 4 && ok; k++) ok = await udpFree(even + k);
    if (ok) return even;
  }
  throw new Error('no free media port block');
}
