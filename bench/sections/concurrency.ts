/**
 * Section 1: N simultaneous SIPp callers, each walking ivr/10 with RFC 4733 keys, its webhook answered by
 * a local WebhookReceiver. N steps up until a step breaks a quality limit. Each step runs against a fresh
 * `hookline serve` (pinned to a core of its own when it can be), with two loopback captures running:
 * the server's RTP range (its send jitter, the callers' keys) and the signalling (SIP, the webhook's TCP).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';

import path from 'node:path';
import { analyzeMedia, analyzeSignalling, webhookAfterKey, type JitterFigures, type MediaAnalysis } from '../lib/analysis.js';
import { Capture } from '../lib/capture.js';
import { NUMBERS, benchFlows, startArrivals, tallyKeys } from '../lib/flows.js';
import { recordKernelShare, type KernelShare } from '../lib/kernel-share.js';
import { cpuMsOf, cpuSplitOf, memoryOf, rssSampler, sleep, stealMs, type Pinning } from '../lib/proc.js';
import { errorLogs, metric, startServer } from '../lib/server.js';
import { failureSummary, preparePcaps, runUac, startUas, STOCK_PCAP_EVENT_PT } from '../lib/sipp.js';
import { quantiles, round, type Quantiles } from '../lib/stats.js';
import { churnCallers, churnResult, runChurn, type Churn, type ChurnResult } from './churn.js';
import { startCanary } from './in-process.js';

export type { Churn } from './churn.js';

/** Below every range the tests and the other benches use (test/interop takes 21000-32099), so that a test
 * running at the same time on this machine neither takes our ports nor shows up in our capture. */
export const RTP_RANGE = { min: 10000, max: 16999 };
/** The core canary's port (bench/core-canary.ts): outside every range the benchmark's servers use. */
export const CANARY_PORT = 39980;

export interface Limits {
  /** Send jitter (interval deviation) p99 above this breaks a step. */
  jitterP99Ms: number;
}

export interface StepResult {
  calls: number;
  rate_cps: number;
  hold_ms: number;
  wall_s: number;
  sipp: { exit: number | null; successful: number; failed: number; cpu_ms: number };
  failed_calls: number;
  webhooks: number;
  keys: { lost: number; doubled: number; calls_wrong: number; calls_without_webhook: number; wrong_samples: Array<{ caller: string; account: string; dept: string; completed: string }> };
  server: {
    cpu_ms_per_call: number;
    /** cpu_ms_per_call split: the main thread's user and system time, and all other threads. */
    cpu_split_ms_per_call?: { main_user: number; main_system: number; other_threads: number };
    cpu_core_share: number;
    /** With --perf: cpu_ms_per_call split by where the kernel spent it (bench/lib/kernel-share.ts). */
    loopback_split_ms_per_call?: LoopbackSplit;
    idle_rss_mib: number; peak_rss_mib: number; rss_kib_per_call: number; error_logs: number; vcpu_steal_ms: number };
  send_jitter: JitterFigures & { window_streams: number; window_s: number; capture_dropped: number };
  send_jitter_whole_step: JitterFigures;
  /** A 20 ms timer alone on the server's core (bench/core-canary.ts), same window: the core's own noise. */
  core_canary_jitter?: JitterFigures;
  webhook_after_last_key_ms: Quantiles;
  /** SIP datagrams seen: INVITEs and 200 OKs to them (retransmissions included) for `call_ids` calls. */
  sip: { invites: number; oks: number; call_ids: number };
  /** SIP datagrams the kernel dropped at the server's SIP socket over the step (its queue was full); undefined: not told. */
  sip_udp_drops?: number;
  /** The server's RTP thread over the step (hookline_rtp_thread_*): its share of a core, times it left the
   * real-time class over HOOKLINE_RTP_THREAD_REALTIME, and whether it was in that class at the end. */
  rtp_thread?: { cpu_core_share: number; stepdowns: number; realtime_at_end: boolean };
  /** Streams beyond one a call (none expected): what they were. */
  extra_streams: MediaAnalysis['list'];
  /** The short IVR calls run beside the N callers, when the step had churn. */
  churn?: ChurnResult;
  held: boolean;
  broke: string[];
}

