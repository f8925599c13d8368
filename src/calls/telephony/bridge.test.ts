import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock, systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import { ManualPacer } from '../../media/testing.js';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../../media/g711.js';
import { DtmfDetector } from '../../media/dtmf-detect.js';
import { dtmfTones } from '../../media/dtmf-tones.js';
import { goertzelCoeff, goertzelPower } from '../../media/goertzel.js';
import { tone } from '../../media/tones.js';
import { decodeWav } from '../../media/wav.js';
import { MediaChannel } from './media-channel.js';
import { OutboundLeg } from './outbound-leg.js';
import type { PromptRenderer } from './renderer.js';
import { bridgeParties } from './bridge.js';
import type { PlayablePart } from '../types.js';

/** "text" parts become that many ms of a 1 kHz tone. */
const renderer = {
  render: async (p: PlayablePart) => encodeUlaw(tone([1000], 'text' in p ? Number(p.text) : 100)),
} as unknown as PromptRenderer;
const allocator = new PortAllocator(19000, 19099);

/** Waits for what was sent over loopback to have arrived (a few milliseconds at most). */
async function arrived(what: string, cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 2000; !cond(); ) {
    if (Date.now() > end) throw new Error(`not arrived: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * `n` ticks of the pacer, each followed by a millisecond of real time for the packets of that tick to
 * cross loopback: the relays' buffers then see the even arrivals a real network gives them.
 */
async function run(pacer: ManualPacer, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await pacer.run(1);
    await new Promise((r) => setTimeout(r, 1));
  }
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Side {
  party: OutboundLeg;
  /** The phone at the far end of this side: what it received, decoded, and the keys it heard. */
  phone: RtpSession;
  heard: Int16Array[];
  keys: string[];
  /** Starts the phone talking: one frame of `freq` per tick. */
  talk(freq: number): void;
}

/** One side of the bridge: hookline's channel on one session, the phone on another. */
async function side(pacer: ManualPacer, law: 'ulaw' | 'alaw', telephoneEvent: boolean): Promise<Side> {
  const pt = law === 'ulaw' ? 0 : 8;
  const te = telephoneEvent ? { telephoneEventPt: 101 } : {};
  const ours = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: pt, dtmf: { emitOn: 'start' }, ...te });
  const phone = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: pt, dtmf: { emitOn: 'start' }, ...te });
  ours.update({ payloadType: pt, remote: { address: '127.0.0.1', port: phone.localPort }, ...te });
  phone.update({ payloadType: pt, remote: { address: '127.0.0.1', port: ours.localPort }, ...te });
  const media = new MediaChannel(ours, law, { pacer, clock: systemClock, renderer, logger: silentLogger });
  const party = new OutboundLeg('0'.repeat(32), 'x', media, () => undefined);
  const heard: Int16Array[] = [];
  const keys: string[] = [];
  phone.on('audio', (p) => heard.push(law === 'ulaw' ? decodeUlaw(p) : decodeAlaw(p)));
  phone.on('dtmf', (k) => keys.push(k));
  const talk = (freq: number): void => {
    const pcm = tone([freq], 10_000, { level: -12 });
    let off = 0;
    const off1 = pacer.register({
      tick: () => {
        const f = pcm.subarray(off, off + 160);
        off = (off + 160) % (pcm.length - 160);
        phone.sendFrame(law === 'ulaw' ? encodeUlaw(f) : encodeAlaw(f));
      },
    });
    cleanup.push(off1);
  };
  cleanup.push(async () => {
    await party.hangup();
    await phone.close();
  });
  return { party, phone, heard, keys, talk };
}

/** Which of two frequencies dominates the audio (loud frames only). */
function dominant(frames: Int16Array[], a: number, b: number): number | undefined {
  const loud = frames.filter((f) => f.some((s) => Math.abs(s) > 1000));
  if (loud.length < 5) return undefined;
  const all = new Int16Array(loud.length * 160);
  loud.forEach((f, i) => all.set(f.subarray(0, 160), i * 160));
  return goertzelPower(all, goertzelCoeff(a)) > goertzelPower(all, goertzelCoeff(b)) ? a : b;
}

describe('bridgeParties over real RTP on 127.0.0.1', () => {
  it('relays both ways at the pacer tick, μ-law ↔ A-law, into a 2-channel recording; the callee hanging up ends it', async () => {
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const caller = await side(pacer, 'ulaw', true);
    const callee = await side(pacer, 'alaw', true);
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'hookline-bridge-')), 'b.wav');
    const bridged = bridgeParties(caller.party, callee.party, { pacer, clock, logger: silentLogger }, { recordPath: file });
    await arrived('the recording open', () => pacer.size === 1); // the bridge's one source took both channels' slots
    caller.talk(1000);
    callee.talk(500);
    await run(pacer, 35);
    caller.heard.length = 0; // before the bridge the caller's own channel sent silence
    await run(pacer, 15);
    clock.advance(1000);
    await callee.party.remoteHangup();
    const r = await bridged;

    expect(r.endedBy).toBe('callee');
    expect(r.durationMs).toBe(1000); // on the bridge's clock
    expect(r.recordedMs).toBe(50 * 20); // one frame a tick
    expect(caller.party.hungUp).toBe(false);
    expect(dominant(callee.heard, 1000, 500)).toBe(1000);
    expect(dominant(caller.heard, 1000, 500)).toBe(500);
    // The caller's channel ticks again: a prompt plays to the end, 5 frames of 20 ms.
    const playing = caller.party.play([{ text: '100' }]);
    expect(await pacer.runUntil(playing)).toBe(5);
    expect((await playing).interrupted).toBe(false);

    const wav = decodeWav(await readFile(file));
    expect(wav.channels).toHaveLength(2);
    const frames = (c: Float32Array): Int16Array[] => Array.from({ length: Math.floor(c.length / 160) }, (_, i) => Int16Array.from(c.subarray(i * 160, i * 160 + 160), (x) => x * 32767));
    expect(dominant(frames(wav.channels[0] as Float32Array), 1000, 500)).toBe(1000);
    expect(dominant(frames(wav.channels[1] as Float32Array), 1000, 500)).toBe(500);
    expect(Math.abs((wav.channels[0] as Float32Array).length / 8 - r.recordedMs)).toBeLessThanOrEqual(20);
  });

  it('passes RFC 4733 and INFO keys across; the caller hanging up hangs up the callee', async () => {
    const pacer = new ManualPacer();
    const caller = await side(pacer, 'ulaw', true);
    const callee = await side(pacer, 'ulaw', true);
    const bridged = bridgeParties(caller.party, callee.party, { pacer, clock: systemClock, logger: silentLogger });
    // The phone's session sends event packets on its own ticks.
    cleanup.push(pacer.register({ tick: () => caller.phone.sendFrame(null) }));
    await pacer.runUntil(caller.phone.sendDigits('5'));
    callee.party.infoDigit('9');
    await run(pacer, 15);
    await arrived('both keys across', () => callee.keys.length > 0 && caller.keys.length > 0);
    await run(pacer, 5); // a key sent twice would show by now
    await caller.party.hangup();
    const r = await bridged;

    expect(r).toMatchObject({ endedBy: 'caller', recordedMs: 0 });
    expect(callee.keys).toEqual(['5']);
    expect(caller.keys).toEqual(['9']);
    expect(callee.party.hungUp).toBe(true);
  });

  it('sends keys as tones to a side that did not negotiate telephone-event', async () => {
    const pacer = new ManualPacer();
    const caller = await side(pacer, 'ulaw', true);
    const callee = await side(pacer, 'alaw', false);
    const bridged = bridgeParties(caller.party, callee.party, { pacer, clock: systemClock, logger: silentLogger });
    cleanup.push(pacer.register({ tick: () => caller.phone.sendFrame(null) }));
    await pacer.runUntil(caller.phone.sendDigits('7'));
    await run(pacer, 20); // the tone, and silence after it
    await arrived('every frame sent', () => callee.heard.length >= pacer.ticks - 5);
    await caller.party.hangup();
    await bridged;

    const detector = new DtmfDetector();
    const found = callee.heard.map((f) => detector.detect(f)).filter(Boolean);
    expect(found).toEqual(['7']);
  });

  it('turns keys heard in-band into RFC 4733 events for a side that takes them, and mutes the tones', async () => {
    const pacer = new ManualPacer();
    const caller = await side(pacer, 'alaw', false);
    const callee = await side(pacer, 'ulaw', true);
    const bridged = bridgeParties(caller.party, callee.party, { pacer, clock: systemClock, logger: silentLogger });
    // The caller's phone talks 100 ms of silence, then holds "4" and "8" for 400 ms each (longer than the
    // events that replace the audio while they are sent), then silence again.
    const keys = dtmfTones('48', { toneMs: 400, pauseMs: 100 });
    const pcm = new Int16Array(800 + keys.length + 1600);
    pcm.set(keys, 800);
    let off = 0;
    cleanup.push(
      pacer.register({
        tick: () => {
          if (off + 160 <= pcm.length) caller.phone.sendFrame(encodeAlaw(pcm.subarray(off, off + 160)));
          off += 160;
        },
      }),
    );
    await run(pacer, pcm.length / 160 + 5);
    await arrived('both keys', () => callee.keys.length >= 2);
    await caller.party.hangup();
    const r = await bridged;

    expect(r.endedBy).toBe('caller');
    expect(callee.keys).toEqual(['4', '8']);
    // What the callee heard carries no key a DTMF receiver would take (at most a frame of each tone leaks).
    const detector = new DtmfDetector();
    expect(callee.heard.map((f) => detector.detect(f)).join('')).toBe('');
    const loud = callee.heard.filter((f) => f.some((x) => Math.abs(x) > 1000)).length;
    expect(loud).toBeLessThanOrEqual(2);
  });
});
