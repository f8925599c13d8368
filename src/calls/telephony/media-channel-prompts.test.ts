import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../lib/logger.js';
import { encodeUlaw } from '../../media/g711.js';
import { tone } from '../../media/tones.js';
import { PortAllocator } from '../../rtp/ports.js';
import { AudioLibrary } from '../../speech/audio-library.js';
import { SpeechError } from '../../speech/errors.js';
import { PromptCache } from '../../speech/prompt-cache.js';
import type { PromptStream } from '../../speech/prompt-stream.js';
import type { SynthesizeOptions, TtsEngine } from '../../speech/types.js';
import type { PlayablePart } from '../types.js';
import { ChannelPairs, allSent, arrived, runUntilHeard, sendKeys } from './channel-testing.js';
import { PromptRenderer as RealRenderer, type PartRenderer } from './renderer.js';

// MediaChannel playing prompts that arrive piece by piece: streamed synthesis, the prompt cache, library audio that is missing.
const pairs = new ChannelPairs(new PortAllocator(17200, 17399));
afterEach(() => pairs.closeAll());

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
    const { channel, received, pacer } = await pairs.pair({ renderer: sr.renderer });
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
    const { channel, received, pacer } = await pairs.pair({ renderer: sr.renderer });
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
    const { channel, peer, pacer } = await pairs.pair({ renderer: sr.renderer });
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
    const { channel, received, pacer } = await pairs.pair({ renderer: sr.renderer, logger });
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
    const { channel, pacer } = await pairs.pair({ renderer: sr.renderer });
    const playing = channel.play([{ text: '100,100' }]);
    sr.release(0, 1);
    await pacer.run(8); // played the first piece, waiting for the second
    await channel.close();
    expect(await playing).toEqual({ interrupted: false });
    expect(sr.streams[0]!.closed).toBe(true);
  });

  it('a renderer without stream() still plays each part whole', async () => {
    const { channel, received, pacer } = await pairs.pair();
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
    const { channel, peer, pacer, received } = await pairs.pair({ renderer });
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
    const renderer = await realRenderer();
    // The texts are synthesized beforehand (and kept in the cache's memory), so that the one file I/O while
    // the prompt plays is the lookup of the missing file: ticks run far faster than file I/O, and on a
    // busy machine the texts' own cache writes let more than 50 ticks pass.
    for (const text of ['Welcome.', 'Goodbye.']) await renderer.render({ text }, 'ulaw');
    const { channel, received, pacer } = await pairs.pair({ renderer, logger });
    // What renderPrompt makes of [{text}, {audio: greeting_@lang.wav}, {text}] with lang = "de".
    const playing = channel.play([{ text: 'Welcome.' }, { audioPath: 'greeting_de.wav' }, { text: 'Goodbye.' }]);
    // Both texts (2 × 300 ms) and nothing for the missing file (give or take the ticks that pass while
    // it is looked up).
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
    const { channel, received, pacer } = await pairs.pair({ renderer: await realRenderer(), logger });
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
    const { channel, received, pacer } = await pairs.pair({ renderer: await realRenderer(), logger });
    const stop = channel.startHold({ audioPath: 'holdmusic.wav' });
    await pacer.run(20);
    stop();
    await allSent(received, pacer);
    expect(received.filter(loud).length).toBeGreaterThan(5); // ringback's first second is tone
    expect(lines).toEqual([{ level: 'warn', obj: { audio: 'holdmusic.wav', reason: expect.stringContaining('not found') as unknown }, msg: 'hold audio cannot be played; playing ringback instead' }]);
  });
});