export interface Ctx {
  pin: Pinning;
  /** Seconds every caller holds after the last call is up: the length of the full-load window, about. */
  holdExtraS: number;
  workDir: string;
  /** Keep each step's captures and SIPp logs (--keep). */
  keep: boolean;
  /** Calls each step's fresh server answers before the step is measured (--warm; 0: none). */
  warmCalls?: number;
  /** Sample the server with `perf` over each step and split its CPU by where the kernel spent it (--perf). */
  perf?: boolean;
  /** Raw µ-law audio every caller sends for its whole call (--caller-audio, bench/lib/caller-audio.ts). */
  callerAudio?: string | undefined;
  log(line: string): void;
}

export function holdFor(n: number, extraS: number): { rate: number; holdMs: number } {
  // Ramp up in about 3 s (at most 200 setups/s, a rate the server holds with short calls), then every
  // caller holds until all are up, plus `extraS`.
  const rate = Math.min(200, Math.max(25, Math.round(n / 3)));
  return { rate, holdMs: Math.ceil(n / rate) * 1000 + extraS * 1000 };
}

export async function concurrencyStep(ctx: Ctx, n: number, limits: Limits, stepNo: number, churn?: Churn): Promise<StepResult> {
  const { rate, holdMs } = holdFor(n, ctx.holdExtraS);
  const dir = await mkdtemp(path.join(ctx.workDir, `concurrency-${n}-`));
  await preparePcaps(dir);
  const { receiver, arrivals, hookBase } = await startArrivals();
  const hookPort = Number(new URL(hookBase).port);
  const server = await startServer(benchFlows(hookBase), { rtp: RTP_RANGE, cores: ctx.pin.server });
  try {
    if (ctx.warmCalls) await warmUp(ctx, server, dir, stepNo, ctx.warmCalls);
    const media = await Capture.start({ file: path.join(dir, 'media.pcap'), filter: `udp and (portrange ${RTP_RANGE.min}-${RTP_RANGE.max} or port ${CANARY_PORT})`, snaplen: 64, cores: ctx.pin.load });
    const signalling = await Capture.start({ file: path.join(dir, 'signalling.pcap'), filter: `(udp port ${server.sipPort}) or (tcp dst port ${hookPort})`, snaplen: 4096, cores: ctx.pin.load });
    const canary = await startCanary(CANARY_PORT, ctx.pin.server);
    const idle = await memoryOf(server.pid);
    const cpu0 = await cpuMsOf(server.pid);
    const split0 = await cpuSplitOf(server.pid);
    const steal0 = await stealMs(ctx.pin.server);
    const threadCpu0 = metric(await server.metrics().catch(() => ''), 'hookline_rtp_thread_cpu_seconds_total');
    const rss = rssSampler(server.pid);
    const perf = ctx.perf ? recordKernelShare(server.pid, path.join(dir, 'perf.data'), ctx.pin.load) : undefined;
    const t0 = Date.now();
    const callers = Array.from({ length: n }, (_, i) => String(3_100_000_000 + stepNo * 100_000 + i));
    // Churn runs from the start of the ramp until about when the callers' keys are in (ramp, hold, ~3 s of keys).
    const shortCallers = churn ? churnCallers(stepNo, Math.ceil(churn.cps * (n / rate + holdMs / 1000 + 4))) : [];
    const churnRun = churn ? runChurn({ dir: path.join(dir, 'churn'), server, churn, callers: shortCallers, cores: ctx.pin.load, callerAudio: ctx.callerAudio }) : undefined;
    const run = await runUac({
      scenario: 'ivr-uac.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, service: NUMBERS.ivr, callers,
      calls: n, limit: n, rate, pauseMs: holdMs, timeoutS: Math.ceil(n / rate + holdMs / 1000 + 120), cores: ctx.pin.load,
      callerAudio: ctx.callerAudio,
    });
    const churned = await churnRun;
    // Every webhook in and every call released, so the CPU figure holds the whole of every call.
    const until = Date.now() + 15_000;
    const inN = (): number => callers.reduce((k, c) => k + (arrivals.has(c) ? 1 : 0), 0);
    while (Date.now() < until && (inN() < run.successful || (metric(await server.metrics().catch(() => ''), 'hookline_calls_active') ?? 0) > 0)) await sleep(100);
    const wallS = (Date.now() - t0) / 1000;
    const endMetrics = await server.metrics().catch(() => '');
    const sipDrops = metric(endMetrics, 'hookline_sip_udp_receive_drops_total');
    const threadCpu1 = metric(endMetrics, 'hookline_rtp_thread_cpu_seconds_total');
    const rtpThread =
      threadCpu0 !== undefined && threadCpu1 !== undefined
        ? { cpu_core_share: +((threadCpu1 - threadCpu0) / wallS).toFixed(3), stepdowns: metric(endMetrics, 'hookline_rtp_thread_stepdowns_total') ?? 0, realtime_at_end: metric(endMetrics, 'hookline_rtp_thread_realtime') === 1 }
        : undefined;
    const cpuMs = (await cpuMsOf(server.pid)) - cpu0;
    const split1 = await cpuSplitOf(server.pid);
    // A perf that could not sample (no permission, no kernel symbols) costs the split, not the step.
    const kernel = perf
      ? await perf.stop().catch((err: unknown) => {
          ctx.log(`  --perf: no split of the CPU (${err instanceof Error ? err.message : String(err)})`);
          return undefined;
        })
      : undefined;
    const steal = (await stealMs(ctx.pin.server)) - steal0;
    const peak = await rss.stop();
    await canary.stop();
    const mediaStats = await media.stop();
    await signalling.stop();
    const errors = errorLogs(server.output());

    const s = await analyzeSignalling(path.join(dir, 'signalling.pcap'), { sipPort: server.sipPort, hookPort });
    // Only this server's streams to the N callers: the RTP ports its 200 OKs gave them (not the churn's short
    // calls, nor anything another process sends in the range).
    const ports = new Set(callers.map((c) => s.serverPortOf.get(c)).filter((p): p is number => p !== undefined));
    const m = await analyzeMedia(path.join(dir, 'media.pcap'), RTP_RANGE, STOCK_PCAP_EVENT_PT, CANARY_PORT, ports);
    const keys: StepResult['keys'] = tallyKeys(callers, arrivals);
    const afterKey = webhookAfterKey(callers, s, m.keyStarts).map((a) => a.ms);
    const failed = Math.max(run.failed || 0, n - (run.successful || 0));
    // The callers listen from when the last of them is up until the first of them keys.
    const firstKey = Math.min(...callers.map((c) => m.keyStarts.get(s.serverPortOf.get(c) ?? -1)?.[0] ?? Infinity));
    const shortCalls = churn && churned ? churnResult(churn, shortCallers, churned, s, m.keyStarts, { from: m.allUpUs, to: firstKey }) : undefined;
    if (churned && shortCalls && shortCalls.failed > 0) ctx.log(`  churn SIPp (${shortCalls.failed} of ${shortCalls.calls} short calls failed):\n${failureSummary(churned)}`);
    const broke: string[] = [];
    if (failed > 0) broke.push(`${failed} failed calls`);
    if (shortCalls && shortCalls.failed > 0) broke.push(`${shortCalls.failed} failed short calls (churn)`);
    if (keys.lost + keys.doubled > 0 || keys.calls_without_webhook > 0) broke.push(`keys lost ${keys.lost}, doubled ${keys.doubled}, calls without webhook ${keys.calls_without_webhook}`);
    if (!(m.jitter.interval_deviation_ms.p99 <= limits.jitterP99Ms)) broke.push(`send jitter p99 ${m.jitter.interval_deviation_ms.p99} ms > ${limits.jitterP99Ms} ms`);
    if (m.streams > n) ctx.log(`  ${m.streams} RTP streams for ${n} calls; SIP: ${JSON.stringify(s.counts)}; odd ones: ${JSON.stringify(extraStreams(m.list))}`);
    if (mediaStats.dropped > 0) ctx.log(`  (capture dropped ${mediaStats.dropped} packets: intervals across them count as media gaps)`);
    if (failed > 0) ctx.log(`  SIPp:\n${failureSummary(run)}`);
    if (sipDrops) ctx.log(`  the kernel dropped ${sipDrops} SIP datagrams at the server's SIP socket (its receive queue was full)`);
    if (errors.length) ctx.log(`  server error logs (${errors.length}), first: ${errors[0]}`);
    const result: StepResult = {
      calls: n,
      rate_cps: rate,
      hold_ms: holdMs,
      wall_s: round(wallS, 1),
      sipp: { exit: run.code, successful: run.successful, failed: run.failed, cpu_ms: Math.round(run.sippCpuMs) },
      failed_calls: failed,
      webhooks: arrivals.size,
      keys,
      server: {
        cpu_ms_per_call: round(cpuMs / n, 1),
        cpu_split_ms_per_call: {
          main_user: round((split1.mainUserMs - split0.mainUserMs) / n, 1),
          main_system: round((split1.mainSystemMs - split0.mainSystemMs) / n, 1),
          other_threads: round((split1.otherMs - split0.otherMs) / n, 1),
        },
        cpu_core_share: round(cpuMs / 1000 / wallS, 2),
        idle_rss_mib: Math.round(idle.rssMiB),
        peak_rss_mib: Math.round(peak.peakMiB),
        rss_kib_per_call: round(((peak.peakMiB - idle.rssMiB) * 1024) / n, 1),
        error_logs: errors.length,
        vcpu_steal_ms: Math.round(steal),
        ...(kernel ? { loopback_split_ms_per_call: loopbackSplit(kernel, cpuMs / n) } : {}),
      },
      send_jitter: { ...m.jitter, window_streams: m.window.streams, window_s: m.window.seconds, capture_dropped: mediaStats.dropped },
      send_jitter_whole_step: m.jitterWholeStep,
      ...(m.canary ? { core_canary_jitter: m.canary } : {}),
      webhook_after_last_key_ms: quantiles(afterKey),
      sip: s.counts,
      ...(sipDrops !== undefined ? { sip_udp_drops: sipDrops } : {}),
      ...(rtpThread ? { rtp_thread: rtpThread } : {}),
      extra_streams: m.streams > n ? extraStreams(m.list) : [],
      ...(shortCalls ? { churn: shortCalls } : {}),
      held: broke.length === 0,
      broke,
    };
    if (ctx.keep) {
      await writeFile(path.join(dir, 'server.log'), server.output());
      ctx.log(`  kept: ${dir}`);
    }
    else await rm(dir, { recursive: true, force: true });
    return result;
  } finally {
    await server.stop();
    await receiver.stop();
  }
}

