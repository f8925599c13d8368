import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CI } from '../testkit/system-tools.js';
import { chooseRtpSender, loadNativeSender, rtpThreadReport, socketFd, type IdleReport, type PacketSender } from './native-send.js';
import { parseRtp } from './packet.js';
import { PortAllocator } from './ports.js';
import { RtpSession } from './session.js';

const HOST = '127.0.0.1';
// A range of its own so that parallel test files do not compete for ports.
const BASE = 45200 + Math.floor(Math.random() * 100) * 20;

/** Outside CI a machine without a compiler skips, saying so; under CI the addon must have been built. */
let sender: PacketSender | undefined;
let why = '';
try {
  sender = loadNativeSender();
} catch (err) {
  why = (err as Error).message;
  if (!CI) console.warn(`[tests] ${why}: its tests are skipped (npm run build:native). Under CI (CI=1) they fail instead.`);
}
const native = sender !== undefined || CI;

const sockets: Socket[] = [];
const sessions: RtpSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function receiver(): Promise<{ port: number; got: Buffer[] }> {
  const s = createSocket('udp4');
  sockets.push(s);
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  return { port: s.address().port, got };
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function addon(): PacketSender {
  if (!sender) throw new Error(why); // under CI: the build failed
  return sender;
}

describe('socketFd', () => {
  it('finds the descriptor of a bound dgram socket, and nothing on other objects', async () => {
    const s = createSocket('udp4');
    sockets.push(s);
    await new Promise<void>((r) => s.bind(0, HOST, () => r()));
    // A Node that moved the handle makes this fail here, not the calls quietly fall back to dgram.
    expect(socketFd(s)).toBeGreaterThan(2);
    expect(socketFd({} as Socket)).toBeUndefined();
  });
});

describe.runIf(native)('the native sender', () => {
  it('sends a datagram from the socket dgram bound, so the far end sees its port', async () => {
    const s = createSocket('udp4');
    sockets.push(s);
    const from: number[] = [];
    const got: Buffer[] = [];
    const rs = createSocket('udp4');
    sockets.push(rs);
    rs.on('message', (m, info) => {
      got.push(m);
      from.push(info.port);
    });
    await new Promise<void>((res) => rs.bind(0, HOST, () => res()));
    await new Promise<void>((res) => s.bind(0, HOST, () => res()));
    const packet = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(addon().send(socketFd(s)!, packet, 4, addon().sockaddr(HOST, rs.address().port))).toBe(0);
    await waitFor(() => got.length === 1);
    expect([...got[0]!]).toEqual([1, 2, 3, 4]);
    expect(from).toEqual([s.address().port]);
  });

  it('answers the errno of a failed send and refuses bad arguments', async () => {
    const s = createSocket('udp4');
    sockets.push(s);
    await new Promise<void>((res) => s.bind(0, HOST, () => res()));
    // An IPv6 destination from an IPv4 socket: EAFNOSUPPORT (97 on Linux), not an exception.
    expect(addon().send(socketFd(s)!, new Uint8Array(4), 4, addon().sockaddr('::1', 9))).toBeGreaterThan(0);
    expect(() => addon().sockaddr('localhost', 9)).toThrow(/IP literal/);
    expect(() => addon().sockaddr(HOST, 70000)).toThrow(/port/);
    expect(() => addon().send(socketFd(s)!, new Uint8Array(4), 5, addon().sockaddr(HOST, 9))).toThrow(/past the packet/);
    expect(() => addon().send(socketFd(s)!, new Uint8Array(4), 4, Buffer.alloc(3))).toThrow(/sockaddr/);
  });

  it('makes an RTP session send the same packets as dgram does', async () => {
    const frames = [0x11, 0x22, 0x33].map((v) => new Uint8Array(160).fill(v));
    const heard: Buffer[][] = [];
    for (const use of [undefined, addon()]) {
      const r = await receiver();
      let seed = 0;
      const random = (): number => ((seed = (seed * 9301 + 49297) % 233280) / 233280);
      const allocator = new PortAllocator(BASE, BASE + 19);
      const s = await RtpSession.open({ allocator, bindAddress: HOST, payloadType: 0, symmetric: false, random, remote: { address: HOST, port: r.port }, ...(use && { sender: use }) });
      sessions.push(s);
      for (const f of frames) s.sendFrame(f);
      s.sendFrame(null); // a gap: the next packet carries the marker bit
      s.sendFrame(frames[0]!);
      await waitFor(() => r.got.length === 4);
      expect(s.stats).toMatchObject({ packetsSent: 4, octetsSent: 640, sendErrors: 0 });
      heard.push(r.got);
      await s.close();
    }
    const [viaDgram, viaNative] = heard as [Buffer[], Buffer[]];
    expect(viaNative.map((b) => b.toString('hex'))).toEqual(viaDgram.map((b) => b.toString('hex')));
    expect(viaNative.map((b) => parseRtp(b).header.marker)).toEqual([true, false, false, true]);
  });

  it('sends from a socket bound to :: (both families) to an IPv4 peer, as dgram does', async () => {
    for (const use of [undefined, addon()]) {
      const r = await receiver();
      const allocator = new PortAllocator(BASE, BASE + 19);
      const s = await RtpSession.open({ allocator, bindAddress: '::', payloadType: 0, symmetric: false, remote: { address: HOST, port: r.port }, ...(use && { sender: use }) });
      sessions.push(s);
      for (let i = 0; i < 3; i++) s.sendFrame(new Uint8Array(160).fill(i));
      await waitFor(() => r.got.length === 3);
      expect(r.got.map((b) => parseRtp(b).payload[0])).toEqual([0, 1, 2]);
      expect(s.stats).toMatchObject({ packetsSent: 3, sendErrors: 0 });
      await s.close();
    }
  });

  it('counts every failed send of a session', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const s = await RtpSession.open({ allocator, bindAddress: HOST, payloadType: 0, symmetric: false, remote: { address: '::1', port: 9 }, sender: addon() });
    sessions.push(s);
    for (let i = 0; i < 3; i++) s.sendFrame(new Uint8Array(160));
    expect(s.stats).toMatchObject({ packetsSent: 3, sendErrors: 3 });
  });
});

