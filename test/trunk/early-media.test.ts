import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { blockEnergy, goertzelCoeff, goertzelPower } from '../../src/media/goertzel.js';
import { ringbackFrames, tone } from '../../src/media/tones.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import {  } from '../helpers.js';
import { CallerMedia, SCENARIOS, ci, freeRtpPort, freeSipPort, hasSipp, isTone, startSipp, waitForLog, type Hookline, trunkSuite } from './harness.js';

/**
 * Early media from the trunk (RFC 3960) against SIPp: the far end (early-media-far.xml) answers
 * hookline's INVITE with 183 Session Progress and SDP at once and with 200 OK 2.5 s later, echoing
 * whatever reaches its media port (-rtp_echo). The SIPp caller (caller.xml) reaches an IVR whose
 * webhook transfers it there; the caller's media, played and heard from this process, talks a 1 kHz
 * tone. With early media passed through, the caller hears that tone come back through the far end
 * before the far end answers, and no ringback meanwhile.
 */

const FLOWS = (hook: string) => `
numbers:
  "8005550100": ivr/1
ivrs:
  - id: 1
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=3125550101" }
`;

// hookline's RTP range for this file; every other port is a free one outside all such ranges (harness.ts).
const HOOKLINE_RTP = { min: 35000, max: 35249 }; // redirect.test.ts has 35250-35499
/** North American ringback (440 + 480 Hz): most of a loud frame's energy in those two bins. */
function isRingback(pcm: Int16Array): boolean {
  const energy = blockEnergy(pcm);
  if (energy < pcm.length * 300 * 300) return false;
  const p = goertzelPower(pcm, goertzelCoeff(440)) + goertzelPower(pcm, goertzelCoeff(480));
  return p / energy > 0.5 * (pcm.length / 2);
}

describe.skipIf(!hasSipp && !ci)('early media from the trunk against SIPp', () => {
  let dir: string;
  let hookline: Hookline;
  let farPort: number;
  trunkSuite({ prefix: 'hookline-early-', flows: FLOWS, rtpPorts: `${HOOKLINE_RTP.min}-${HOOKLINE_RTP.max}` }, (s) => ({ dir, hookline, farPort } = s));

  it('the ringback detector of this test tells ringback from the caller\'s tone', () => {
    const frames = ringbackFrames();
    expect(isRingback(frames.next().value)).toBe(true);
    expect(isRingback(tone([1000], 20, { level: -12 }))).toBe(false);
  });

  it('transfer: the caller hears the far end\'s early media (its own voice echoed) before the 200, and no ringback then', async () => {
    const since = hookline.logs.length;
    const mediaPort = await freeRtpPort();
    const media = await CallerMedia.open(new PortAllocator(mediaPort, mediaPort + 1));
    const farMediaPort = await freeRtpPort();
    const messages = path.join(dir, `far-${Date.now()}.log`);
    const far = startSipp([
      '-sf', path.join(SCENARIOS, 'early-media-far.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-mi', '127.0.0.1', '-mp', String(farMediaPort),
      '-rtp_echo', '-m', '1', '-trace_msg', '-message_file', messages,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const callerPort = await freeSipPort();
    const inf = path.join(dir, `caller-${callerPort}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${media.port};hangup\n`);
    const call = startSipp([`127.0.0.1:${hookline.sipPort}`, '-sf', path.join(SCENARIOS, 'caller.xml'), '-s', '8005550100', '-i', '127.0.0.1', '-p', String(callerPort), '-m', '1', '-d', '8000', '-inf', inf]);

    const early = await waitForLog(hookline, 'early media: the caller hears the far end instead of ringback', { since });
    const answered = await waitForLog(hookline, 'outbound leg answered', { since });
    const [c, f] = await Promise.all([call.done, far.done]);
    const earlyEnded = await waitForLog(hookline, 'early media ended', { since, ms: 5000 });
    await waitForLog(hookline, 'bridge ended', { since, ms: 5000 });
    await media.close();

    expect(c.code, c.output).toBe(0);
    expect(f.code, f.output).toBe(0);
    const trace = await readFile(messages, 'utf8');
    expect(trace).toContain('SIP/2.0 183 Session Progress');
    expect(early.sessionId).toBe(answered.sessionId);
    // The early media began with the far end's first packet, well before its 200 (sent 2.5 s after the 183).
    expect(answered.time - early.time).toBeGreaterThan(2000);

    const between = media.frames.filter((fr) => fr.at >= early.time + 100 && fr.at < answered.time);
    const heard = between.filter((fr) => isTone(fr.pcm, 1000)).length;
    const ringback = between.filter((fr) => isRingback(fr.pcm)).length;
    // About 2.4 s of the caller's own 1 kHz voice came back through the far end before the answer...
    expect(heard, `${heard} of ${between.length} frames were the echoed tone`).toBeGreaterThan(60);
    // ...and not one frame of ringback was played over it.
    expect(ringback).toBe(0);
    const stats = earlyEnded as unknown as { toCaller: { relayed: number }; toCallee: { relayed: number; transcoded: number } };
    expect(stats.toCaller.relayed).toBeGreaterThan(60);
    // The caller's PCMA crossed to the PCMU far end.
    expect(stats.toCallee.transcoded).toBe(stats.toCallee.relayed);
  }, 60_000);
});