/**
 * A long-running server has compiled its hot code (V8's optimizing compiler runs on threads of the
 * process, and each step's server is fresh) and grown its heap: `warm` calls walk the same IVR first, and
 * the step starts once every one of them has ended. Their callers are numbers of their own, outside the
 * step's and its short calls', so they count in nothing the step reports.
 */
async function warmUp(ctx: Ctx, server: Awaited<ReturnType<typeof startServer>>, dir: string, stepNo: number, warm: number): Promise<void> {
  const wdir = path.join(dir, 'warm');
  await mkdir(wdir);
  await preparePcaps(wdir);
  const rate = Math.min(200, warm);
  // Not 3_900_000_000 + …: that is the same step's short calls' (churn.ts), and the two ranges would overlap.
  const callers = Array.from({ length: warm }, (_, i) => String(3_800_000_000 + stepNo * 100_000 + i));
  const run = await runUac({
    scenario: 'ivr-uac.xml', dir: wdir, target: { host: '127.0.0.1', port: server.sipPort }, service: NUMBERS.ivr, callers,
    calls: warm, limit: warm, rate, pauseMs: 1000, timeoutS: Math.ceil(warm / rate + 60), cores: ctx.pin.load,
    callerAudio: ctx.callerAudio,
  });
  const until = Date.now() + 15_000;
  while (Date.now() < until && (metric(await server.metrics().catch(() => ''), 'hookline_calls_active') ?? 0) > 0) await sleep(100);
  ctx.log(`  warmed up: ${run.successful}/${warm} calls`);
}

