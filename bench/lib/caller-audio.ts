/**
 * What a real caller's phone sends while it walks the IVR (--caller-audio): an RTP packet every 20 ms for the
 * whole call, as every phone and trunk without silence suppression does, rather than the bench's default
 * callers, whose only packets are their keys. Each packet reaches the server's event loop (parsing,
 * statistics, G.711 decoding, the in-band key detector until the first RFC 4733 event), so this is the
 * load a deployment sizes for.
 *
 * The audio: sentences spoken by the project's own text-to-speech (espeak-ng as WebAssembly, 8 kHz), each
 * followed by a second of line noise at about −50 dBm0, looped by SIPp's rtp_stream. Speech is loud enough
 * to pass the detector's energy gate, so its filters run, as they do for a caller talking over the prompts.
 */
import { writeFile } from 'node:fs/promises';
import { encodeUlaw } from '../../src/media/g711.js';
import { EspeakWasmEngine } from '../../src/speech/index.js';
import { lineNoise } from './line-noise.js';

const SENTENCES = [
  'Hello? Yes, I would like to check the balance of my account, please.',
  'Just a moment, I am looking for the number.',
  'It should be on the letter you sent me last week.',
];

/** Writes the loop as raw G.711 µ-law (what rtp_stream sends with payload type 0); returns its length in seconds. */
export async function writeCallerAudio(file: string): Promise<number> {
  const tts = new EspeakWasmEngine();
  try {
    const parts: Int16Array[] = [];
    for (const [i, text] of SENTENCES.entries()) {
      parts.push(await tts.synthesize(text));
      parts.push(lineNoise(8000, i + 1));
    }
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    // Whole 20 ms frames, so the loop's seams fall between packets.
    const frames = Math.floor(pcm.length / 160);
    await writeFile(file, encodeUlaw(pcm.subarray(0, frames * 160)));
    return (frames * 160) / 8000;
  } finally {
    await tts.close?.();
  }
}
