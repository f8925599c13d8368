/**
 * Experiment for issue 6: does moving the media (pacer + RTP sends) off the thread that runs the
 * control plane keep send jitter low on ONE core? N ringback streams, sent either from the main thread
 * or from a worker thread, while the main thread runs bursts of allocating work (`--burst-ms` every
 * `--every-ms`), the process pinned to one core; capture and figures as in `npm run bench` (dumpcap on
 * lo, interval deviation from the RTP timestamp step). Prints one JSON line per (mode, load).
 *
 *   npx tsx bench/media-thread.ts [--calls 200] [--seconds 8] [--bursts 0,5,15] [--every-ms 100]
 *     [--modes main,worker,sendto,native]
 *   (SPIN_MS=n and SLOTS=n in the environment set the pacer's spinMs and maxSlots)
 *
 * Modes: `main` and `worker` as above; `sendto`, the main thread's pacer with each packet sent by the
 * native sender the server uses (src/rtp/native-send.ts) instead of dgram; `native`, every frame paced
 * and sent by the addon's thread as the server's idle calls are (RtpSession.startIdle), JavaScript only
 * opening the sessions: what media in native code costs at best.
 *
 * Result on the project's VM (2026-11-25, 200 ringback streams, p99 interval deviation): no load 10.9 ms
 * on the main thread vs 17.3 in a worker; 5 ms bursts 14.8 vs 15.6; 15 ms bursts 17.6 vs 12.0. A worker
 * on the same core does not remove the jitter: most of it comes from the sends themselves (one tick of
 * back-to-back sendto calls whose length varies), which a worker does just the same.
 *
 * Again at 1,000 streams (2026-12-06, after the send path and the pacer's spin were trimmed, machine
 * quiet, p99 / max interval deviation): no load 9.5 / 23.6 ms on the main thread vs 8.7 / 21.1 in a
 * worker; 5 ms bursts 8.9 / 23.0 vs 8.9 / 18.9; 15 ms bursts 15.8 / 24.7 vs 9.0 / 15.9 (p50 2.8 vs 0.5).
 * A worker shields the media from long control-plane bursts, and only from those; on one core it adds
 * no CPU to the control plane, which is what keeps the webhook after a caller's last key late when a
 * thousand callers finish together (the server's profile then shows the main thread 95 % busy for
 * 3.5 s, about 30 % of it sending media).
 *
 * With the native modes (2026-12-07, 1,000 streams, two runs each, CPU of the process in cores, p99 / max
 * interval deviation): no load, main 0.79-0.87 cores, 8.3-19.4 / 26-42 ms; sendto 0.69, 7.2 / 17 ms;
 * native 0.35-0.40, 3.1-3.9 / 9-12 ms. 15 ms bursts: main 0.92-0.96, 20.8-38.6 / 79-114 ms; sendto
 * 0.94, 39.8 / 62 ms; native 0.46-0.58, 4.7-10.8 / 11-25 ms. Most of what native still costs is the
 * kernel's: on loopback the sender's sendto also delivers the packet to the receiving socket and to the
 * capture.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeMedia } from './lib/analysis.js';
import { Capture, HAS_DUMPCAP } from './lib/capture.js';
import { pinning, pinned, pinSelf } from './lib/proc.js';
import { RANGE } from './media-thread/streams.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' }, seconds: { type: 'string', default: '8' }, bursts: { type: 'string', default: '0,5,15' }, 'every-ms': { type: 'string', default: '100' }, modes: { type: 'string', default: 'main,worker' } } });
if (!HAS_DUMPCAP) {
  console.error('media-thread: dumpcap is not on PATH (apt-get install tshark)');
  process.exit(2);
}
const pin = pinning(true);
pinSelf(pin.load);
const sink = createSocket('udp4');
sink.on('message', () => undefined);
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
const sinkPort = sink.address().port;
const dir = await mkdtemp(path.join(tmpdir(), 'hookline-media-thread-'));

async function run(mode: string, burstMs: number): Promise<void> {
  const file = path.join(dir, `${mode}-${burstMs}.pcap`);
  const cap = await Capture.start({ file, filter: `udp and src portrange ${RANGE.min}-${RANGE.max}`, snaplen: 64, cores: pin.load });
  const [cmd, args] = pinned(pin.server, process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'media-thread/child.ts'), mode, values.calls, values.seconds, String(burstMs), values['every-ms'], String(sinkPort)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  const stats = await cap.stop();
  const m = await analyzeMedia(file, RANGE);
  const child_ = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { cpu_share?: number };
  console.log(JSON.stringify({ bench: 'media-thread', mode, calls: Number(values.calls), burst_ms: burstMs, every_ms: Number(values['every-ms']), main_thread_cpu_share: child_.cpu_share, streams: m.jitter.streams, window_s: m.window.seconds, interval_deviation_ms: m.jitter.interval_deviation_ms, rfc3550_mean_worst_ms: m.jitter.rfc3550_jitter_ms.mean_worst_stream, capture_dropped: stats.dropped }));
}

for (const b of values.bursts.split(',').map(Number)) for (const mode of values.modes.split(',')) await run(mode, b);
sink.close();
await rm(dir, { recursive: true, force: true });
