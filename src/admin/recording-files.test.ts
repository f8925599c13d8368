import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.js';
import { decodeWav, encodeWav } from '../media/wav.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { RecordingFiles, wavAtRate } from './recording-files.js';

describe('wavAtRate', () => {
  const tone = (rate: number, hz: number, seconds: number): Int16Array =>
    Int16Array.from({ length: rate * seconds }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)));

  it('gives the file back unchanged at its own rate, and resampled at another, keeping length and pitch', () => {
    const wav = encodeWav(tone(8000, 440, 1), 8000);
    expect(wavAtRate(wav, 8000)).toBe(wav);
    const up = decodeWav(wavAtRate(wav, 22050));
    expect(up.sampleRate).toBe(22050);
    expect(up.channels).toHaveLength(1);
    expect(up.channels[0]!.length).toBe(22050);
    // Zero crossings per second stay 2 × 440: the same tone, not a faster or slower one.
    const ch = up.channels[0]!;
    let crossings = 0;
    for (let i = 1; i < ch.length; i++) if ((ch[i - 1]! < 0) !== (ch[i]! < 0)) crossings++;
    expect(crossings).toBeGreaterThan(870);
    expect(crossings).toBeLessThan(890);
  });
});

describe('RecordingFiles', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hookline-recfiles-'));
    store = await createSqliteStore(':memory:');
    await store.calls.create({ sessionId: 'a'.repeat(32), direction: 'inbound', from: '1', to: '2', startedAt: new Date(0), passThrough: '', monitoredSeconds: 0 });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and deletes a recording with its file, and refuses a path outside the data directory', async () => {
    const rel = path.join('recordings', 'a', 'call-1.wav');
    await mkdir(path.join(dir, 'recordings', 'a'), { recursive: true });
    await writeFile(path.join(dir, rel), 'RIFF');
    const base = { sessionId: 'a'.repeat(32), kind: 'call' as const, durationMs: 1, callerId: '', createdAt: new Date(0) };
    const id = await store.recordings.add({ ...base, path: rel });
    const files = new RecordingFiles(dir, store.reports, silentLogger);
    const rec = (await store.reports.recording(id))!;
    expect(Buffer.from(await files.read(rec)).toString()).toBe('RIFF');
    await files.remove(rec);
    expect(await store.reports.recording(id)).toBeUndefined();
    await expect(stat(path.join(dir, rel))).rejects.toThrow();
    await expect(files.read(rec)).rejects.toMatchObject({ code: 'not_found' });

    const outside = (await store.reports.recording(await store.recordings.add({ ...base, path: '../etc/passwd' })))!;
    await expect(files.read(outside)).rejects.toMatchObject({ code: 'not_found' });
  });
});
