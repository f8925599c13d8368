/**
 * Ending a call from outside its flow (the server's drain, src/server/drain.ts): MediaChannel.interrupt
 * and TelephonyCall.cutOff over real RTP on 127.0.0.1. The flow's waits must return as on a hang-up,
 * the goodbye must reach the phone, and only then may the BYE go.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock, systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { Pacer } from '../../media/pacer.js';
import { decodeUlaw, encodeUlaw } from '../../media/g711.js';
import { tone } from '../../media/tones.js';
import { decodeWav } from '../../media/wav.js';
import { MediaChannel } from './media-channel.js';
import { OutboundLeg } from './outbound-leg.js';
import { TelephonyCall, type OutboundServices } from './call.js';
import type { PromptRenderer } from './renderer.js';
import type { PlayablePart } from '../types.js';

/** "text" parts become that many ms of a tone: 1 kHz, or the frequency after a colon ("300:2000"). */
const renderer = {
  render: async (p: PlayablePart) => {
    const [ms, hz] = ('text' in p ? p.text : '100').split(':');
    return encodeUlaw(tone([Number(hz ?? 1000)], Number(ms)));
  },
} as unknown as PromptRenderer;
/** Never finishes rendering. */
const stuck = { render: () => new Promise<Uint8Array>(() => undefined) } as unknown as PromptRenderer;

const allocator = new PortAllocator(17400, 17599);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Phone {
  channel: MediaChannel;
  peer: RtpSession;
  /** Frames the phone received, decoded, with when they arrived. */
  heard: Array<{ at: number; pcm: Int16Array }>;
}

async function phone(pacer: Pacer, r: PromptRenderer = renderer): Promise<Phone> {
  const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, dtmf: { emitOn: 'start' }, telephoneEventPt: 101 });
  const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 });
  a.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: b.localPort } });
  b.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: a.localPort } });
  const channel = new MediaChannel(a, 'ulaw', { pacer, clock: systemClock, renderer: r, logger: silentLogger });
  const heard: Phone['heard'] = [];
  b.on('audio', (p) => heard.push({ at: Date.now(), pcm: decodeUlaw(p) }));
  cleanup.push(async () => {
    await channel.close();
    await b.close();
  });
  return { channel, peer: b, heard };
}

function newPacer(): Pacer {
  const pacer = new Pacer();
  cleanup.push(() => pacer.close());
  return pacer;
}

/** Frames in which `hz` dominates (Goertzel-free: a zero-crossing count is enough for pure tones). */
function framesOf(heard: Phone['heard'], hz: number): Phone['heard'] {
  return heard.filter(({ pcm }) => {
    if (!pcm.some((s) => Math.abs(s) > 1000)) return false;
    let crossings = 0;
    for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1]! < 0) !== (pcm[i]! < 0)) crossings++;
    // 160 samples = 20 ms: a tone of f Hz crosses zero about 2 × f × 0.02 times.
    return Math.abs(crossings - hz * 0.04) <= 4;
  });
}

describe('MediaChannel.interrupt', () => {
  it('stops a prompt at once, and the channel still plays what comes next', async () => {
    const { channel, heard } = await phone(newPacer());
    const started = Date.now();
    const long = channel.play([{ text: '3000' }, { text: '3000' }]);
    await sleep(200);
    channel.interrupt();
    expect(await long).toEqual({ interrupted: false });
    expect(Date.now() - started).toBeLessThan(1000);
    await channel.play([{ text: '300:2000' }]);
    await sleep(60);
    expect(framesOf(heard, 2000).length).toBeGreaterThanOrEqual(12);
    // Nothing of the first prompt's second part was played.
    expect(framesOf(heard, 1000).length).toBeLessThan(25);
  });

  it('closes a recording as on a hang-up, keeping what arrived, and ends a collect', async () => {
    const pacer = newPacer();
    const { channel, peer } = await phone(pacer);
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'hookline-cut-')), 'r.wav');
    const recording = channel.record({ path: file, maxMs: 60_000, finishKeys: '#' });
    const pcm = tone([440], 2000, { level: -12 });
    let off = 0;
    const stopTalking = pacer.register({ tick: () => peer.sendFrame(encodeUlaw(pcm.subarray(off, (off += 160)))) });
    cleanup.push(stopTalking);
    await sleep(600);
    channel.interrupt();
    const r = await recording;
    expect(r.reason).toBe('hangup');
    expect(r.durationMs).toBeGreaterThanOrEqual(400);
    const wav = decodeWav(await readFile(file));
    expect(wav.channels[0]!.length).toBe(r.durationMs * 8);
    // Keys are over for this channel: a question asked now gets the hang-up at once.
    expect(await channel.digits.collect({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 })).toEqual({ digits: '', reason: 'hangup' });
  });
});

