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
import { encodeUlaw } from '../../media/g711.js';
import { dtmfTones } from '../../media/dtmf-tones.js';
import { tone } from '../../media/tones.js';
import { wavTo8kMono } from '../../media/wav.js';
import type { Logger } from '../../lib/logger.js';
import { AudioLibrary } from '../../speech/audio-library.js';
import { SpeechError } from '../../speech/errors.js';
import { PromptCache } from '../../speech/prompt-cache.js';
import type { PromptStream } from '../../speech/prompt-stream.js';
import type { SynthesizeOptions, TtsEngine } from '../../speech/types.js';
import { MediaChannel } from './media-channel.js';
import { PromptRenderer as RealRenderer, type PartRenderer, type PromptRenderer } from './renderer.js';
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

/**
 * A channel on one RTP session and a plain RTP peer session that plays the caller. Time is the test's:
 * frames go out when it ticks the pacer, and timers (digit timeouts, a recording's limit) run on a
 * fake clock; only the packets' trip over loopback is real, which `arrived` waits for.
 */
async function pair(o: { telephoneEvent?: boolean; renderer?: PartRenderer; logger?: Logger } = {}) {
  const pacer = new ManualPacer();
  const clock = new FakeClock();
  const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, dtmf: { emitOn: 'start' }, ...(o.telephoneEvent === false ? {} : { telephoneEventPt: 101 }) });
  const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 });
  a.update({ payloadType: 0, remote: { address: '127.0.0.1', port: b.localPort }, ...(o.telephoneEvent === false ? {} : { telephoneEventPt: 101 }) });
  b.update({ payloadType: 0, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: a.localPort } });
  const channel = new MediaChannel(a, 'ulaw', { pacer, clock, renderer: o.renderer ?? renderer, logger: o.logger ?? silentLogger });
  const received: Uint8Array[] = [];
  b.on('audio', (p) => received.push(Uint8Array.from(p)));
  cleanup.push(async () => {
    await channel.close();
    await b.close();
  });
  return { channel, peer: b, received, pacer, clock };
}

