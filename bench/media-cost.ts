/**
 * What one frame costs the server's media path, in a fixed amount of work (so that the figure does not
 * depend on how busy the machine is, unlike jitter). One JSON line per run:
 *
 *   npx tsx bench/media-cost.ts --path send|receive|detect [--sessions 100] [--frames 500]
 *                               [--audio silence|noise|speech|dtmf] [--no-te] [--warm 100] [--native]
 *
 *  - send: `sessions` real MediaChannels on real RtpSessions tick `frames` times (what the pacer does: each
 *    tick every channel sends one frame, then the event loop turns once) to a sink in another process. The
 *    channels play a prompt (`--audio` other than silence) or silence.
 *  - receive: the same channels are handed `frames` RTP audio packets each, as their sockets would hand them
 *    (the socket's 'message' event, so no system call is counted): parsing, statistics, G.711 decoding, the
 *    in-band DTMF detector. `--no-te`: the call did not negotiate telephone-event (RFC 4733), the case where
 *    in-band keys are the only keys.
 *  - detect: the DtmfDetector alone on `frames` × `sessions` frames of PCM.
 *  - `--native`: the sessions send with the native sender (src/rtp/native-send.ts) instead of dgram.
 *
 * `cpu_us_per_frame` is process.cpuUsage() (user + system, the kernel's sendto included) over the measured
 * frames: steady on a busy machine, though caches shared with other processes move it a little. For a count
 * that does not move at all, run it under valgrind: bench/instructions.ts does (instructions per frame from
 * two runs of different lengths, so start-up cancels out).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { Socket } from 'node:dgram';
import { FakeClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { PortAllocator } from '../src/rtp/ports.js';
import { RtpSession } from '../src/rtp/session.js';
import { loadNativeSender } from '../src/rtp/native-send.js';
import { writeRtp } from '../src/rtp/packet.js';
import { ManualPacer } from '../src/media/testing.js';
import { encodeUlaw } from '../src/media/g711.js';
import { DtmfDetector } from '../src/media/dtmf-detect.js';
import { dtmfTones, tones } from '../src/media/dtmf-tones.js';
import { lineNoise } from './lib/line-noise.js';
import { MediaChannel } from '../src/calls/telephony/media-channel.js';
import type { PartRenderer } from '../src/calls/telephony/renderer.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: 'send' },
    sessions: { type: 'string', default: '100' },
    frames: { type: 'string', default: '500' },
    warm: { type: 'string', default: '100' },
    audio: { type: 'string', default: 'silence' },
    'no-te': { type: 'boolean', default: false },
    native: { type: 'boolean', default: false },
  },
});
const what = values.path as 'send' | 'receive' | 'detect';
const sessions = Number(values.sessions);
const frames = Number(values.frames);
const warm = Number(values.warm);
const audio = values.audio as 'silence' | 'noise' | 'speech' | 'dtmf';
const FRAME = 160;

/** `seconds` of the chosen audio as 8 kHz PCM. */
function pcmOf(kind: typeof audio, seconds: number): Int16Array {
  const n = seconds * 8000;
  if (kind === 'silence') return new Int16Array(n);
  if (kind === 'dtmf') {
    const keys = dtmfTones('1234567890*#', { toneMs: 100, pauseMs: 100 });
    const out = new Int16Array(n);
    for (let o = 0; o < n; o += keys.length) out.set(keys.subarray(0, Math.min(keys.length, n - o)), o);
    return out;
  }
  if (kind === 'noise') return lineNoise(n, 12345);
  // Voice-like: a 140 Hz fundamental with falling harmonics around −15 dBm0, its pitch gliding.
  const spec = [1, 2, 3, 4, 5, 6, 7, 8].map((h) => ({ freq: 140 * h, dbm0: -15 - 3 * h }));
  return tones(spec, seconds * 1000);
}

function cpuUs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

async function detect(): Promise<Record<string, number>> {
  const pcm = pcmOf(audio, 10);
  const d = new DtmfDetector();
  let keys = 0;
  const frameAt = (i: number): Int16Array => {
    const o = (i * FRAME) % (pcm.length - FRAME);
    return pcm.subarray(o, o + FRAME);
  };
  for (let i = 0; i < warm * sessions; i++) d.detect(frameAt(i));
  const t0 = process.cpuUsage();
  for (let i = 0; i < frames * sessions; i++) keys += d.detect(frameAt(i)).length;
  return { cpu_us_per_frame: cpuUs(t0) / (frames * sessions), keys };
}