export interface LoopbackSplit {
  /** perf's samples of the server over the step. */
  samples: number;
  /** Copying each packet to the bench's captures (dumpcap). */
  capture: number;
  /** Cloning each packet to the raw sockets SIPp opens to play the callers' keys. */
  load_generator_raw_sockets: number;
  /** Delivering each packet to the receiving socket, which a real interface leaves to the far machine. */
  loopback_delivery: number;
  /** The rest: the server's own work, user and kernel. */
  own: number;
}

function loopbackSplit(k: KernelShare, msPerCall: number): LoopbackSplit {
  const ms = (share: number): number => round(share * msPerCall, 2);
  return {
    samples: k.samples,
    capture: ms(k.shares.capture),
    load_generator_raw_sockets: ms(k.shares.raw_sockets),
    loopback_delivery: ms(k.shares.loopback_delivery),
    own: ms(k.shares.own),
  };
}

/** Streams that are not one call's one stream: a port seen with more than one SSRC, and short streams. */
function extraStreams(list: MediaAnalysis['list']): MediaAnalysis['list'] {
  const byPort = new Map<number, number>();
  for (const s of list) byPort.set(s.port, (byPort.get(s.port) ?? 0) + 1);
  const median = [...list].sort((a, b) => a.packets - b.packets)[Math.floor(list.length / 2)]?.packets ?? 0;
  return list.filter((s) => (byPort.get(s.port) ?? 0) > 1 || s.packets < median / 2).slice(0, 20);
}

