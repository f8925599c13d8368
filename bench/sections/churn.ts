/**
 * Short IVR calls (ivr/21: one key, a webhook that hangs up) started at a steady rate: beside the N
 * callers of a concurrency step, control-plane churn whose every call also measures the webhook after its
 * key; alone against a fresh server, the same calls' idle figure the churn step is judged against.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { analyzeMedia, analyzeSignalling, webhookAfterKey, type SignallingAnalysis } from '../lib/analysis.js';
import { Capture } from '../lib/capture.js';
import { NUMBERS, benchFlows, startArrivals } from '../lib/flows.js';
import { sleep, type Pinning } from '../lib/proc.js';
import { errorLogs, metric, startServer, type Server } from '../lib/server.js';
import { failureSummary, preparePcaps, runUac, STOCK_PCAP_EVENT_PT, type UacRun } from '../lib/sipp.js';
import { quantiles, round, type Quantiles } from '../lib/stats.js';

/** Short IVR calls started at `cps` a second. */
export interface Churn {
  cps: number;
  /** How long each call waits in the menu before its key, ms. */
  callMs: number;
}

export interface ChurnResult {
  cps: number;
  call_ms: number;
  calls: number;
  successful: number;
  failed: number;
  /** Every short call's webhook after its key. */
  webhook_after_key_ms: Quantiles;
  /** Those whose key came while every one of the step's N callers was up and none had keyed yet. */
  webhook_after_key_listening_ms?: Quantiles;
}

/** Caller ids of `calls` short calls, apart from every concurrency step's. */
export function churnCallers(stepNo: number, calls: number): string[] {
  return Array.from({ length: calls }, (_, i) => String(3_900_000_000 + stepNo * 100_000 + i));
}

/** Runs the short calls against `server` until `calls` have been started; resolves when SIPp is done. */
export async function runChurn(o: { dir: string; server: Server; churn: Churn; callers: string[]; cores: string | null; callerAudio: string | undefined }): Promise<UacRun> {
  await mkdir(o.dir, { recursive: true });
  await preparePcaps(o.dir);
  const calls = o.callers.length;
  return runUac({
    scenario: 'short-ivr-uac.xml', dir: o.dir, target: { host: '127.0.0.1', port: o.server.sipPort }, service: NUMBERS.shortIvr, callers: o.callers,
    calls, limit: Math.max(50, o.churn.cps * 4), rate: o.churn.cps, pauseMs: o.churn.callMs, timeoutS: Math.ceil(calls / o.churn.cps + 120), cores: o.cores,
    callerAudio: o.callerAudio,
  });
}

/** The short calls' figures from a step's captures; `listening` is the window [from, to) in µs, when there was one. */
export function churnResult(churn: Churn, callers: string[], run: UacRun, s: SignallingAnalysis, keyStarts: ReadonlyMap<number, number[]>, listening?: { from: number; to: number }): ChurnResult {
  const after = webhookAfterKey(callers, s, keyStarts);
  const inWindow = listening ? after.filter((a) => a.keyUs >= listening.from && a.keyUs < listening.to) : undefined;
  return {
    cps: churn.cps,
    call_ms: churn.callMs,
    calls: callers.length,
    successful: run.successful,
    failed: Math.max(run.failed || 0, callers.length - (run.successful || 0)),
    webhook_after_key_ms: quantiles(after.map((a) => a.ms)),
    ...(inWindow ? { webhook_after_key_listening_ms: quantiles(inWindow.map((a) => a.ms)) } : {}),
  };
}

/** The short calls alone for `seconds` against a fresh server: the webhook after a key when idle. */
export async function churnAlone(ctx: { pin: Pinning; workDir: string; log(line: string): void; callerAudio?: string | undefined }, churn: Churn, seconds: number, range: { min: number; max: number }): Promise<ChurnResult> {
  const dir = await mkdtemp(path.join(ctx.workDir, 'churn-alone-'));
  const { receiver, hookBase } = await startArrivals();
  const hookPort = Number(new URL(hookBase).port);
  const server = await startServer(benchFlows(hookBase), { rtp: range, cores: ctx.pin.server });
  try {
    const media = await Capture.start({ file: path.join(dir, 'media.pcap'), filter: `udp portrange ${range.min}-${range.max}`, snaplen: 64, cores: ctx.pin.load });
    const signalling = await Capture.start({ file: path.join(dir, 'signalling.pcap'), filter: `(udp port ${server.sipPort}) or (tcp dst port ${hookPort})`, snaplen: 4096, cores: ctx.pin.load });
    const callers = churnCallers(0, Math.ceil(churn.cps * seconds));
    const run = await runChurn({ dir, server, churn, callers, cores: ctx.pin.load, callerAudio: ctx.callerAudio });
    const until = Date.now() + 10_000;
    while (Date.now() < until && (metric(await server.metrics().catch(() => ''), 'hookline_calls_active') ?? 0) > 0) await sleep(100);
    await media.stop();
    await signalling.stop();
    const s = await analyzeSignalling(path.join(dir, 'signalling.pcap'), { sipPort: server.sipPort, hookPort });
    const m = await analyzeMedia(path.join(dir, 'media.pcap'), range, STOCK_PCAP_EVENT_PT);
    const r = churnResult(churn, callers, run, s, m.keyStarts);
    if (r.failed > 0) ctx.log(`  short calls alone (${r.failed} of ${r.calls} failed):\n${failureSummary(run)}`);
    const errors = errorLogs(server.output());
    if (errors.length) ctx.log(`  server error logs (${errors.length}), first: ${errors[0]}`);
    ctx.log(`  short calls alone: ${r.successful}/${r.calls} ok, webhook after key p50 ${round(r.webhook_after_key_ms.p50, 1)} / p99 ${round(r.webhook_after_key_ms.p99, 1)} ms`);
    return r;
  } finally {
    await server.stop();
    await receiver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