interface Rig {
  channels: MediaChannel[];
  close(): Promise<void>;
}

async function rig(opts: { remotePort: number; prompt: Uint8Array | undefined; te: boolean }): Promise<Rig> {
  // A range of its own per process (parallel runs under bench/instructions.ts must not collide).
  const base = 36000 + (process.pid % 8) * 400;
  const allocator = new PortAllocator(base, base + 2 * sessions + 10);
  const renderer: PartRenderer = { render: async () => opts.prompt ?? new Uint8Array(0) };
  const pacer = new ManualPacer();
  const clock = new FakeClock();
  const channels: MediaChannel[] = [];
  const sender = values.native ? loadNativeSender() : undefined;
  for (let i = 0; i < sessions; i++) {
    const s = await RtpSession.open({
      allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, rtcpIntervalMs: 3_600_000,
      remote: { address: '127.0.0.1', port: opts.remotePort }, ...(opts.te ? { telephoneEventPt: 101 } : {}),
      ...(sender && { sender }),
    });
    const ch = new MediaChannel(s, 'ulaw', { pacer, clock, renderer, logger: silentLogger });
    if (opts.prompt) void ch.play([{ text: 'bench' }]);
    channels.push(ch);
  }
  await new Promise((r) => setImmediate(r));
  return { channels, close: async () => void (await Promise.all(channels.map((c) => c.close()))) };
}

/** A sink in another process, so that its receiving is not counted here. */
async function startSink(): Promise<{ port: number; stop(): void }> {
  const code = `const s=require('node:dgram').createSocket('udp4');s.on('message',()=>{});s.bind(0,'127.0.0.1',()=>process.send(s.address().port));process.on('disconnect',()=>process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (p) => resolve(Number(p)));
    child.once('exit', (c) => reject(new Error(`sink exited ${c}`)));
  });
  return { port, stop: () => child.kill() };
}

async function send(): Promise<Record<string, number>> {
  const sink = await startSink();
  const prompt = audio === 'silence' ? undefined : encodeUlaw(pcmOf(audio, Math.ceil((warm + frames) / 50) + 1));
  const r = await rig({ remotePort: sink.port, prompt, te: !values['no-te'] });
  const tick = async (): Promise<void> => {
    for (const c of r.channels) c.tick();
    await new Promise((res) => setImmediate(res));
  };
  for (let i = 0; i < warm; i++) await tick();
  const t0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) await tick();
  const us = cpuUs(t0);
  const sent = r.channels.reduce((n, c) => n + c.session.stats.packetsSent, 0);
  await r.close();
  sink.stop();
  return { cpu_us_per_frame: us / (frames * sessions), packets_sent: sent };
}

async function receive(): Promise<Record<string, number>> {
  const te = !values['no-te'];
  const r = await rig({ remotePort: 9, prompt: undefined, te });
  const codes = encodeUlaw(pcmOf(audio, 10));
  const rinfo = { address: '127.0.0.1', family: 'IPv4' as const, port: 40000, size: 172 };
  // One datagram per channel, rewritten in place for each frame as a socket's receive buffer would be.
  const bufs = r.channels.map(() => Buffer.alloc(12 + FRAME));
  const sockets = r.channels.map((c) => (c.session as unknown as { rtpSocket: Socket }).rtpSocket);
  let keys = 0;
  for (const c of r.channels) c.digits.onKey(() => keys++);
  const feed = async (n: number, from: number): Promise<void> => {
    for (let f = from; f < from + n; f++) {
      const o = (f * FRAME) % (codes.length - FRAME);
      for (let i = 0; i < sockets.length; i++) {
        const b = bufs[i]!;
        writeRtp({ marker: f === 0, payloadType: 0, sequenceNumber: f & 0xffff, timestamp: f * FRAME, ssrc: 0x1000 + i }, codes.subarray(o, o + FRAME), b);
        sockets[i]!.emit('message', b, rinfo);
      }
      await new Promise((res) => setImmediate(res));
    }
  };
  await feed(warm, 0);
  keys = 0;
  const t0 = process.cpuUsage();
  await feed(frames, warm);
  const us = cpuUs(t0);
  await r.close();
  return { cpu_us_per_frame: us / (frames * sessions), keys };
}

const result = what === 'detect' ? await detect() : what === 'send' ? await send() : await receive();
console.log(JSON.stringify({ bench: 'media-cost', path: what, audio, telephone_event: !values['no-te'], sessions, frames, ...result, cpu_us_per_frame: Number(result['cpu_us_per_frame']!.toFixed(3)) }));
