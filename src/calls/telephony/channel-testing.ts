/**
 * What the MediaChannel tests share: a channel on a real RTP session on 127.0.0.1 with a plain RTP peer
 * playing the caller, and the waits that go with packets crossing loopback. Time is the test's: frames
 * go out when it ticks the pacer and timers run on a fake clock; only the packets' trip is real.
 */
import { existsSync, statSync } from 'node:fs';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { encodeUlaw } from '../../media/g711.js';
import { ManualPacer } from '../../media/testing.js';
import { tone } from '../../media/tones.js';
import type { PortAllocator } from '../../rtp/ports.js';
import { RtpSession } from '../../rtp/session.js';
import type { PlayablePart } from '../types.js';
import { MediaChannel } from './media-channel.js';
import type { PartRenderer, PromptRenderer } from './renderer.js';

/** Test double for the renderer: "text" parts become that many ms of a 1 kHz tone. */
export const toneRenderer = {
  render: async (p: PlayablePart) => encodeUlaw(tone([1000], 'text' in p ? Number(p.text) : 100)),
} as unknown as PromptRenderer;

export interface ChannelPair {
  channel: MediaChannel;
  peer: RtpSession;
  /** Every audio payload the peer received, in order. */
  received: Uint8Array[];
  pacer: ManualPacer;
  clock: FakeClock;
}

/** Opens channel pairs on `allocator`'s ports; `closeAll()` (in the test file's afterEach) closes them. */
export class ChannelPairs {
  private open: Array<() => Promise<void>> = [];

  constructor(private readonly allocator: PortAllocator) {}

  async pair(o: { telephoneEvent?: boolean; renderer?: PartRenderer; logger?: Logger } = {}): Promise<ChannelPair> {
    const allocator = this.allocator;
    const pacer = new ManualPacer();
    const clock = new FakeClock();
    const te = o.telephoneEvent === false ? {} : { telephoneEventPt: 101 };
    const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, dtmf: { emitOn: 'start' }, ...te });
    const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 });
    a.update({ payloadType: 0, remote: { address: '127.0.0.1', port: b.localPort }, ...te });
    b.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: a.localPort } });
    const channel = new MediaChannel(a, 'ulaw', { pacer, clock, renderer: o.renderer ?? toneRenderer, logger: o.logger ?? silentLogger });
    const received: Uint8Array[] = [];
    b.on('audio', (p) => received.push(Uint8Array.from(p)));
    this.open.push(async () => {
      await channel.close();
      await b.close();
    });
    return { channel, peer: b, received, pacer, clock };
  }

  async closeAll(): Promise<void> {
    for (const c of this.open.reverse()) await c();
    this.open = [];
  }
}

/** Waits for what was sent over loopback to have arrived (it takes a few milliseconds at most). */
export async function arrived(what: string, cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 2000; !cond(); ) {
    if (Date.now() > end) throw new Error(`not arrived: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A recording has its file open, and so takes what arrives (opening is file I/O, not the test's time). */
export async function recordingOpen(file: string): Promise<void> {
  await arrived(`${file} opened`, () => existsSync(file) && statSync(file).size >= 44);
  await new Promise((r) => setImmediate(r));
}

/**
 * Ticks until `cond` holds. For audio that comes from file I/O (the prompt cache): ticks run far faster
 * than real time, so they go on, one a millisecond, until the audio is there.
 */
export async function runUntilHeard(pacer: ManualPacer, what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= 2000) throw new Error(`not heard: ${what}`);
    await pacer.run(1);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Lets the promise callbacks waiting to run do so (a collect taking queued keys), then the timers may move. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Everything the channel sent so far has reached the peer: one frame per tick. */
export const allSent = (received: Uint8Array[], pacer: ManualPacer): Promise<void> =>
  arrived(`${pacer.ticks} frames`, () => received.length >= pacer.ticks);

/** RFC 4733 keys from the peer: its session sends event packets in place of audio on each tick. */
export async function sendKeys(peer: RtpSession, pacer: ManualPacer, keys: string): Promise<void> {
  const off = pacer.register({ tick: () => peer.sendFrame(null) });
  try {
    await pacer.runUntil(peer.sendDigits(keys));
  } finally {
    off();
  }
}

/** Streams PCM from the peer, one 20 ms frame per tick. */
export async function stream(peer: RtpSession, pacer: ManualPacer, pcm: Int16Array): Promise<void> {
  let off = 0;
  const stop = pacer.register({
    tick: () => {
      if (off + 160 <= pcm.length) peer.sendFrame(encodeUlaw(pcm.subarray(off, off + 160)));
      off += 160;
    },
  });
  await pacer.run(Math.floor(pcm.length / 160));
  stop();
}
