/**
 * Section 2: short calls (INVITE, 200, ACK, a moment of ivr/20's greeting, BYE) at stepped SIPp rates
 * (-r), against hookline and, with the same callers, against SIPp's own `-sn uas` (the load generator's
 * ceiling). A step holds when every call succeeds and the 200 OKs keep up with the rate asked for.
 * INVITE → 200 OK is taken from a loopback capture of the SIP port (kernel timestamps, µs), not from SIPp's
 * millisecond timer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { analyzeSignalling, setupFigures } from '../lib/analysis.js';
import { Capture } from '../lib/capture.js';
import { NUMBERS, benchFlows } from '../lib/flows.js';
import { cpuMsOf } from '../lib/proc.js';
import { errorLogs, startServer } from '../lib/server.js';
import { failureSummary, runUac, startUas } from '../lib/sipp.js';
import { round, type Quantiles } from '../lib/stats.js';
import { RTP_RANGE, type Ctx } from './concurrency.js';

export interface RateStep {
  target: 'hookline' | 'sipp-uas';
  rate_cps: number;
  seconds: number;
  calls: number;
  successful: number;
  failed: number;
  answered_per_s: number;
  invite_to_200_ms: Quantiles;
  server_cpu_ms_per_call?: number;
  sipp_uac_cpu_ms: number;
  held: boolean;
  broke: string[];
}

/** The greeting of ivr/20 lasts about 2.5 s; the caller hangs up well before it ends. */
const CALL_MS = 200;

export async function rateSteps(ctx: Ctx, target: RateStep['target'], rates: number[], seconds: number, budgetOk: () => boolean): Promise<RateStep[]> {
  const out: RateStep[] = [];
  const dir = await mkdtemp(path.join(ctx.workDir, `rate-${target}-`));
  // One server (or UAS) for every step: a server under test keeps running between bursts, as in production.
  const server = target === 'hookline' ? await startServer(benchFlows('http://127.0.0.1:9/unused'), { rtp: RTP_RANGE, cores: ctx.pin.server }) : undefined;
  const uas = target === 'sipp-uas' ? await startUas({ dir, cores: ctx.pin.server }) : undefined;
  const sipPort = server?.sipPort ?? uas!.port;
  try {
    for (const [i, rate] of rates.entries()) {
      if (!budgetOk()) {
        ctx.log(`  ${target} ${rate}/s: skipped (time budget)`);
        break;
      }
      const calls = Math.round(rate * seconds);
      const file = path.join(dir, `sip-${rate}.pcap`);
      const cap = await Capture.start({ file, filter: `udp port ${sipPort}`, snaplen: 1500, cores: ctx.pin.load });
      const cpu0 = server ? await cpuMsOf(server.pid) : 0;
      const callers = Array.from({ length: calls }, (_, k) => String(3_200_000_000 + i * 100_000 + k));
      const run = await runUac({
        scenario: 'short-uac.xml', dir, target: { host: '127.0.0.1', port: sipPort }, service: NUMBERS.short, callers,
        calls, limit: Math.max(50, rate * 2), rate, pauseMs: CALL_MS, timeoutS: seconds * 3 + 30, cores: ctx.pin.load,
      });
      const cpuMs = server ? (await cpuMsOf(server.pid)) - cpu0 : NaN;
      await cap.stop();
      const f = setupFigures(await analyzeSignalling(file, { sipPort }));
      const failed = Math.max(run.failed || 0, calls - (run.successful || 0));
      const broke: string[] = [];
      if (failed > 0) broke.push(`${failed} failed calls`);
      if (!(f.ok_per_s >= rate * 0.95)) broke.push(`answered ${f.ok_per_s}/s < 95% of ${rate}/s`);
      if (failed > 0) ctx.log(`  SIPp:\n${failureSummary(run)}`);
      const step: RateStep = {
        target,
        rate_cps: rate,
        seconds,
        calls,
        successful: run.successful,
        failed,
        answered_per_s: f.ok_per_s,
        invite_to_200_ms: f.setup_ms,
        ...(server ? { server_cpu_ms_per_call: round(cpuMs / calls, 2) } : {}),
        sipp_uac_cpu_ms: Math.round(run.sippCpuMs),
        held: broke.length === 0,
        broke,
      };
      ctx.log(`  ${target} ${rate}/s: ${step.successful}/${calls} ok, ${step.answered_per_s}/s answered, INVITE→200 p50 ${step.invite_to_200_ms.p50} p99 ${step.invite_to_200_ms.p99} ms${broke.length ? ` — broke: ${broke.join('; ')}` : ''}`);
      out.push(step);
      if (!step.held) break;
    }
    if (server) {
      const errors = errorLogs(server.output());
      if (errors.length) ctx.log(`  server error logs (${errors.length}), first: ${errors[0]}`);
    }
  } finally {
    await server?.stop();
    await uas?.stop();
    if (ctx.keep) ctx.log(`  kept: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  return out;
}