export interface BaselineResult {
  calls: number;
  rate_cps: number;
  successful: number;
  failed: number;
  sipp_uac_cpu_ms: number;
}

/** The same callers (N, rate, hold) against SIPp answering as hookline does: the load generator's ceiling. */
export async function concurrencyBaseline(ctx: Ctx, n: number): Promise<BaselineResult> {
  const { rate, holdMs } = holdFor(n, ctx.holdExtraS);
  const dir = await mkdtemp(path.join(ctx.workDir, `concurrency-uas-${n}-`));
  await preparePcaps(dir);
  // The UAS hangs up where hookline's IVR would: after the keys (about 3 s) and a little.
  const uas = await startUas({ dir, scenario: 'uas-ivr.xml', pauseMs: holdMs + 4000, cores: ctx.pin.server });
  try {
    const callers = Array.from({ length: n }, (_, i) => String(3_190_000_000 + i));
    const run = await runUac({
      scenario: 'ivr-uac.xml', dir, target: { host: '127.0.0.1', port: uas.port }, service: NUMBERS.ivr, callers,
      calls: n, limit: n, rate, pauseMs: holdMs, timeoutS: Math.ceil(n / rate + holdMs / 1000 + 60), cores: ctx.pin.load,
    });
    if (run.failed > 0 || run.successful < n) ctx.log(`  SIPp vs SIPp:\n${failureSummary(run)}`);
    return { calls: n, rate_cps: rate, successful: run.successful, failed: Math.max(run.failed || 0, n - (run.successful || 0)), sipp_uac_cpu_ms: Math.round(run.sippCpuMs) };
  } finally {
    await uas.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

