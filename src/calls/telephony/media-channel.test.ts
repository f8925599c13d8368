import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { Pacer } from '../../media/pacer.js';
import { encodeUlaw } from '../../media/g711.js';
import { dtmfTones } from '../../media/dtmf-tones.js';
import { tone } from '../../media/tones.js';
import { wavTo8kMono } from '../../media/wav.js';
import { MediaChannel } from './media-channel.js';
import type { PromptRenderer } from './renderer.js';
import type { PlayablePart } from '../types.js';

/** Test double for the renderer: "text" parts become that many ms of a 1 kHz tone. */
const renderer = {
  render: async (p: PlayablePart) => encodeUlaw(tone([1000], 'text' in p ? Number(p.text) : 100)),
} as unknown as PromptRenderer;

const allocator = new PortAllocator(17000, 17199);
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A channel on one RTP session and a plain RTP peer session that plays the caller. */
async function pair(o: { telephoneEvent?: boolean } = {}) {
  const pacer = new Pacer();
  const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, dtmf: { emitOn: 'start' }, ...(o.telephoneEvent === false ? {} : { telephoneEventPt: 101 }) });
  const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 });
  a.update({ payloadType: 0, remote: { address: '127.0.0.1', port: b.localPort }, ...(o.telephoneEvent === false ? {} : { telephoneEventPt: 101 }) });
  b.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: a.localPort } });
  const channel = new MediaChannel(a, 'ulaw', { pacer, clock: systemClock, renderer, logger: silentLogger });
  const received: Uint8Array[] = [];
  b.on('audio', (p) => received.push(Uint8Array.from(p)));
  cleanup.push(async () => {
    await channel.close();
    await b.close();
    pacer.close();
  });
  return { channel, peer: b, received, pacer };
}

/** RFC 4733 keys from the peer: its session sends event packets in place of audio on each tick. */
async function sendKeys(peer: RtpSession, pacer: Pacer, keys: string): Promise<void> {
  const off = pacer.register({ tick: () => peer.sendFrame(null) });
  try {
    await peer.sendDigits(keys);
  } finally {
    off();
  }
}

/** Streams PCM from the peer in real time, one 20 ms frame per tick of its own timer. */
async function stream(peer: RtpSession, pcm: Int16Array): Promise<void> {
  for (let off = 0; off + 160 <= pcm.length; off += 160) {
    peer.sendFrame(encodeUlaw(pcm.subarray(off, off + 160)));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MediaChannel over real RTP on 127.0.0.1', () => {
  it('plays a prompt as 20 ms frames and resolves when it has been sent', async () => {
    const { channel, received } = await pair();
    const started = Date.now();
    const r = await channel.play([{ text: '400' }]);
    expect(r.interrupted).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    await new Promise((res) => setTimeout(res, 60));
    const loud = received.filter((f) => f.some((b) => b !== 0xff && b !== 0x7f));
    expect(loud.length).toBeGreaterThanOrEqual(19);
    expect(loud.every((f) => f.length === 160)).toBe(true);
  });

  it('takes RFC 4733 keys exactly once and stops a barge-in prompt', async () => {
    const { channel, peer, pacer } = await pair();
    const playing = channel.play([{ text: '3000' }], { bargeIn: true });
    await new Promise((r) => setTimeout(r, 200));
    await sendKeys(peer, pacer, '12#');
    const r = await playing;
    expect(r.interrupted).toBe(true);
    const got = await channel.digits.collect({ maxDigits: 5, terminators: '#', firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 2000 });
    expect(got).toEqual({ digits: '12', terminator: '#', reason: 'terminator' });
  });

  it('detects in-band tones when the caller has no telephone-event', async () => {
    const { channel, peer } = await pair({ telephoneEvent: false });
    await stream(peer, dtmfTones('905*', { toneMs: 80, pauseMs: 80, leadMs: 40 }));
    const got = await channel.digits.collect({ maxDigits: 10, terminators: '', firstDigitTimeoutMs: 500, interDigitTimeoutMs: 500 });
    expect(got.digits).toBe('905*');
  });

  it('records until the finish key, writing a WAV of what arrived', async () => {
    const { channel, peer, pacer } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const file = path.join(dir, 'r.wav');
    const recording = channel.record({ path: file, maxMs: 10_000, finishKeys: '#' });
    await stream(peer, tone([440], 600, { level: -12 }));
    await sendKeys(peer, pacer, '#');
    const r = await recording;
    expect(r.reason).toBe('key');
    expect(r.durationMs).toBeGreaterThanOrEqual(500);
    const pcm = wavTo8kMono(await readFile(file));
    expect(pcm.length).toBeGreaterThanOrEqual(4000);
    expect(channel.digits.pending).toBe(0);
  });

  it('ends a recording on silence and on max length', async () => {
    const { channel, peer } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const silent = channel.record({ path: path.join(dir, 's.wav'), maxMs: 5000, finishKeys: '#', silenceMs: 300 });
    await stream(peer, new Int16Array(8000));
    expect((await silent).reason).toBe('silence');
    const max = channel.record({ path: path.join(dir, 'm.wav'), maxMs: 300, finishKeys: '#' });
    expect((await max).reason).toBe('max');
  });

  it('a hang-up ends a waiting collector, a prompt and a recording', async () => {
    const { channel } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const collecting = channel.digits.collect({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 });
    const recording = channel.record({ path: path.join(dir, 'h.wav'), maxMs: 10_000, finishKeys: '#' });
    await new Promise((r) => setTimeout(r, 50));
    await channel.close();
    expect((await collecting).reason).toBe('hangup');
    expect((await recording).reason).toBe('hangup');
    expect((await channel.play([{ text: '1000' }])).interrupted).toBe(false);
  });
});
