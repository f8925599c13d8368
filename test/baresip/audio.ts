/**
 * Reads the WAV that baresip's sndfile filter wrote (libsndfile, 16-bit PCM) and measures it. Parsed
 * here rather than with src/media/wav.ts so that the check does not lean on the code under test.
 */

export interface Pcm16 {
  sampleRate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
}

export function parsePcm16Wav(buf: Buffer): Pcm16 {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`not a RIFF/WAVE file (${buf.length} bytes)`);
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt chunk');
      // WAVE_FORMAT_EXTENSIBLE (0xFFFE) carries PCM too; anything else is not what sndfile writes here.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) throw new Error(`expected 16-bit PCM, got format ${fmt.format}, ${fmt.bits} bits`);
      // A file whose writer was killed may still say 0 (or too much): trust the bytes that are there.
      const available = buf.length - body;
      const bytes = size === 0 || size > available ? available : size;
      const samples = new Int16Array(Math.floor(bytes / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + 2 * i);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
    }
    off = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** RMS of each whole `frameMs` frame of a mono signal. */
export function frameRms(samples: Int16Array, sampleRate: number, frameMs = 20): number[] {
  const n = Math.round((sampleRate * frameMs) / 1000);
  const out: number[] = [];
  for (let start = 0; start + n <= samples.length; start += n) {
    let sum = 0;
    for (let i = start; i < start + n; i++) sum += (samples[i] as number) ** 2;
    out.push(Math.sqrt(sum / n));
  }
  return out;
}

export interface Segment {
  startS: number;
  endS: number;
}

export interface AudioFigures {
  durationS: number;
  frames: number;
  voicedFrames: number;
  /** Seconds of 20 ms frames above the threshold. */
  voicedS: number;
  voicedShare: number;
  /** Mean RMS of the voiced frames, and of the others. */
  voicedRms: number;
  quietRms: number;
  peakRms: number;
  /** Standard deviation of the frame RMS values: 0 for a constant signal. */
  rmsStdDev: number;
  /** Voiced stretches, gaps shorter than `mergeGapMs` (between words) closed. */
  segments: Segment[];
}

export function measure(rms: number[], threshold: number, frameMs = 20, mergeGapMs = 400): AudioFigures {
  const voiced = rms.map((r) => r >= threshold);
  const voicedFrames = voiced.filter(Boolean).length;
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const all = mean(rms);
  const segments: Segment[] = [];
  const gapFrames = mergeGapMs / frameMs;
  let start = -1;
  let lastVoiced = -1;
  voiced.forEach((v, i) => {
    if (!v) return;
    if (start < 0) start = i;
    else if (i - lastVoiced > gapFrames) {
      segments.push({ startS: (start * frameMs) / 1000, endS: ((lastVoiced + 1) * frameMs) / 1000 });
      start = i;
    }
    lastVoiced = i;
  });
  if (start >= 0) segments.push({ startS: (start * frameMs) / 1000, endS: ((lastVoiced + 1) * frameMs) / 1000 });
  return {
    durationS: (rms.length * frameMs) / 1000,
    frames: rms.length,
    voicedFrames,
    voicedS: (voicedFrames * frameMs) / 1000,
    voicedShare: rms.length ? voicedFrames / rms.length : 0,
    voicedRms: mean(rms.filter((_, i) => voiced[i])),
    quietRms: mean(rms.filter((_, i) => !voiced[i])),
    peakRms: Math.max(0, ...rms),
    rmsStdDev: Math.sqrt(mean(rms.map((r) => (r - all) ** 2))),
    segments,
  };
}

/** Voiced seconds between `fromS` and `toS`. */
export function voicedSecondsBetween(rms: number[], threshold: number, fromS: number, toS: number, frameMs = 20): number {
  const a = Math.max(0, Math.floor((fromS * 1000) / frameMs));
  const b = Math.min(rms.length, Math.ceil((toS * 1000) / frameMs));
  let n = 0;
  for (let i = a; i < b; i++) if ((rms[i] as number) >= threshold) n++;
  return (n * frameMs) / 1000;
}
