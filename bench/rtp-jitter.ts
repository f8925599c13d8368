/**
 * RTP send jitter with N concurrent calls (issues 4 and 6): N real RTP sessions, each a real
 * MediaChannel playing ringback through the one pacing clock, send to a receiver in another process
 * (bench/rtp-sink.ts) that measures arrival intervals. `--mode timers` is the baseline design with one
 * setInterval per call. Prints one JSON line per run.
 *
 *   npx tsx bench/rtp-jitter.ts [--calls 50,200,500,1000] [--seconds 10] [--mode pacer|timers] [--sink-cpu 1]
 *   (run the sender itself under `taskset -c 0` so that the two never share a core)
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { PortAllocator } from '../src/rtp/ports.js';
import { RtpSession } from '../src/rtp/session.js';
import { Pacer } from '../src/media/pacer.js';
import { encodeUlaw } from '../src/media/g711.js';
import { ringbackFrames } from '../src/media/tones.js';
import { MediaChannel } from '../src/calls/telephony/media-channel.js';
import type { PromptRenderer } from '../src/calls/telephony/renderer.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '50,200,500,1000' }, seconds: { type: 'string', default: '10' }, mode: { type: 'string', default: 'pacer' }, 'sink-cpu': { type: 'string' } },
});
const counts = values.calls.split(',').map(Number);
const seconds = Number(values.seconds);
const mode = values.mode as 'pacer' | 'timers';
const SINK_PORT = 39990;
const noRenderer = { render: async () => new Uint8Array(0) } as unknown as PromptRenderer;

export interface JitterResult {
  bench: 'rtp-jitter';
  mode: string;
  calls: number;
  seconds: number;
  streams: number;
  packets: number;
  interval_deviation_ms: { p50: number; p99: number; max: number };
  rfc3550_jitter_ms: { median_stream: number; worst_stream: number };
  receiver_loop_delay_ms: { p50: number; p99: number };
  sender_cpu_ms_per_call_per_s: number;
  sender_rss_mb: number;
  pacer_lateness_ms?: { p50: number; p99: number; max: number };
  pacer_tick_ms?: { p50: number; p99: number };
  pacer_skipped?: number;
}

async function run(n: number): Promise<JitterResult> {
  // The receiver gets a core of its own when `--sink-cpu` names one (taskset), so the sender cannot delay it.
  const pin = values['sink-cpu'] ? { execPath: 'taskset', execArgv: ['-c', values['sink-cpu'], process.execPath, '--import', 'tsx'] } : { execArgv: ['--import', 'tsx'] };
  const sink = fork(path.join(import.meta.dirname, 'rtp-sink.ts'), [String(SINK_PORT)], { ...pin, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  sink.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => sink.once('message', () => r()));

  const allocator = new PortAllocator(30000, 33999);
  const pacer = new Pacer();
  const sessions: RtpSession[] = [];
  const stops: Array<() => void> = [];
  const channels: MediaChannel[] = [];
  for (let i = 0; i < n; i++) {
    const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: SINK_PORT } });
    sessions.push(s);
    if (mode === 'pacer') {
      const ch = new MediaChannel(s, 'ulaw', { pacer, clock: systemClock, renderer: noRenderer, logger: silentLogger });
      ch.startHold('ringback');
      channels.push(ch);
    } else {
      const frames = ringbackFrames();
      const out8 = new Uint8Array(160);
      const t = setInterval(() => s.sendFrame(encodeUlaw(frames.next().value, out8)), 20);
      stops.push(() => clearInterval(t));
    }
  }
  // Let every stream start, then measure over a fixed window.
  await new Promise((r) => setTimeout(r, 500));
  pacer.resetStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  const rss = process.memoryUsage().rss;
  const ps = pacer.stats();
  const done = new Promise<void>((r) => sink.once('exit', () => r()));
  sink.kill('SIGTERM');
  await done;
  for (const s of stops) s();
  await Promise.all(channels.map((c) => c.close()));
  await Promise.all(sessions.map((s) => s.close()));
  pacer.close();
  const measured = JSON.parse(out.trim()) as Omit<JitterResult, 'bench' | 'mode' | 'calls' | 'seconds' | 'sender_cpu_ms_per_call_per_s' | 'sender_rss_mb'>;
  return {
    bench: 'rtp-jitter',
    mode,
    calls: n,
    seconds,
    ...measured,
    sender_cpu_ms_per_call_per_s: +((cpu.user + cpu.system) / 1000 / n / wallS).toFixed(3),
    sender_rss_mb: Math.round(rss / 1e6),
    ...(mode === 'pacer' ? { pacer_lateness_ms: { p50: ps.lateness.p50Ms, p99: ps.lateness.p99Ms, max: ps.lateness.maxMs }, pacer_tick_ms: { p50: ps.tickDuration.p50Ms, p99: ps.tickDuration.p99Ms }, pacer_skipped: ps.skipped } : {}),
  };
}

for (const n of counts) console.log(JSON.stringify(await run(n)));
