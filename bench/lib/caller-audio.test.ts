import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ulawToLinear } from '../../src/media/g711.js';
import { writeCallerAudio } from './caller-audio.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('writeCallerAudio (--caller-audio)', () => {
  it('writes whole 20 ms frames of µ-law that hold speech loud enough for the key detector to look at, and quiet line noise', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caller-audio-'));
    dirs.push(dir);
    const file = path.join(dir, 'caller.ulaw');
    const seconds = await writeCallerAudio(file);
    const codes = await readFile(file);
    expect(codes.length % 160).toBe(0);
    expect(codes.length / 8000).toBeCloseTo(seconds, 6);
    expect(seconds).toBeGreaterThan(6); // three sentences and three seconds of line noise
    // Per-frame RMS: some frames are speech (well above −40 dBFS), and the last second is line noise only.
    const rms = (from: number): number => {
      let e = 0;
      for (let i = from; i < from + 160; i++) e += ulawToLinear(codes[i]!) ** 2;
      return Math.sqrt(e / 160) / 32768;
    };
    const frames = Array.from({ length: codes.length / 160 }, (_, k) => rms(k * 160));
    expect(frames.filter((r) => r > 0.01).length).toBeGreaterThan(frames.length / 4);
    expect(Math.max(...frames.slice(-40))).toBeLessThan(0.003);
  }, 60_000);
});
