import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { parseRtp, serializeRtp, type RtpHeader } from './packet.js';
import { PortAllocator } from './ports.js';
import { digitPackets } from './rfc4733.js';
import { RtpSession, type RtpSessionOptions } from './session.js';

const HOST = '127.0.0.1';
// A range of its own so that parallel test files do not compete for ports.
const BASE = 41000 + Math.floor(Math.random() * 200) * 20;

const open: RtpSession[] = [];
const raw: Socket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await Promise.all(raw.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function session(opts: Partial<RtpSessionOptions> & { allocator: PortAllocator }): Promise<RtpSession> {
  const s = await RtpSession.open({ bindAddress: HOST, payloadType: 0, telephoneEventPt: 101, ...opts });
  open.push(s);
  return s;
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** UDP handles alive; a closed socket's handle disappears a moment after its close callback. */
async function udpResources(): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'UDPWRAP').length;
}

async function rawSocket(): Promise<{ s: Socket; port: number; got: Buffer[] }> {
  const s = createSocket('udp4');
  raw.push(s);
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  return { s, port: s.address().port, got };
}

const frame = (v: number) => new Uint8Array(160).fill(v);

/** Session a bound to `aBind`, b on HOST, each sending to the other's IPv4 address, RTCP every 40 ms; b counts BYEs. */
async function rtcpPair(allocator: PortAllocator, aBind: string): Promise<{ a: RtpSession; b: RtpSession; byes: () => number }> {
  const a = await session({ allocator, bindAddress: aBind, rtcpIntervalMs: 40 });
  const b = await session({ allocator, rtcpIntervalMs: 40, remote: { address: HOST, port: a.localPort } });
  a.update({ payloadType: 0, remote: { address: HOST, port: b.localPort } });
  let byes = 0;
  b.on('bye', () => byes++);
  return { a, b, byes: () => byes };
}

/** Both send a frame every 20 ms until `done`. */
async function exchangeUntil(a: RtpSession, b: RtpSession, done: () => boolean): Promise<void> {
  const stop = setInterval(() => {
    a.sendFrame(frame(1));
    b.sendFrame(frame(2));
  }, 20);
  try {
    await waitFor(done);
  } finally {
    clearInterval(stop);
  }
}

describe('PortAllocator', () => {
  it('hands out even ports round-robin and refuses when full', () => {
    const a = new PortAllocator(1001, 1006); // pairs 1002, 1004 (1006 has no 1007)
    expect(a.capacity).toBe(2);
    expect([a.reserve(), a.reserve()]).toEqual([1002, 1004]);
    expect(() => a.reserve()).toThrow(expect.objectContaining({ code: 'ports_exhausted' }));
    a.release(1002);
    expect(a.reserve()).toBe(1002);
    a.release(1004);
    a.release(1002);
    expect(a.reserve()).toBe(1004); // round-robin: the port freed last is reused last
    expect(a.inUse).toBe(1);
  });
});

