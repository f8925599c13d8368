import { describe, expect, it } from 'vitest';
import { encodeWav, wavTo8kMono } from '../media/wav.js';
import { HEAD_SAMPLES, telephonyPcm } from './telephony-pcm.js';

/** A chirp with noise: energy across the band, so that any misplaced filter tap would show. */
function speechLike(seconds: number, rate: number): Int16Array {
  let seed = 1;
  return Int16Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const t = i / rate;
    return Math.round(9000 * Math.sin(2 * Math.PI * (200 + 800 * t) * t) + ((seed % 4000) - 2000));
  });
}

function joined(head: Int16Array, rest: Int16Array): Int16Array {
  const out = new Int16Array(head.length + rest.length);
  out.set(head);
  out.set(rest, head.length);
  return out;
}

describe('telephonyPcm', () => {
  it.each([22050, 16000, 44100, 11025, 48000])('%i Hz: head then rest equal the whole-file conversion (±1 LSB, same length)', (rate) => {
    const wav = encodeWav(speechLike(3.3, rate), rate);
    const whole = wavTo8kMono(wav);
    const parts = telephonyPcm(wav);
    expect(parts.sourceRate).toBe(rate);
    expect(parts.head).toEqual(whole.subarray(0, HEAD_SAMPLES)); // the head is exact
    const both = joined(parts.head, parts.rest!());
    expect(both.length).toBe(whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(both[i]! - whole[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('short audio comes whole, as the head', () => {
    const wav = encodeWav(speechLike(0.6, 22050), 22050);
    const parts = telephonyPcm(wav);
    expect(parts.head).toEqual(wavTo8kMono(wav));
    expect(parts.rest).toBeUndefined();
  });

  it('8 kHz audio is not resampled', () => {
    const pcm = speechLike(2, 8000);
    const parts = telephonyPcm(encodeWav(pcm, 8000));
    expect(parts.head).toEqual(pcm);
    expect(parts.rest).toBeUndefined();
  });

  it('the head grows with very long audio, so the rest is resampled while it plays', () => {
    const parts = telephonyPcm(encodeWav(speechLike(200, 22050), 22050));
    expect(parts.head.length).toBeGreaterThan(HEAD_SAMPLES);
    expect(parts.head.length).toBeGreaterThanOrEqual(Math.ceil((200 * 8000) / 30));
  });
});
