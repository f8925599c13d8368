import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../lib/clock.js';
import { networkList } from '../lib/networks.js';
import { SipGuard, type TcpLimits } from './guard.js';
import type { SipMessage } from './message.js';
import { createTcpTransport, type TcpTransport } from './transport-tcp.js';

/**
 * The TCP transport's limits against real sockets on loopback (127.0.0.1 is allowed, 127.0.0.2 is a
 * stranger): connections per source and in all, slow messages, idle connections, oversized messages.
 */

const transports: TcpTransport[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

const TIGHT: TcpLimits = { perSource: 2, total: 3, messageMs: 300, idleMs: 600, maxHeaderBytes: 16 * 1024, maxBodyBytes: 64 * 1024 };

async function setup(o: { tcp?: Partial<TcpLimits>; inUse?: (id: number) => boolean } = {}) {
  const allow = networkList(['127.0.0.1']);
  const guard = new SipGuard({ clock: systemClock, allowed: (a) => allow.has(a), limits: { tcp: { ...TIGHT, ...o.tcp } } });
  const received: SipMessage[] = [];
  const t = await createTcpTransport({ host: '127.0.0.1', port: 0, onMessage: (m) => received.push(m), guard, ...(o.inUse ? { inUse: o.inUse } : {}) });
  transports.push(t);
  const counts = (): Record<string, number> => Object.fromEntries(guard.refusals().map((r) => [`${r.reason}/${r.action}`, r.count]));
  return { t, guard, received, counts };
}

/** A client connection that records when the server closed it. */
async function client(port: number, from = '127.0.0.1'): Promise<{ s: Socket; closedAt: Promise<number> }> {
  const s = connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.push(s);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  const closedAt = new Promise<number>((r) => s.once('close', () => r(Date.now())));
  return { s, closedAt };
}

const options = (n: number): string =>
  `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKt${n}\r\nFrom: <sip:x@127.0.0.1>;tag=f\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: t${n}\r\nCSeq: ${n} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isOpen = (s: Socket): boolean => !s.destroyed && s.readyState === 'open';

describe('TCP limits', () => {
  it('closes a connection over the per-source limit at once, and one over the total', async () => {
    const { t, counts } = await setup();
    const a = await client(t.port);
    const b = await client(t.port);
    const c = await client(t.port);
    await c.closedAt;
    expect([isOpen(a.s), isOpen(b.s)]).toEqual([true, true]);
    const d = await client(t.port, '127.0.0.2'); // another source: the third connection in all
    const e = await client(t.port, '127.0.0.3');
    await e.closedAt;
    expect(isOpen(d.s)).toBe(true);
    expect(counts()).toMatchObject({ 'tcp_per_source/closed': 1, 'tcp_total/closed': 1 });
    // A connection that ends makes room.
    a.s.destroy();
    await sleep(50);
    const f = await client(t.port);
    await sleep(50);
    expect(isOpen(f.s)).toBe(true);
  });

  it('closes a peer that trickles a message (slow loris), not one that keeps completing them', async () => {
    const { t, received, counts } = await setup({ tcp: { idleMs: 10_000 } });
    const slow = await client(t.port);
    const started = Date.now();
    const msg = options(1);
    for (let i = 0; i < 20 && isOpen(slow.s); i++) {
      slow.s.write(msg.slice(i * 5, i * 5 + 5));
      await sleep(40);
    }
    const closed = await slow.closedAt;
    expect(closed - started).toBeGreaterThanOrEqual(280);
    expect(closed - started).toBeLessThan(700);
    expect(counts()['tcp_slow_message/closed']).toBe(1);
    // A busy stream whose chunks often end mid-message stays, however long it lasts.
    const busy = await client(t.port);
    let stream = '';
    for (let i = 0; i < 40; i++) stream += options(100 + i);
    const step = Math.ceil(stream.length / 20);
    for (let i = 0; i < 20; i++) {
      busy.s.write(stream.slice(i * step, (i + 1) * step));
      await sleep(50);
    }
    await sleep(50);
    expect(isOpen(busy.s)).toBe(true);
    expect(received.length).toBe(40);
  });

  it('closes an idle connection, but not one a call uses; a stranger has only the message time', async () => {
    let callsUseIt = false;
    const asked: number[] = [];
    const { t, counts } = await setup({ inUse: (id) => (asked.push(id), callsUseIt) });
    const idle = await client(t.port);
    idle.s.write(options(1));
    const start = Date.now();
    const closed = await idle.closedAt;
    expect(closed - start).toBeGreaterThanOrEqual(550);
    expect(counts()['tcp_idle/closed']).toBe(1);
    // One that a call holds: the transport asks, and keeps it.
    callsUseIt = true;
    const held = await client(t.port);
    held.s.write(options(2));
    await sleep(1500);
    expect(isOpen(held.s)).toBe(true);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    // A stranger talking all the while still goes after messageMs.
    held.s.destroy();
    await held.closedAt;
    callsUseIt = false;
    const stranger = await client(t.port, '127.0.0.2');
    const sStart = Date.now();
    const talk = setInterval(() => stranger.s.write(options(3)), 50);
    const sClosed = await stranger.closedAt;
    clearInterval(talk);
    expect(sClosed - sStart).toBeLessThan(550);
    expect(counts()['tcp_idle/closed']).toBe(2);
  });

  it('closes a connection whose message is too large', async () => {
    const { t, received, counts } = await setup();
    const big = await client(t.port);
    big.s.write(`OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nX-Pad: ${'p'.repeat(20 * 1024)}\r\n`);
    await big.closedAt;
    expect(received).toEqual([]);
    expect(counts()['tcp_too_large/closed']).toBe(1);
  });
});
