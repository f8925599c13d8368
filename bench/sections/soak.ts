/**
 * `npm run bench -- --soak`: `calls` SIPp callers at once for `minutes` (default 300 for 30 minutes), each
 * walking ivr/10 with its keys and webhook as in the concurrency steps, a new caller replacing each one that
 * hangs up. The question is whether the server's memory stays flat: RSS is sampled every 10 s, and the
 * growth over the run after its first fifth (the warm-up: caches, the heap reaching its working size) is
 * fitted with a line. The server's outgoing audio is captured in three windows of WINDOW_S (after the first
 * minute, at the middle, before the end), so the send jitter of the first minutes can be set beside the last's.
 * Not in CI and not in the usual run: it takes as long as it says.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { NUMBERS, benchFlows, startArrivals, tallyKeys } from '../lib/flows.js';
import { analyzeMedia } from '../lib/analysis.js';
import { Capture, HAS_DUMPCAP } from '../lib/capture.js';
import { cpuMsOf, memoryOf, sleep } from '../lib/proc.js';
import { errorLogs, startServer } from '../lib/server.js';
import { STOCK_PCAP_EVENT_PT, failureSummary, preparePcaps, runUac } from '../lib/sipp.js';
import { round, type Quantiles } from '../lib/stats.js';
import { RTP_RANGE, type Ctx } from './concurrency.js';

export interface SoakResult {
  calls_at_once: number;
  minutes: number;
  /** How long each caller holds before its keys (ivr/10's keypad question waits 30 s for the first key). */
  hold_ms: number;
  calls: number;
  successful: number;
  failed: number;
  keys: { lost: number; doubled: number; calls_wrong: number; calls_without_webhook: number };
  cpu_ms_per_call: number;
  error_logs: number;
  /** [seconds since start, RSS MiB] every 10 s. */
  rss_mib: Array<[number, number]>;
  rss_after_warmup_mib: number;
  rss_end_mib: number;
  /** Slope of a line fitted to RSS after the warm-up, in MiB per 10 minutes. */
  rss_slope_mib_per_10min: number;
  /** Growth the fitted line predicts over the measured part, within max(16 MiB, 5 %). */
  flat: boolean;
  /** Send jitter (interval deviation, ms) of every stream in each capture window; at_s: the window's start. */
  jitter: Array<{ at_s: number; streams: number; interval_deviation_ms: Quantiles; capture_dropped: number }>;
}

const HOLD_MS = 20_000;
const WINDOW_S = 20;

export async function soak(ctx: Ctx, o: { calls: number; minutes: number }): Promise<SoakResult> {
  const dir = await mkdtemp(path.join(ctx.workDir, 'soak-'));
  await preparePcaps(dir);
  // Hold, about 3 s of keys, the webhook and BYE: a caller's call lasts ~24 s, so this rate keeps `calls` up.
  const callS = HOLD_MS / 1000 + 4;
  const rate = Math.max(1, Math.round(o.calls / callS));
  const total = Math.round(rate * o.minutes * 60);
  const { receiver, arrivals, hookBase } = await startArrivals();
  const server = await startServer(benchFlows(hookBase), { rtp: RTP_RANGE, cores: ctx.pin.server });
  try {
    ctx.log(`soak: ${o.calls} calls at once for ${o.minutes} min (${total} calls at ${rate}/s, hold ${HOLD_MS / 1000} s)`);
    const t0 = Date.now();
    const cpu0 = await cpuMsOf(server.pid);
    const rss: Array<[number, number]> = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        const m = await memoryOf(server.pid).catch(() => undefined);
        if (m) rss.push([Math.round((Date.now() - t0) / 1000), round(m.rssMiB, 1)]);
        if (rss.length % 30 === 0 && m) ctx.log(`  soak ${Math.round((Date.now() - t0) / 60_000)} min: RSS ${Math.round(m.rssMiB)} MiB, ${arrivals.size} webhooks`);
        await sleep(10_000);
      }
    })();
    const jitter: SoakResult['jitter'] = [];
    const windows = (async () => {
      if (!HAS_DUMPCAP) return;
      const starts = [60, (o.minutes * 60) / 2, o.minutes * 60 - WINDOW_S - 30].filter((at, i, a) => at > 0 && (i === 0 || at > (a[i - 1] as number) + WINDOW_S));
      for (const at of starts) {
        await sleep(t0 + at * 1000 - Date.now());
        if (!running) return;
        const file = path.join(dir, `media-${at}.pcap`);
        const cap = await Capture.start({ file, filter: `udp src portrange ${RTP_RANGE.min}-${RTP_RANGE.max}`, snaplen: 64, cores: ctx.pin.load });
        await sleep(WINDOW_S * 1000);
        const st = await cap.stop();
        const m = await analyzeMedia(file, RTP_RANGE, STOCK_PCAP_EVENT_PT);
        jitter.push({ at_s: Math.round(at), streams: m.jitterWholeStep.streams, interval_deviation_ms: m.jitterWholeStep.interval_deviation_ms, capture_dropped: st.dropped });
        ctx.log(`  soak jitter at ${(at / 60).toFixed(1)} min: p50 ${m.jitterWholeStep.interval_deviation_ms.p50} / p99 ${m.jitterWholeStep.interval_deviation_ms.p99} / max ${m.jitterWholeStep.interval_deviation_ms.max} ms over ${m.jitterWholeStep.streams} streams`);
        await rm(file, { force: true });
      }
    })();
    const callers = Array.from({ length: total }, (_, i) => String(3_500_000_000 + i));
    const run = await runUac({
      scenario: 'ivr-uac.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, service: NUMBERS.ivr, callers,
      calls: total, limit: o.calls, rate, pauseMs: HOLD_MS, timeoutS: o.minutes * 60 + 300, cores: ctx.pin.load, callerAudio: ctx.callerAudio,
    });
    await sleep(3000); // the last webhooks
    running = false;
    await sampler;
    await windows;
    const cpuMs = (await cpuMsOf(server.pid)) - cpu0;
    const keys = tallyKeys(callers, arrivals);
    const failed = Math.max(run.failed || 0, total - (run.successful || 0));
    if (failed > 0) ctx.log(`  SIPp:\n${failureSummary(run)}`);
    const after = rss.filter(([t]) => t >= (o.minutes * 60) / 5);
    const slope = slopePerS(after);
    const first = after[0]?.[1] ?? NaN;
    const last = rss.at(-1)?.[1] ?? NaN;
    const span = (after.at(-1)?.[0] ?? 0) - (after[0]?.[0] ?? 0);
    const growth = slope * span;
    return {
      calls_at_once: o.calls,
      minutes: o.minutes,
      hold_ms: HOLD_MS,
      calls: total,
      successful: run.successful,
      failed,
      keys,
      cpu_ms_per_call: round(cpuMs / total, 1),
      error_logs: errorLogs(server.output()).length,
      rss_mib: rss,
      rss_after_warmup_mib: first,
      rss_end_mib: last,
      rss_slope_mib_per_10min: round(slope * 600, 2),
      flat: after.length >= 3 && growth <= Math.max(16, 0.05 * first),
      jitter,
    };
  } finally {
    await server.stop();
    await receiver.stop();
    if (!ctx.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Least-squares slope of y over t. */
function slopePerS(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, [t]) => s + t, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of points) {
    num += (t - mt) * (y - my);
    den += (t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