describe('TelephonyCall.cutOff', () => {
  function call(p: Phone, outbound?: OutboundServices) {
    const byes: number[] = [];
    const signalling = { answer: async () => undefined, hangup: async () => void byes.push(Date.now()) };
    return { call: new TelephonyCall('c'.repeat(32), '3125550199', '8005550100', signalling, p.channel, silentLogger, outbound), byes };
  }

  it('ends what the flow waits on, says goodbye, then sends BYE', async () => {
    const p = await phone(newPacer());
    const { call: c, byes } = call(p);
    const asking = c.collectDigits({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 30_000, interDigitTimeoutMs: 30_000 });
    await sleep(100);
    const cut = c.cutOff([{ text: '400:2000' }], { maxMs: 5000, clock: systemClock });
    expect(await asking).toEqual({ digits: '', reason: 'hangup' });
    expect(c.hungUp).toBe(true);
    // The flow goes on to its next step: nothing it plays is heard any more.
    const before = p.heard.length;
    expect(await c.play([{ text: '2000:3000' }])).toEqual({ interrupted: false });
    expect(await c.record({ path: '/nonexistent/x.wav', maxMs: 1000, finishKeys: '' })).toEqual({ durationMs: 0, reason: 'hangup' });
    await cut;
    expect(await c.ended).toBe('local_hangup');
    const goodbye = framesOf(p.heard, 2000);
    expect(goodbye.length).toBeGreaterThanOrEqual(18);
    expect(framesOf(p.heard.slice(before), 3000)).toEqual([]);
    expect(byes).toHaveLength(1);
    // The BYE went after the goodbye had been sent (allowing for the last frames in flight).
    expect(byes[0]!).toBeGreaterThanOrEqual(goodbye.at(-1)!.at - 40);
    // A second cut-off, or the flow's own hang-up afterwards, sends nothing more.
    await c.cutOff([{ text: '400' }], { maxMs: 5000, clock: systemClock });
    await c.hangup();
    expect(byes).toHaveLength(1);
  });

  it('gives up a goodbye that cannot be rendered after maxMs, and still sends BYE', async () => {
    const p = await phone(newPacer(), stuck);
    const { call: c, byes } = call(p);
    const clock = new FakeClock();
    const cut = c.cutOff([{ text: 'never' }], { maxMs: 3000, clock });
    await sleep(50);
    expect(byes).toEqual([]);
    clock.advance(3000);
    await cut;
    expect(byes).toHaveLength(1);
  });

  it('stops the goodbye where it is when the signal aborts (a second SIGTERM)', async () => {
    const p = await phone(newPacer());
    const { call: c, byes } = call(p);
    const force = new AbortController();
    const started = Date.now();
    const cut = c.cutOff([{ text: '5000:2000' }], { maxMs: 10_000, clock: systemClock, signal: force.signal });
    await sleep(300);
    force.abort();
    await cut;
    expect(byes).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('hangs up a bridged leg first, and the caller hears the goodbye once the bridge is down', async () => {
    const pacer = newPacer();
    const caller = await phone(pacer);
    const callee = await phone(pacer);
    const legByes: number[] = [];
    const leg = new OutboundLeg('c'.repeat(32), '3125550101', callee.channel, () => void legByes.push(Date.now()));
    const outbound: OutboundServices = { pacer, clock: systemClock, logger: silentLogger, dial: async () => ({ outcome: 'answered', leg }) };
    const { call: c, byes } = call(caller, outbound);
    const dialled = await c.dial('3125550101', { timeoutMs: 1000 });
    expect(dialled.leg).toBe(leg);
    const bridged = c.bridge(leg);
    await sleep(200);
    await c.cutOff([{ text: '400:2000' }], { maxMs: 5000, clock: systemClock });
    expect(legByes).toHaveLength(1);
    expect(await bridged).toMatchObject({ endedBy: 'callee' });
    expect(framesOf(caller.heard, 2000).length).toBeGreaterThanOrEqual(18);
    expect(byes).toHaveLength(1);
    expect(legByes[0]!).toBeLessThanOrEqual(byes[0]!);
  });
});
