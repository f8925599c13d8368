/** Hold audio as the media channel plays it: a loop of whole 20 ms frames, which the RTP addon's thread can play too. */
import { encodeAlaw, encodeUlaw } from '../../media/g711.js';
import { cadenceCycle, RINGBACK_NA } from '../../media/tones.js';
import type { G711Law } from '../../speech/prompt-cache.js';

const FRAME = 160; // 20 ms at 8 kHz

/** Hold audio: whole frames played in a loop (ringback's is one cadence, see ringbackLoop). */
export interface HoldLoop {
  bytes: Uint8Array;
  pos: number;
  ringback: boolean;
}

const ringbackLoops: Partial<Record<G711Law, Uint8Array>> = {};
/**
 * One whole cadence of ringback (6 s), encoded once per law: the tone's phase comes from the absolute
 * sample index and both of its frequencies complete whole cycles in a cadence, so the loop is the endless
 * tone itself, and a loop is what the addon's thread can play (RtpSession.startIdle).
 */
export function ringbackLoop(law: G711Law): Uint8Array {
  const cached = ringbackLoops[law];
  if (cached) return cached;
  const pcm = cadenceCycle(RINGBACK_NA);
  const loop = law === 'ulaw' ? encodeUlaw(pcm) : encodeAlaw(pcm);
  ringbackLoops[law] = loop;
  return loop;
}

/** The next frame of a hold loop. */
export function holdFrame(h: HoldLoop): Uint8Array {
  if (h.pos + FRAME > h.bytes.length) h.pos = 0;
  const f = h.bytes.subarray(h.pos, h.pos + FRAME);
  h.pos += FRAME;
  return f;
}
