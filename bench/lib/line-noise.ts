/**
 * Line noise about −50 dBm0: what a quiet caller's line carries between words. A fixed LCG, not
 * Math.random, so that every run does the same work and sends the same bytes.
 */
export function lineNoise(samples: number, seed: number): Int16Array {
  const out = new Int16Array(samples);
  let x = seed >>> 0;
  for (let i = 0; i < samples; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = ((x >>> 16) % 141) - 70;
  }
  return out;
}
