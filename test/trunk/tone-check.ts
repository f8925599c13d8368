/** Whether what a test heard is a tone (Goertzel), for the trunk interop tests. Re-exported by harness.ts. */
import { goertzelCoeff, goertzelPower } from '../../src/media/goertzel.js';

/** A loud 20 ms frame whose energy is mostly at `freq`. */
export function isTone(pcm: Int16Array, freq: number): boolean {
  let energy = 0;
  for (const s of pcm) energy += s * s;
  // A pure tone of amplitude A gives Goertzel power (A·N/2)² and energy A²·N/2: a ratio of N/2.
  return energy > pcm.length * 300 * 300 && goertzelPower(pcm, goertzelCoeff(freq)) / energy > 0.5 * (pcm.length / 2);
}

/** How many 160-sample frames of `pcm` are mostly `freq`. */
export function toneFrames(pcm: Int16Array, freq: number): number {
  let n = 0;
  for (let off = 0; off + 160 <= pcm.length; off += 160) if (isTone(pcm.subarray(off, off + 160), freq)) n++;
  return n;
}
