/**
 * The media plane's figures of this run beside those of an earlier one, in one table: per concurrency step
 * send jitter (p50/p99/max), the one-timer-per-call baseline, the core canary, webhook after the last key,
 * CPU and memory per call; the churn step's short IVR calls against the same calls alone (idle); and the knee.
 *
 * "Before" is a stored result (`npm run bench -- --compare bench/results/<file>.json`) or, by default,
 * bench/reference/before-media-plane.json: the figures measured before the media-plane work, which kept
 * only these numbers. The goals are those of that work (see docs/benchmarks.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StepResult } from './sections/concurrency.js';
import type { Results } from './report.js';
import { fmt } from './lib/stats.js';
import { renderTable } from './lib/table.js';

export const MEDIA_GOALS = {
  /** From this step up to 1,000 calls, send jitter p99 no worse than one timer per call in the same run. */
  timersFromCalls: 200,
  /** At 1,000 calls, send jitter p99 below this. */
  jitterP99At1000Ms: 20,
  /** The knee: every call good, keys exact, send jitter p99 below this. */
  kneeJitterP99Ms: 20,
  /** Webhook after the key of a short IVR call while 1,000 callers listen: at most this much more than the same calls alone (p99). */
  churnWebhookExtraMs: 50,
  /** CPU per call at 1,000 calls: half of the 13.4 ms measured before. */
  cpuMsPerCallAt1000: 6.7,
  kneeCalls: 2000,
} as const;

/** What is kept of a run for comparing: per step, and the knee. */
export interface Reference {
  label: string;
  steps: Record<string, {
    jitter_p50_ms?: number;
    jitter_p99_ms?: number;
    jitter_max_ms?: number;
    timers_p99_ms?: number;
    canary_p99_ms?: number;
    webhook_after_last_key_p99_ms?: number;
    cpu_ms_per_call?: number;
    rss_kib_per_call?: number;
  }>;
  churn?: { calls: number; cps: number; webhook_after_last_key_p99_ms?: number; jitter_p99_ms?: number };
  knee?: number;
}

export const DEFAULT_REFERENCE = path.join(import.meta.dirname, 'reference', 'before-media-plane.json');

/** Every call good, every key exactly once, send jitter p99 below the knee's limit. */
export function atKnee(s: StepResult): boolean {
  return s.failed_calls === 0 && s.keys.lost === 0 && s.keys.doubled === 0 && s.keys.calls_without_webhook === 0 && s.send_jitter.interval_deviation_ms.p99 < MEDIA_GOALS.kneeJitterP99Ms;
}

export function referenceOf(r: Results, label: string): Reference {
  const steps: Reference['steps'] = {};
  for (const s of r.concurrency.steps) {
    const t = r.concurrency.rtp_jitter.find((j) => j.calls === s.calls)?.timers?.capture;
    steps[String(s.calls)] = {
      jitter_p50_ms: s.send_jitter.interval_deviation_ms.p50,
      jitter_p99_ms: s.send_jitter.interval_deviation_ms.p99,
      jitter_max_ms: s.send_jitter.interval_deviation_ms.max,
      ...(t ? { timers_p99_ms: t.interval_deviation_ms.p99 } : {}),
      ...(s.core_canary_jitter ? { canary_p99_ms: s.core_canary_jitter.interval_deviation_ms.p99 } : {}),
      webhook_after_last_key_p99_ms: s.webhook_after_last_key_ms.p99,
      cpu_ms_per_call: s.server.cpu_ms_per_call,
      rss_kib_per_call: s.server.rss_kib_per_call,
    };
  }
  const c = r.concurrency.churn_step;
  return {
    label,
    steps,
    ...(c?.churn ? { churn: { calls: c.calls, cps: c.churn.cps, webhook_after_last_key_p99_ms: c.webhook_after_last_key_ms.p99, jitter_p99_ms: c.send_jitter.interval_deviation_ms.p99 } } : {}),
    knee: r.concurrency.steps.filter(atKnee).at(-1)?.calls ?? 0,
  };
}

/** A stored results file, or a reference file as written by hand. */
export function loadReference(file: string): Reference {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Results | Reference;
  if ('concurrency' in j) return referenceOf(j, `${String(j.meta['git_sha'])}${j.meta['git_dirty'] ? ' (dirty)' : ''} ${String(j.meta['date']).slice(0, 10)}, ${String(j.meta['mode'])}`);
  return j;
}

const COLUMNS = [
  { title: 'step', max: 16 },
  { title: 'send jitter now p50/p99/max', max: 26 },
  { title: 'p99 before', max: 10 },
  { title: 'timer/call p99 now (before)', max: 16 },
  { title: 'canary p99', max: 10 },
  { title: 'webhook after key p99 now (before)', max: 18 },
  { title: 'CPU ms/call now (before)', max: 14 },
  { title: 'RSS KiB/call', max: 12 },
  { title: 'goals met?', max: 30 },
];

