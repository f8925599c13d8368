import { writeWav } from '../media/wav.js';

/** The simulator has no real audio: its recordings are silence of the simulated length, as real WAVs. */
export async function writeSilentWav(path: string, durationMs: number, channels: 1 | 2): Promise<void> {
  const samples = Math.round((durationMs / 1000) * 8000);
  await writeWav(path, Array.from({ length: channels }, () => new Int16Array(samples)));
}