describe('RtpSession on 127.0.0.1', () => {
  it('exchanges audio with symmetric latching, numbering and marker bits as RFC 3550 wants', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const a = await session({ allocator });
    // B was told (by SDP) an address where nothing listens; it must learn A's real source from A's packets.
    const b = await session({ allocator, remote: { address: HOST, port: 9 } });
    a.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: HOST, port: b.localPort } });
    expect(a.localPort % 2).toBe(0);
    expect(b.localPort).toBe(a.localPort + 2);

    const atB: [Uint8Array, RtpHeader][] = [];
    const atA: [Uint8Array, RtpHeader][] = [];
    b.on('audio', (p, h) => atB.push([Uint8Array.from(p), h]));
    a.on('audio', (p, h) => atA.push([Uint8Array.from(p), h]));
    const latched: [string, number][] = [];
    b.on('latched', (addr, port) => latched.push([addr, port]));

    a.sendFrame(frame(1));
    a.sendFrame(frame(2));
    a.sendFrame(null); // silence: no packet, timestamp moves on
    a.sendFrame(frame(3));
    await waitFor(() => atB.length === 3);
    expect(latched).toEqual([[HOST, a.localPort]]);
    const [h1, h2, h3] = atB.map((x) => x[1]);
    expect(atB.map((x) => x[0][0])).toEqual([1, 2, 3]);
    expect([h1!.marker, h2!.marker, h3!.marker]).toEqual([true, false, true]);
    expect((h2!.sequenceNumber - h1!.sequenceNumber) & 0xffff).toBe(1);
    expect((h3!.sequenceNumber - h2!.sequenceNumber) & 0xffff).toBe(1);
    expect((h2!.timestamp - h1!.timestamp) >>> 0).toBe(160);
    expect((h3!.timestamp - h2!.timestamp) >>> 0).toBe(320);
    expect(h1!.ssrc).toBe(a.ssrc);

    b.sendFrame(frame(9));
    await waitFor(() => atA.length === 1);
    expect(atA[0]![1].ssrc).toBe(b.ssrc);
    expect(b.remoteAddress).toEqual({ address: HOST, port: a.localPort });

    expect(a.stats).toMatchObject({ packetsSent: 3, octetsSent: 480, packetsReceived: 1, dropped: 0 });
    expect(b.stats).toMatchObject({ packetsSent: 1, packetsReceived: 3, packetsLost: 0 });
  });

  it('carries RFC 4733 digits, each reported once', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const a = await session({ allocator });
    const b = await session({ allocator, remote: { address: HOST, port: a.localPort } });
    a.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: HOST, port: b.localPort } });
    const digits: string[] = [];
    b.on('dtmf', (d) => digits.push(d));
    let audio = 0;
    b.on('audio', () => audio++);
    const done = a.sendDigits('1#9');
    for (let i = 0; i < 40; i++) {
      a.sendFrame(frame(0x7f));
      await new Promise((r) => setImmediate(r));
    }
    await done;
    await waitFor(() => digits.length === 3);
    expect(digits).toEqual(['1', '#', '9']);
    expect(audio).toBeGreaterThan(0); // the gaps between presses carry audio
  });

  it('reports each key once when the events come under an SSRC of their own, between the audio packets', async () => {
    // What a gateway injecting RFC 4733 (or SIPp's play_pcap_audio beside its rtp_stream) sends.
    const allocator = new PortAllocator(BASE, BASE + 19);
    const b = await session({ allocator });
    const peer = await rawSocket();
    const digits: string[] = [];
    b.on('dtmf', (d) => digits.push(d));
    let audio = 0;
    b.on('audio', () => audio++);
    let audioSeq = 100;
    let eventSeq = 5000;
    const sendAudio = () => {
      audioSeq++;
      peer.s.send(serializeRtp({ marker: false, payloadType: 0, sequenceNumber: audioSeq, timestamp: audioSeq * 160, ssrc: 111 }, frame(0x7f)), b.localPort, HOST);
    };
    const press = async (digit: string, timestamp: number) => {
      for (const p of digitPackets(digit)) {
        sendAudio();
        eventSeq++;
        peer.s.send(serializeRtp({ marker: p.marker, payloadType: 101, sequenceNumber: eventSeq, timestamp, ssrc: 222 }, p.payload), b.localPort, HOST);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await press('5', 80000);
    await press('5', 96000); // the same key again: a press of its own
    await waitFor(() => digits.length === 2 && audio === 14);
    await new Promise((r) => setTimeout(r, 50));
    expect(digits).toEqual(['5', '5']);
    // The statistics are the audio's: the events' sequence numbers are not its losses.
    expect(b.stats).toMatchObject({ packetsReceived: 14, packetsLost: 0, dropped: 0 });
  });

  it('re-packetises to the negotiated ptime and sends nothing when recvonly', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const sink = await rawSocket();
    const a = await session({ allocator, ptime: 30, remote: { address: HOST, port: sink.port } });
    for (let i = 0; i < 6; i++) a.sendFrame(frame(i)); // 120 ms → four 30 ms packets
    await waitFor(() => sink.got.length === 4);
    const ps = sink.got.map((m) => parseRtp(m));
    expect(ps.map((p) => p.payload.length)).toEqual([240, 240, 240, 240]);
    expect(ps.map((p) => (p.header.timestamp - ps[0]!.header.timestamp) >>> 0)).toEqual([0, 240, 480, 720]);

    a.update({ payloadType: 0, remote: { address: HOST, port: sink.port }, direction: 'recvonly' });
    await expect(a.sendDigits('1')).rejects.toMatchObject({ code: 'no_telephone_event' });
    for (let i = 0; i < 5; i++) a.sendFrame(frame(i));
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.got).toHaveLength(4);
  });

  it('sends many frames back to back, each packet its own bytes, to an IP literal (in order) or a host name', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const sink = await rawSocket();
    const a = await session({ allocator, remote: { address: HOST, port: sink.port } });
    // More than the ring of packet buffers, without yielding: a buffer reused too early would repeat bytes.
    for (let i = 0; i < 40; i++) a.sendFrame(frame(i));
    await waitFor(() => sink.got.length === 40);
    const ps = sink.got.map((m) => parseRtp(m));
    expect(ps.map((p) => p.payload[0])).toEqual([...Array(40).keys()]);
    expect(ps.map((p) => (p.header.sequenceNumber - ps[0]!.header.sequenceNumber) & 0xffff)).toEqual([...Array(40).keys()]);
    expect(ps.every((p) => p.payload.length === 160 && p.payload.every((v) => v === p.payload[0]))).toBe(true);

    // A host name goes through the resolver for every send (dgram's own lookup, answered from libuv's
    // thread pool): every packet still arrives once with its own bytes and sequence number, but a busy pool
    // may answer two lookups out of order (seen in CI), which a receiver's jitter buffer puts right by
    // sequence number. So here: each packet exactly once, and the payload matching the sequence number.
    a.update({ payloadType: 0, remote: { address: 'localhost', port: sink.port } });
    for (let i = 0; i < 20; i++) a.sendFrame(frame(100 + i));
    await waitFor(() => sink.got.length === 60);
    const named = sink.got.slice(40).map((m) => parseRtp(m));
    expect(named.map((p) => p.payload[0]).sort((x, y) => x! - y!)).toEqual([...Array(20).keys()].map((i) => 100 + i));
    const seq0 = (ps[39]!.header.sequenceNumber + 1) & 0xffff;
    expect(named.every((p) => ((p.header.sequenceNumber - seq0) & 0xffff) === p.payload[0]! - 100 && p.payload.every((v) => v === p.payload[0]))).toBe(true);
    expect(a.stats.sendErrors).toBe(0);
  });

  it('counts a send the kernel refuses (the first to a destination is always checked)', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    // Broadcast without SO_BROADCAST: sendto fails with EACCES.
    const a = await session({ allocator, remote: { address: '255.255.255.255', port: 9 } });
    a.sendFrame(frame(1));
    await waitFor(() => a.stats.sendErrors === 1);
    expect(a.stats.packetsSent).toBe(1);
  });

  it('ignores packets from a foreign source once latched, and payload types not negotiated', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const b = await session({ allocator });
    const peer = await rawSocket();
    const intruder = await rawSocket();
    let audio = 0;
    b.on('audio', () => audio++);
    const pkt = (ssrc: number, pt = 0, seq = 1) => serializeRtp({ marker: false, payloadType: pt, sequenceNumber: seq, timestamp: seq * 160, ssrc }, frame(1));
    peer.s.send(pkt(111), b.localPort, HOST);
    await waitFor(() => audio === 1);
    intruder.s.send(pkt(222, 0, 2), b.localPort, HOST);
    intruder.s.send(pkt(111, 18, 3), b.localPort, HOST); // G.729: not negotiated
    intruder.s.send(Buffer.from('not rtp at all'), b.localPort, HOST);
    await waitFor(() => b.stats.dropped === 3);
    expect(audio).toBe(1);
    // The same SSRC from a new address is the peer behind a rebinding NAT: follow it.
    intruder.s.send(pkt(111, 0, 4), b.localPort, HOST);
    await waitFor(() => audio === 2);
    expect(b.remoteAddress).toEqual({ address: HOST, port: intruder.port });
  });

  it('sends RTCP SR with SDES and BYE on close, and learns the round-trip time', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    const { a, b, byes } = await rtcpPair(allocator, HOST);
    await exchangeUntil(a, b, () => a.stats.rttMs !== undefined && b.stats.rttMs !== undefined);
    expect(a.stats.rttMs!).toBeLessThan(100);
    expect(b.stats.remoteFractionLost).toBe(0);
    await a.close();
    await waitFor(() => byes() === 1);
  });

  it('bound to :: (both families), talks RTP and RTCP with an IPv4 peer', async () => {
    const allocator = new PortAllocator(BASE, BASE + 19);
    // a is sent b's IPv4 address, as an IPv4 phone's SDP names it.
    const { a, b, byes } = await rtcpPair(allocator, '::');
    let heardByB = 0;
    b.on('audio', () => heardByB++);
    await exchangeUntil(a, b, () => heardByB >= 3 && a.stats.rttMs !== undefined && b.stats.rttMs !== undefined);
    expect(a.stats.sendErrors).toBe(0);
    // Latched on b's source as the dual-stack socket sees it, and still sending there.
    expect(a.remoteAddress).toEqual({ address: `::ffff:${HOST}`, port: b.localPort });
    await a.close();
    await waitFor(() => byes() === 1);
  });

  it('skips ports held by others, refuses when the range is full, and frees everything on close', async () => {
    const clock = new FakeClock();
    const before = await udpResources();
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(BASE + 1, HOST, () => r())); // RTCP port of the first pair
    const allocator = new PortAllocator(BASE, BASE + 5); // three pairs
    try {
      const s1 = await RtpSession.open({ allocator, bindAddress: HOST, payloadType: 0, clock });
      expect(s1.localPort).toBe(BASE + 2);
      const s2 = await RtpSession.open({ allocator, bindAddress: HOST, payloadType: 8, clock });
      expect(s2.localPort).toBe(BASE + 4);
      await expect(RtpSession.open({ allocator, bindAddress: HOST, payloadType: 0, clock })).rejects.toMatchObject({ code: 'ports_exhausted' });
      expect(allocator.inUse).toBe(2);
      expect(clock.pendingTimers()).toBe(2); // one RTCP timer each
      expect(await udpResources()).toBe(before + 5);
      await Promise.all([s1.close(), s2.close(), s1.close()]);
      expect(allocator.inUse).toBe(0);
      expect(clock.pendingTimers()).toBe(0);
      s1.sendFrame(frame(1)); // harmless after close
      await expect(s1.sendDigits('1')).rejects.toMatchObject({ code: 'closed' });
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    expect(await udpResources()).toBe(before);
  });
});
