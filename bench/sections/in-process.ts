/**
 * The in-process benchmarks that already exist, run as child processes so each gets a clean heap:
 *  - bench/webhook-overhead.ts (section 3): simulated calls through the real flow, store and HTTP client;
 *  - bench/rtp-jitter.ts (sections 1 and 5): N real RTP sessions through the pacer, and the baseline with
 *    one timer per call, sending to bench/rtp-sink.ts in another process.
 * They float over every core (the sink is meant to run on the other core from the sender).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { JitterResult } from '../rtp-jitter.js';
import { analyzeMedia, type JitterFigures } from '../lib/analysis.js';
import { Capture, HAS_DUMPCAP } from '../lib/capture.js';
import { exited, pinned, track, type Pinning } from '../lib/proc.js';

const BENCH = path.resolve(import.meta.dirname, '..');

async function jsonLines(script: string, args: string[], cores: string | null, timeoutMs: number): Promise<unknown[]> {
  const [cmd, full] = pinned(cores, process.execPath, ['--import', 'tsx', path.join(BENCH, script), ...args]);
  const child = track(cmd, full, { cwd: path.dirname(BENCH), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(kill);
  const lines = out.split('\n').filter((l) => l.startsWith('{'));
  if (code !== 0 || lines.length === 0) throw new Error(`${script} ${args.join(' ')} exited ${code}: ${err.slice(-1500)}`);
  return lines.map((l) => JSON.parse(l) as unknown);
}

/** Starts bench/core-canary.ts on `cores`, sending from and to `port`. */
export async function startCanary(port: number, cores: string | null): Promise<{ pid: number; stop(): Promise<void> }> {
  const [cmd, full] = pinned(cores, process.execPath, ['--import', 'tsx', path.join(BENCH, 'core-canary.ts'), String(port)]);
  const child = track(cmd, full, { cwd: path.dirname(BENCH), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`core-canary.ts exited ${code}`)));
  });
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface WebhookOverheadResult {
  bench: 'webhook-overhead';
  calls: number;
  concurrency: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  calls_per_s: number;
}

export async function webhookOverhead(calls: number, concurrency: number, cores: string | null): Promise<WebhookOverheadResult> {
  const [r] = await jsonLines('webhook-overhead.ts', [String(calls), String(concurrency)], cores, 180_000);
  return r as WebhookOverheadResult;
}

/**
 * One line of rtp-jitter.ts (its interval deviation is as rtp-sink.ts measured it: arrival intervals in the
 * receiver process, its event loop included), plus the same packets as the kernel sent them (loopback
 * capture), as for the server in section 1.
 */
export interface RtpJitterResult extends JitterResult {
  capture?: JitterFigures & { window_streams: number; window_s: number; dropped: number };
}

/** Where rtp-jitter.ts sends from (its PortAllocator) and to (its sink). */
const JITTER_RANGE = { min: 30000, max: 33999 };
const SINK_PORT = 39990;

/**
 * One run of rtp-jitter.ts at N calls, the sender on the server's core and its receiver on the load
 * generator's (`--sink-cpu`), with a loopback capture of what it sends.
 */
export async function rtpJitter(n: number, seconds: number, mode: 'pacer' | 'timers', pin: Pinning, workDir: string): Promise<RtpJitterResult> {
  const file = path.join(workDir, `rtp-jitter-${mode}-${n}.pcap`);
  const cap = HAS_DUMPCAP
    ? await Capture.start({ file, filter: `udp and src portrange ${JITTER_RANGE.min}-${JITTER_RANGE.max} and dst port ${SINK_PORT}`, snaplen: 64, cores: pin.load })
    : undefined;
  const args = ['--calls', String(n), '--seconds', String(seconds), '--mode', mode, ...(pin.load ? ['--sink-cpu', pin.load] : [])];
  let r: RtpJitterResult | undefined;
  let capture: RtpJitterResult['capture'];
  try {
    [r] = (await jsonLines('rtp-jitter.ts', args, pin.server, 90_000 + seconds * 1000)) as [RtpJitterResult];
  } finally {
    const stats = await cap?.stop();
    if (r && stats) {
      const m = await analyzeMedia(file, JITTER_RANGE);
      capture = { ...m.jitter, window_streams: m.window.streams, window_s: m.window.seconds, dropped: stats.dropped };
    }
    await rm(file, { force: true });
  }
  return capture ? { ...r, capture } : r;
}