describe('chooseRtpSender', () => {
  it('uses dgram when asked to, and says why when the addon does not load', () => {
    const warn = vi.fn();
    const info = vi.fn();
    expect(chooseRtpSender('dgram', { warn, info }, { load: () => addon() })).toBeUndefined();
    const failing = () => loadNativeSender('/nonexistent/rtp_send.node');
    expect(chooseRtpSender('native', { warn, info }, { load: failing })).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ reason: expect.stringContaining('/nonexistent/rtp_send.node') });
    const f = fake([0, 1, 0]);
    expect(chooseRtpSender('native', { warn, info }, { load: () => f })).toBe(f);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('starts the thread at the priority asked for, and warns when it could not be raised', () => {
    const warn = vi.fn();
    const info = vi.fn();
    let asked: [number, number] | undefined;
    const refused = fake([0, 0, 0], (n, pct) => (asked = [n, pct]));
    expect(chooseRtpSender('native', { warn, info }, { threadPriority: 10, load: () => refused })).toBe(refused);
    expect(asked).toEqual([-10, 0]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toContain('without nice -10: it needs CAP_SYS_NICE');
    expect(chooseRtpSender('native', { warn, info }, { threadPriority: 10, load: () => fake([-10, 1, 0]) })).toBeDefined();
    expect(chooseRtpSender('native', { warn, info }, { threadPriority: 0, load: () => fake([0, 0, 0]) })).toBeDefined();
    expect(warn).toHaveBeenCalledTimes(1); // raised as asked, or nothing asked
  });

  it('asks for the real-time class within the share given, and warns when it could not be had', () => {
    const warn = vi.fn();
    const info = vi.fn();
    let asked: [number, number] | undefined;
    expect(chooseRtpSender('native', { warn, info }, { threadPriority: 10, threadRealtime: 50, load: () => fake([-10, 1, 1], (n, pct) => (asked = [n, pct])) })).toBeDefined();
    expect(asked).toEqual([-10, 50]);
    expect(warn).not.toHaveBeenCalled();
    expect(info.mock.calls[0]![0]).toMatchObject({ nice: -10, realtime: true, realtimeUpToPct: 50 });
    chooseRtpSender('native', { warn, info }, { threadPriority: 10, threadRealtime: 50, load: () => fake([-10, 1, 0]) });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toContain('without the real-time class: it needs CAP_SYS_NICE');
    chooseRtpSender('native', { warn, info }, { threadPriority: 10, threadRealtime: 50, load: () => fake([0, 0, 0]) });
    expect(warn.mock.calls[1]![1]).toContain('without nice -10 and the real-time class');
  });

  it('reports the thread for /metrics', () => {
    const f = fake([0, 0, 0]);
    f.idleSched = () => [1, 3, 2.5];
    expect(rtpThreadReport(f)).toEqual({ realtime: true, stepdowns: 3, cpuSeconds: 2.5 });
  });
});

describe.runIf(native)("the addon's thread", () => {
  it('runs at the nice value it reports, and refuses a value it would not take', () => {
    const [nice, raised] = addon().idleThread(-5, 0);
    // Its own priority is in /proc: some thread of this process runs at the value reported.
    const nices = readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
    expect(nices).toContain(nice);
    if (raised === 1) expect(nice).toBeLessThan(0);
    expect(() => addon().idleThread(5, 0)).toThrow(/-20 to 0 and 0 to 95/);
    expect(() => addon().idleThread(0, 96)).toThrow(/-20 to 0 and 0 to 95/);
  });
});

function fake(thread: [number, number, number], asked?: (nice: number, realtimePct: number) => void): PacketSender {
  const report = (): IdleReport => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return {
    sockaddr: () => Buffer.alloc(16),
    send: () => 0,
    idleStart: () => 0,
    idleQueue: () => undefined,
    idleClear: () => undefined,
    idleRetarget: () => undefined,
    idleStop: report,
    idlePeek: report,
    idleDrain: () => [],
    idleThread: (n, pct) => {
      asked?.(n, pct);
      return thread;
    },
    idleSched: () => [0, 0, 0],
  };
}
