import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dtmfTones } from '../../media/dtmf-tones.js';
import { tone } from '../../media/tones.js';
import { wavTo8kMono } from '../../media/wav.js';
import { PortAllocator } from '../../rtp/ports.js';
import { ChannelPairs, allSent, arrived, recordingOpen, sendKeys, settle, stream } from './channel-testing.js';

// Prompts, keys and recordings; streamed prompts, the prompt cache and missing audio are in media-channel-prompts.test.ts.
const pairs = new ChannelPairs(new PortAllocator(17000, 17199));
afterEach(() => pairs.closeAll());

describe('MediaChannel over real RTP on 127.0.0.1', () => {
  it('plays a prompt as 20 ms frames and resolves when the last has been sent', async () => {
    const { channel, received, pacer } = await pairs.pair();
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
    const { channel, peer, pacer, clock } = await pairs.pair();
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
    const { channel, peer, pacer, clock } = await pairs.pair({ telephoneEvent: false });
    await stream(peer, pacer, dtmfTones('905*', { toneMs: 80, pauseMs: 80, leadMs: 40 }));
    await arrived('four keys', () => channel.digits.pending >= 4);
    const got = channel.digits.collect({ maxDigits: 10, terminators: '', firstDigitTimeoutMs: 500, interDigitTimeoutMs: 500 });
    await settle(); // it took the four keys and waits for a fifth
    clock.advance(500);
    expect((await got).digits).toBe('905*');
  });

  it('records until the finish key, writing a WAV of what arrived', async () => {
    const { channel, peer, pacer } = await pairs.pair();
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
    const { channel, peer, pacer, clock } = await pairs.pair();
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
    const { channel } = await pairs.pair();
    const dir = await mkdtemp(path.join(tmpdir(), 'hookline-rec-'));
    const collecting = channel.digits.collect({ maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 });
    const recording = channel.record({ path: path.join(dir, 'h.wav'), maxMs: 10_000, finishKeys: '#' });
    await channel.close();
    expect((await collecting).reason).toBe('hangup');
    expect((await recording).reason).toBe('hangup');
    expect((await channel.play([{ text: '1000' }])).interrupted).toBe(false);
  });
});
