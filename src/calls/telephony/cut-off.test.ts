/**
 * Ending a call from outside its flow (the server's drain, src/server/drain.ts): MediaChannel.interrupt
 * and TelephonyCall.cutOff over real RTP on 127.0.0.1. The flow's waits must return as on a hang-up,
 * the goodbye must reach the phone, and only then may the BYE go.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { ManualPacer } from '../../media/testing.js';
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
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Waits for what was sent over loopback to have arrived (a few milliseconds at most). */
async function arrived(what: string, cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 2000; !cond(); ) {
    if (Date.now() > end) throw new Error(`not arrived: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Phone {
  channel: MediaChannel;
  peer: RtpSession;
  /** Frames the phone received, decoded, with the pacer tick that sent each. */
  heard: Array<{ at: number; pcm: Int16Array }>;
}

/**
 * Time is the test's: frames go out when it ticks the pacer (a tick is 20 ms of audio), timers run on
 * the fake clock; only the trip over loopback is real. `heard[].at` is the tick a frame was sent at.
 */
async function phone(pacer: ManualPacer, clock: FakeClock, r: PromptRenderer = renderer): Promise<Phone> {
  const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, dtmf: { emitOn: 'start' }, telephoneEventPt: 101 });
  const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 });
  a.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: b.localPort } });
  b.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: a.localPort } });
  const channel = new MediaChannel(a, 'ulaw', { pacer, clock, renderer: r, logger: silentLogger });
  const heard: Phone['heard'] = [];
  // The channel sends one frame a tick from the start, so a frame's index is the tick that sent it.
  let n = 0;
  b.on('audio', (p) => heard.push({ at: n++, pcm: decodeUlaw(p) }));
  cleanup.push(async () => {
    await channel.close();
    await b.close();
  });
  return { channel, peer: b, heard };
}

/** `n` ticks, each followed by a millisecond of real time for its packets to cross loopback. */
async function run(pacer: ManualPacer, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await pacer.run(1);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Ticks until `p` settles; resolves with the ticks it took. */
async function runUntil(pacer: ManualPacer, p: Promise<unknown>): Promise<number> {
  let settled = false;
  void p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setImmediate(r));
  let n = 0;
  for (; !settled; n++) {
    if (n > 2000) throw new Error('not settled after 2000 ticks');
    await run(pacer, 1);
  }
  return n;
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
    const pacer = new ManualPacer();
    const { channel, heard } = await phone(pacer, new FakeClock());
    const long = channel.play([{ text: '3000' }, { text: '3000' }]);
    await run(pacer, 10);
    channel.interrupt();
    expect(await long).toEqual({ interrupted: false });
    expect(await runUntil(pacer, channel.play([{ text: '300:2000' }]))).toBe(15);
    await arrived('every frame', () => heard.length === pacer.ticks);
    expect(framesOf(heard, 2000)).toHaveLength(15);
    // 10 ticks of the first prompt at most, and nothing of its second part.
    expect(framesOf(heard, 1000).length).toBeLessThanOrEqual(10);
  });

  it('closes a recording as on a hang-up, keeping what arrived, and ends a collect', async () => {
    const pacer = new ManualPacer();
    const { channel, peer } = await phone(pacer, new FakeClock());
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'hookline-cut-')), 'r.wav');
    const recording = channel.record({ path: file, maxMs: 60_000, finishKeys: '#' });
    await arrived('the recording open', () => existsSync(file) && statSync(file).size >= 44);
    await new Promise((r) => setImmediate(r));
    let inbound = 0;
    channel.inboundTap = () => void inbound++;
    const pcm = tone([440], 2000, { level: -12 });
    let off = 0;
    const stopTalking = pacer.register({ tick: () => peer.sendFrame(encodeUlaw(pcm.subarray(off, (off += 160)))) });
    cleanup.push(stopTalking);
    await run(pacer, 30);
    await arrived('30 frames from the phone', () => inbound === 30);
    channel.interrupt();
    const r = await recording;
    expect(r).toEqual({ durationMs: 600, reason: 'hangup' });
    const wav = decodeWav(await readFile(file));
    expect(wav.channels[0]!.length).toBe(r.durationMs * 8);
    // Keys are over for this channel: a question asked now gets the hang-up at once.
    expect(await channel.digits.collect({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 })).toEqual({ digits: '', reason: 'hangup' });
  });
});

describe('TelephonyCall.cutOff', () => {
  /** The call over `p`, answered unless told; `byes` holds the pacer tick each BYE went at. */
  async function call(p: Phone, pacer: ManualPacer, outbound?: OutboundServices, o: { answered?: boolean } = {}) {
    const byes: number[] = [];
    const answers: number[] = [];
    const signalling = { answer: async () => void answers.push(pacer.ticks), hangup: async () => void byes.push(pacer.ticks) };
    const c = new TelephonyCall('c'.repeat(32), '3125550199', '8005550100', signalling, p.channel, silentLogger, outbound);
    if (o.answered !== false) await c.answer();
    return { call: c, byes, answers };
  }

  it('ends what the flow waits on, says goodbye, then sends BYE', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const p = await phone(pacer, clock);
    const { call: c, byes } = await call(p, pacer);
    const asking = c.collectDigits({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 30_000, interDigitTimeoutMs: 30_000 });
    await run(pacer, 5);
    const cut = c.cutOff([{ text: '400:2000' }], { maxMs: 5000, clock });
    expect(await asking).toEqual({ digits: '', reason: 'hangup' });
    expect(c.hungUp).toBe(true);
    // The flow goes on to its next step: nothing it plays is heard any more.
    expect(await c.play([{ text: '2000:3000' }])).toEqual({ interrupted: false });
    expect(await c.record({ path: '/nonexistent/x.wav', maxMs: 1000, finishKeys: '' })).toEqual({ durationMs: 0, reason: 'hangup' });
    expect(await runUntil(pacer, cut)).toBe(20); // 400 ms of goodbye, then BYE
    expect(await c.ended).toBe('local_hangup');
    await arrived('the goodbye', () => framesOf(p.heard, 2000).length === 20);
    expect(framesOf(p.heard, 3000)).toEqual([]);
    // The BYE went on the tick that sent the goodbye's last frame: none of it was cut.
    expect(byes).toEqual([pacer.ticks]);
    expect(framesOf(p.heard, 2000).at(-1)!.at).toBe(pacer.ticks - 1);
    // A second cut-off, or the flow's own hang-up afterwards, sends nothing more.
    await c.cutOff([{ text: '400' }], { maxMs: 5000, clock });
    await c.hangup();
    expect(byes).toHaveLength(1);
  });

  it('says nothing to a call not answered yet, and never answers it afterwards', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const p = await phone(pacer, clock);
    const { call: c, byes, answers } = await call(p, pacer, undefined, { answered: false });
    const cut = c.cutOff([{ text: '400:2000' }], { maxMs: 5000, clock });
    expect(await runUntil(pacer, cut)).toBe(0);
    expect(byes).toEqual([0]); // the final response, at once
    await c.answer(); // the flow, which had not got that far
    expect(answers).toEqual([]);
    await run(pacer, 5);
    expect(framesOf(p.heard, 2000)).toEqual([]);
  });

  it('gives up a goodbye that cannot be rendered after maxMs, and still sends BYE', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const p = await phone(pacer, clock, stuck);
    const { call: c, byes } = await call(p, pacer);
    const cut = c.cutOff([{ text: 'never' }], { maxMs: 3000, clock });
    await run(pacer, 50);
    clock.advance(2999);
    await new Promise((r) => setImmediate(r));
    expect(byes).toEqual([]);
    clock.advance(1);
    await cut;
    expect(byes).toHaveLength(1);
  });

  it('stops the goodbye where it is when the signal aborts (a second SIGTERM)', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const p = await phone(pacer, clock);
    const { call: c, byes } = await call(p, pacer);
    const force = new AbortController();
    const cut = c.cutOff([{ text: '5000:2000' }], { maxMs: 10_000, clock, signal: force.signal });
    await run(pacer, 15);
    force.abort();
    await cut;
    expect(byes).toEqual([15]); // not the 250 ticks the goodbye would have taken
  });

  it('hangs up a bridged leg first, and the caller hears the goodbye once the bridge is down', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const caller = await phone(pacer, clock);
    const callee = await phone(pacer, clock);
    const legByes: number[] = [];
    const leg = new OutboundLeg('c'.repeat(32), '3125550101', callee.channel, () => void legByes.push(pacer.ticks));
    const outbound: OutboundServices = { pacer, clock, logger: silentLogger, dial: async () => ({ outcome: 'answered', leg }) };
    const { call: c, byes } = await call(caller, pacer, outbound);
    const dialled = await c.dial('3125550101', { timeoutMs: 1000 });
    expect(dialled.leg).toBe(leg);
    const bridged = c.bridge(leg);
    await run(pacer, 10);
    const cut = c.cutOff([{ text: '400:2000' }], { maxMs: 5000, clock });
    expect(legByes).toEqual([10]); // at once
    expect(await runUntil(pacer, cut)).toBe(20);
    expect(await bridged).toMatchObject({ endedBy: 'callee' });
    await arrived('the goodbye', () => framesOf(caller.heard, 2000).length === 20);
    expect(byes).toEqual([30]);
  });
});