/** Waits for what was sent over loopback to have arrived (it takes a few milliseconds at most). */
async function arrived(what: string, cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 2000; !cond(); ) {
    if (Date.now() > end) throw new Error(`not arrived: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A recording has its file open, and so takes what arrives (opening is file I/O, not the test's time). */
async function recordingOpen(file: string): Promise<void> {
  await arrived(`${file} opened`, () => existsSync(file) && statSync(file).size >= 44);
  await new Promise((r) => setImmediate(r));
}

/**
 * Ticks until `cond` holds. For audio that comes from file I/O (the prompt cache): ticks run far faster
 * than real time, so they go on, one a millisecond, until the audio is there.
 */
async function runUntilHeard(pacer: ManualPacer, what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= 2000) throw new Error(`not heard: ${what}`);
    await pacer.run(1);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Lets the promise callbacks waiting to run do so (a collect taking queued keys), then the timers may move. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Everything the channel sent so far has reached the peer: one frame per tick. */
const allSent = (received: Uint8Array[], pacer: ManualPacer) => arrived(`${pacer.ticks} frames`, () => received.length >= pacer.ticks);

/** RFC 4733 keys from the peer: its session sends event packets in place of audio on each tick. */
async function sendKeys(peer: RtpSession, pacer: ManualPacer, keys: string): Promise<void> {
  const off = pacer.register({ tick: () => peer.sendFrame(null) });
  try {
    await pacer.runUntil(peer.sendDigits(keys));
  } finally {
    off();
  }
}

/** Streams PCM from the peer, one 20 ms frame per tick. */
async function stream(peer: RtpSession, pacer: ManualPacer, pcm: Int16Array): Promise<void> {
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

describe('MediaChannel over real RTP on 127.0.0.1', () => {
  it('plays a prompt as 20 ms frames and resolves when the last has been sent', async () => {
    const { channel, received, pacer } = await pair();
    const playing = channel.play([{ text: '400' }]);
    // 20 frames of 20 ms: the play resolves on the tick that sends the last.
    expect(await pacer.runUntil(playing)).toBe(20);
    expect(await playing).toEqual({ interrupted: false });
    await allSent(received, pacer);
    const loud = received.filter((f) => f.some((b) => b !== 0xff && b !== 0x7f));
    expect(loud.length).toBe(20);
    expect(loud.every((f) => f.length === 160)).toBe(true);
  });

  it('takes RFC 4733 keys exactly once and stops a barge-in prompt', async () => {
    const { channel, peer, pacer, clock } = await pair();
    const playing = channel.play([{ text: '3000' }], { bargeIn: true });
    await pacer.run(10);
    await sendKeys(peer, pacer, '12#');
    const r = await playing;
    expect(r.interrupted).toBe(true);
    const got = await channel.digits.collect({ maxDigits: 5, terminators: '#', firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 2000 });
    expect(got).toEqual({ digits: '12', terminator: '#', reason: 'terminator' });
    // Nothing more came: the collect waits for the first-digit timeout, on the test's clock.
    const more = channel.digits.collect({ maxDigits: 5, terminators: '#', firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 2000 });
    clock.advance(2000);
    expect(await more).toEqual({ digits: '', reason: 'timeout' });
  });

  it('detects in-band tones when the caller has no telephone-event', async () => {
    const { channel, peer, pacer, clock } = await pair({ telephoneEvent: false });
    await stream(peer, pacer, dtmfTones('905*', { toneMs: 80, pauseMs: 80, leadMs: 40 }));
    await arrived('four keys', () => channel.digits.pending >= 4);
    const got = channel.digits.collect({ maxDigits: 10, terminators: '', firstDigitTimeoutMs: 500, interDigitTimeoutMs: 500 });
    await settle(); // it took the four keys and waits for a fifth
    clock.advance(500);
    expect((await got).digits).toBe('905*');
  });

  it('records until the finish key, writing a WAV of what arrived', async () => {
    const { channel, peer, pacer } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const file = path.join(dir, 'r.wav');
    const recording = channel.record({ path: file, maxMs: 10_000, finishKeys: '#' });
    await recordingOpen(file);
    await stream(peer, pacer, tone([440], 600, { level: -12 }));
    await sendKeys(peer, pacer, '#');
    const r = await recording;
    expect(r.reason).toBe('key');
    expect(r.durationMs).toBeGreaterThanOrEqual(500);
    const pcm = wavTo8kMono(await readFile(file));
    expect(pcm.length).toBeGreaterThanOrEqual(4000);
    expect(channel.digits.pending).toBe(0);
  });

  it('ends a recording on silence and on max length', async () => {
    const { channel, peer, pacer, clock } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const silent = channel.record({ path: path.join(dir, 's.wav'), maxMs: 5000, finishKeys: '#', silenceMs: 300 });
    await recordingOpen(path.join(dir, 's.wav'));
    await stream(peer, pacer, new Int16Array(8000));
    expect(await silent).toEqual({ durationMs: 300, reason: 'silence' });
    const max = channel.record({ path: path.join(dir, 'm.wav'), maxMs: 300, finishKeys: '#' });
    await recordingOpen(path.join(dir, 'm.wav'));
    let ended = false;
    void max.then(() => (ended = true));
    clock.advance(299);
    await settle();
    expect(ended).toBe(false);
    clock.advance(1);
    expect((await max).reason).toBe('max');
  });

  it('a hang-up ends a waiting collector, a prompt and a recording, even one whose file is still being opened', async () => {
    const { channel } = await pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const collecting = channel.digits.collect({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 });
    const recording = channel.record({ path: path.join(dir, 'h.wav'), maxMs: 10_000, finishKeys: '#' });
    await channel.close();
    expect((await collecting).reason).toBe('hangup');
    expect((await recording).reason).toBe('hangup');
    expect((await channel.play([{ text: '1000' }])).interrupted).toBe(false);
  });
});

/**
 * A streaming renderer double: a text part "200,200" is two pieces of 200 ms of tone; each piece is
 * handed out when the test says (`release`), or fails (`fail`). Streams record whether they were closed.
 */
function streamingRenderer() {
  const streams: Array<{ pieces: number[]; released: number; closed: boolean; failAt?: number; wake?: () => void }> = [];
  const r: PartRenderer = {
    render: async () => new Uint8Array(0),
    stream: (p: PlayablePart): PromptStream => {
      const st: (typeof streams)[number] = { pieces: 'text' in p ? p.text.split(',').map(Number) : [100], released: 0, closed: false };
      streams.push(st);
      let i = 0;
      return {
        next: async () => {
          while (!st.closed && i < st.pieces.length && i >= st.released) await new Promise<void>((w) => (st.wake = w));
          if (st.closed || i >= st.pieces.length) return undefined;
          if (st.failAt === i) throw new Error('engine crashed');
          return encodeUlaw(tone([1000], st.pieces[i++]!));
        },
        close: () => {
          st.closed = true;
          st.wake?.();
        },
      };
    },
  };
  const release = (s: number, n: number, failAt?: number): void => {
    const st = streams[s]!;
    st.released += n;
    if (failAt !== undefined) st.failAt = failAt;
    st.wake?.();
  };
  return { renderer: r, streams, release };
}

const loud = (f: Uint8Array): boolean => f.some((b) => b !== 0xff && b !== 0x7f);

describe('MediaChannel playing streamed prompts', () => {
  it('plays the first piece at once and the next one right after it, without a gap', async () => {
    const sr = streamingRenderer();
    const { channel, received, pacer } = await pair({ renderer: sr.renderer });
    const playing = channel.play([{ text: '200,200' }]);
    sr.release(0, 1);
    await pacer.run(5); // the first piece is playing; the second arrives while it does
    await arrived('the first piece', () => received.some(loud));
    sr.release(0, 1);
    await pacer.runUntil(playing);
    expect((await playing).interrupted).toBe(false);
    await allSent(received, pacer);
    const first = received.findIndex(loud);
    const last = received.length - 1 - [...received].reverse().findIndex(loud);
    expect(last - first + 1).toBe(20); // 400 ms of tone, back to back
    expect(received.slice(first, last + 1).every(loud)).toBe(true);
    expect(sr.streams[0]!.closed).toBe(true);
  });

  it('sends silence while a piece is late, then goes on', async () => {
    const sr = streamingRenderer();
    const { channel, received, pacer } = await pair({ renderer: sr.renderer });
    const playing = channel.play([{ text: '100,100' }]);
    sr.release(0, 1);
    await pacer.run(12); // 5 frames of the first piece, then silence while the second is late
    sr.release(0, 1);
    await pacer.runUntil(playing);
    await allSent(received, pacer);
    expect(received.filter(loud)).toHaveLength(10);
    // The first piece, silence while the second was late, then the second.
    const first = received.findIndex(loud);
    const last = received.length - 1 - [...received].reverse().findIndex(loud);
    expect(last - first + 1).toBeGreaterThan(10);
    expect(received.slice(first, first + 5).every(loud)).toBe(true);
  });

  it('barge-in while a piece is still being synthesized: stops at once and closes the stream', async () => {
    const sr = streamingRenderer();
    const { channel, peer, pacer } = await pair({ renderer: sr.renderer });
    const playing = channel.play([{ text: '200,5000' }, { text: '1000' }], { bargeIn: true });
    sr.release(0, 1);
    await pacer.run(15); // the first piece has played; the second is not ready
    await sendKeys(peer, pacer, '5');
    expect(await playing).toEqual({ interrupted: true });
    expect(sr.streams.map((s) => s.closed)).toEqual([true, true]);
    expect(channel.digits.pending).toBe(1);
  });

  it('a synthesis failure part-way is logged and the prompt goes on with the next part', async () => {
    const sr = streamingRenderer();
    const errors: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger = { error: (obj: Record<string, unknown>, msg: string) => void errors.push({ obj, msg }) } as unknown as Logger;
    const { channel, received, pacer } = await pair({ renderer: sr.renderer, logger });
    const playing = channel.play([{ text: '100,100,100' }, { text: '100' }]);
    sr.release(0, 3, 1); // the second piece fails
    sr.release(1, 1);
    await pacer.runUntil(playing);
    expect(await playing).toEqual({ interrupted: false });
    await allSent(received, pacer);
    expect(received.filter(loud)).toHaveLength(10); // the first piece of the first part, then the second part
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('prompt could not be rendered');
    expect(errors[0]!.obj).toMatchObject({ piecesPlayed: 1 });
  });

  it('a hang-up while waiting for a piece ends the prompt and closes its streams', async () => {
    const sr = streamingRenderer();
    const { channel, pacer } = await pair({ renderer: sr.renderer });
    const playing = channel.play([{ text: '100,100' }]);
    sr.release(0, 1);
    await pacer.run(8); // played the first piece, waiting for the second
    await channel.close();
    expect(await playing).toEqual({ interrupted: false });
    expect(sr.streams[0]!.closed).toBe(true);
  });

  it('a renderer without stream() still plays each part whole', async () => {
    const { channel, received, pacer } = await pair();
    await pacer.runUntil(channel.play([{ text: '100' }, { text: '100' }]));
    await allSent(received, pacer);
    expect(received.filter(loud)).toHaveLength(10);
  });
});

describe('MediaChannel with the prompt cache', () => {
  it('plays a new text sentence by sentence; a key drops the synthesis still pending', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hookline-mc-'));
    const asked: Array<{ text: string; signal?: AbortSignal }> = [];
    // The first sentence is ready at once; the second never finishes (a stuck engine) unless dropped.
    const engine: TtsEngine = {
      name: 'fake',
      synthesize: (text: string, _v?: string, o: SynthesizeOptions = {}) => {
        asked.push({ text, signal: o.signal });
        if (asked.length === 1) return Promise.resolve(tone([1000], 300, { level: -12 }));
        return new Promise((_resolve, reject) => o.signal?.addEventListener('abort', () => reject(new SpeechError('TTS_CANCELED', 'dropped'))));
      },
    };
    const prompts = new PromptCache({ dataDir, engine });
    const renderer = new RealRenderer(prompts, new AudioLibrary({ dataDir }), dataDir);
    const { channel, peer, pacer, received } = await pair({ renderer });
    const text = 'Thank you for calling Acme Corporation, the home of quality widgets since 1952 and your partner in everything.';
    const playing = channel.play([{ text }], { bargeIn: true });
    await runUntilHeard(pacer, 'the first sentence', () => received.some(loud)); // it plays while the second is being synthesized
    expect(asked.map((a) => a.text)).toEqual(['Thank you for calling Acme Corporation,', 'the home of quality widgets since 1952 and your partner in everything.']);
    await sendKeys(peer, pacer, '1');
    expect(await playing).toEqual({ interrupted: true });
    expect(asked[1]!.signal?.aborted).toBe(true);
    await prompts.settled();
    expect(prompts.stats).toMatchObject({ syntheses: 1, pieces: 2, canceled: 1 });
  });
});

describe('MediaChannel with library audio that is missing', () => {
  /** A logger double that keeps warnings and errors. */
  function recordingLogger() {
    const lines: Array<{ level: 'warn' | 'error'; obj: Record<string, unknown>; msg: string }> = [];
    const logger = {
      warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: 'warn', obj, msg }),
      error: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: 'error', obj, msg }),
      info: () => undefined,
      debug: () => undefined,
    } as unknown as Logger;
    return { logger, lines };
  }

  async function realRenderer() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hookline-mc-audio-'));
    const engine: TtsEngine = { name: 'fake', synthesize: () => Promise.resolve(tone([1000], 300, { level: -12 })) };
    return new RealRenderer(new PromptCache({ dataDir, engine }), new AudioLibrary({ dataDir }), dataDir);
  }

  it('skips a missing file (`greeting_@lang.wav` with a language nobody recorded) with a warning; the text parts still play', async () => {
    const { logger, lines } = recordingLogger();
    const { channel, received, pacer } = await pair({ renderer: await realRenderer(), logger });
    // What renderPrompt makes of [{text}, {audio: greeting_@lang.wav}, {text}] with lang = "de".
    const playing = channel.play([{ text: 'Welcome.' }, { audioPath: 'greeting_de.wav' }, { text: 'Goodbye.' }]);
    // Both texts (2 × 300 ms) and nothing for the missing file (give or take the ticks that pass while
    // the texts render: ticks run much faster than the file I/O).
    expect(await pacer.runUntil(playing)).toBeLessThan(30 + 50);
    expect(await playing).toEqual({ interrupted: false });
    await allSent(received, pacer);
    expect(received.filter(loud)).toHaveLength(30);
    expect(lines).toEqual([
      { level: 'warn', obj: { audio: 'greeting_de.wav', reason: expect.stringContaining('not found') as unknown }, msg: 'audio file cannot be played; skipping that part of the prompt' },
    ]);
  });

  it('a prompt of only a missing file ends at once instead of holding the call', async () => {
    const { logger, lines } = recordingLogger();
    const { channel, received, pacer } = await pair({ renderer: await realRenderer(), logger });
    const playing = channel.play([{ audioPath: 'menu_.wav' }]);
    expect(await pacer.runUntil(playing)).toBeLessThan(50); // a file lookup, no audio
    expect(await playing).toEqual({ interrupted: false });
    await allSent(received, pacer);
    expect(received.filter(loud)).toHaveLength(0);
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    // A name that would leave the library is skipped the same way.
    await channel.play([{ audioPath: '../flows.wav' }]);
    expect(lines.map((l) => [l.level, l.obj['audio']])).toEqual([
      ['warn', 'menu_.wav'],
      ['warn', '../flows.wav'],
    ]);
  });

  it('hold music that is missing becomes ringback, not silence', async () => {
    const { logger, lines } = recordingLogger();
    const { channel, received, pacer } = await pair({ renderer: await realRenderer(), logger });
    const stop = channel.startHold({ audioPath: 'holdmusic.wav' });
    await pacer.run(20);
    stop();
    await allSent(received, pacer);
    expect(received.filter(loud).length).toBeGreaterThan(5); // ringback's first second is tone
    expect(lines).toEqual([{ level: 'warn', obj: { audio: 'holdmusic.wav', reason: expect.stringContaining('not found') as unknown }, msg: 'hold audio cannot be played; playing ringback instead' }]);
  });
});