const ms = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '–' : fmt(x, d));
const was = (x: number | undefined, d = 1): string => (x === undefined ? '' : ` (${fmt(x, d)})`);

export function compareRows(r: Results, before: Reference): string[][] {
  const rows: string[][] = [];
  const section = `media plane: this run beside "${before.label}"`;
  const step = (s: StepResult, tag: string, extraGoals: string[]): void => {
    const b = s.churn ? undefined : before.steps[String(s.calls)];
    const t = r.concurrency.rtp_jitter.find((j) => j.calls === s.calls)?.timers?.capture;
    const j = s.send_jitter.interval_deviation_ms;
    const goals: string[] = [...extraGoals];
    if (!s.churn && s.calls >= MEDIA_GOALS.timersFromCalls && s.calls <= 1000 && t) goals.push(`p99 ≤ timers: ${j.p99 <= t.interval_deviation_ms.p99 ? 'yes' : 'NO'}`);
    if (!s.churn && s.calls === 1000) {
      goals.push(`p99 < ${MEDIA_GOALS.jitterP99At1000Ms}: ${j.p99 < MEDIA_GOALS.jitterP99At1000Ms ? 'yes' : 'NO'}`);
      goals.push(`CPU ≤ ${MEDIA_GOALS.cpuMsPerCallAt1000}: ${s.server.cpu_ms_per_call <= MEDIA_GOALS.cpuMsPerCallAt1000 ? 'yes' : 'NO'}`);
      // The goal is judged on the whole figure; --perf shows how much of it the loopback test bed added.
      const own = s.server.loopback_split_ms_per_call?.own;
      if (own !== undefined) goals.push(`the server's own CPU (--perf, without the test bed's kernel work): ${ms(own)}`);
    }
    if (!atKnee(s)) goals.push(s.held ? 'past the knee' : `broke: ${s.broke.join('; ')}`);
    rows.push([
      section,
      tag,
      `${ms(j.p50, 2)} / ${ms(j.p99)} / ${ms(j.max)}`,
      ms(b?.jitter_p99_ms),
      `${ms(t?.interval_deviation_ms.p99)}${was(b?.timers_p99_ms)}`,
      ms(s.core_canary_jitter?.interval_deviation_ms.p99),
      `${ms(s.webhook_after_last_key_ms.p99)}${was(b?.webhook_after_last_key_p99_ms)}`,
      `${ms(s.server.cpu_ms_per_call)}${was(b?.cpu_ms_per_call)}`,
      ms(s.server.rss_kib_per_call, 0),
      goals.join('; '),
    ]);
  };
  for (const s of r.concurrency.steps) step(s, `N=${s.calls}`, []);
  const c = r.concurrency.churn_step;
  if (c?.churn) {
    // The goal as the issue measured it: short IVR calls arriving while the N callers listen, against the same
    // calls alone. The N callers' own webhooks come in a burst of hundreds a second at the end of the step
    // (they all key within the ramp's few seconds), which no idle figure compares with.
    const alone = r.concurrency.churn_alone?.webhook_after_key_ms;
    const listening = c.churn.webhook_after_key_listening_ms;
    const extra = alone && listening && listening.n > 0 ? listening.p99 - alone.p99 : NaN;
    const goal = Number.isFinite(extra)
      ? `short calls' webhook while the N listen ${extra < 0 ? '' : '+'}${fmt(extra, 1)} ms over alone (${fmt(listening!.p99, 1)} against ${fmt(alone!.p99, 1)}, n ${listening!.n}; ≤ +${MEDIA_GOALS.churnWebhookExtraMs}): ${extra <= MEDIA_GOALS.churnWebhookExtraMs ? 'yes' : 'NO'}`
      : 'webhook over idle: not judged (no short calls alone, or none keyed while the N listened)';
    step(c, `N=${c.calls} + ${c.churn.cps} short calls/s`, [goal]);
  }
  const knee = r.concurrency.steps.filter(atKnee).at(-1)?.calls ?? 0;
  const top = r.concurrency.steps.at(-1)?.calls ?? 0;
  rows.push([section, 'knee', `N=${knee} (every call good, keys exact, p99 < ${MEDIA_GOALS.kneeJitterP99Ms} ms)${top > knee || !r.concurrency.steps.length ? '' : '; no higher step was tried'}`, before.knee !== undefined ? `N=${before.knee}` : '', '', '', '', '', '', `≥ ${MEDIA_GOALS.kneeCalls}: ${knee >= MEDIA_GOALS.kneeCalls ? 'yes' : 'NO'}`]);
  return rows;
}

export function renderComparison(r: Results, before: Reference): string {
  return renderTable(COLUMNS, compareRows(r, before));
}
