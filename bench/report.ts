/**
 * The one table of `npm run bench`, built from the results of every section, and the notes on method
 * printed under it. The same rows go into the JSON file.
 */
import type { BaselineResult, StepResult } from './sections/concurrency.js';
import type { RateStep } from './sections/call-rate.js';
import type { ChurnResult } from './sections/churn.js';
import type { SoakResult } from './sections/soak.js';
import type { FirstAudioResult } from './sections/first-audio.js';
import type { RtpJitterResult, WebhookOverheadResult } from './sections/in-process.js';
import { fmt } from './lib/stats.js';
import { renderTable } from './lib/table.js';

export const GOALS = {
  concurrentCalls: 1000,
  /** Send jitter p99 at 1,000 calls (bench/compare.ts has the other media-plane goals). */
  jitterP99Ms: 20,
  setupsPerS: 100,
  webhookP99Ms: 5,
  firstAudioP99Ms: 150,
} as const;

export interface Results {
  meta: Record<string, unknown>;
  concurrency: {
    steps: StepResult[];
    stopped: string;
    break_limits: { jitter_p99_ms: number };
    sipp_baseline?: BaselineResult;
    /** The same N as a step (1,000 when reached) with short calls started beside it (--churn). */
    churn_step?: StepResult;
    /** The churn step's short IVR calls alone against a fresh server: their webhook after a key when idle. */
    churn_alone?: ChurnResult;
    rtp_jitter: Array<{ calls: number; pacer?: RtpJitterResult; timers?: RtpJitterResult }>;
  };
  call_rate: { hookline: RateStep[]; sipp_uas: RateStep[]; seconds_per_step: number };
  webhook_overhead: WebhookOverheadResult[];
  first_audio?: FirstAudioResult;
  soak?: SoakResult;
  errors: string[];
  table?: string[][];
}

const yes = (ok: boolean | undefined): string => (ok === undefined ? '' : ok ? 'yes' : 'NO');
const q3 = (q: { p50: number; p99: number; max: number }, d = 2): string => `p50 ${fmt(q.p50, d)} / p99 ${fmt(q.p99, d)} / max ${fmt(q.max, d)} ms`;

/** Steps that met the concurrency goal's quality terms (0 failed, 0 lost or doubled, jitter p99 ≤ goal). */
export function goalQuality(s: StepResult): boolean {
  return s.failed_calls === 0 && s.keys.lost === 0 && s.keys.doubled === 0 && s.keys.calls_without_webhook === 0 && s.send_jitter.interval_deviation_ms.p99 <= GOALS.jitterP99Ms;
}

export function buildRows(r: Results): string[][] {
  const rows: string[][] = [];
  const add = (section: string, what: string, measured: string, baseline = '', ratio = '', goal = '', met = ''): void => {
    rows.push([section, what, measured, baseline, ratio, goal, met]);
  };

  // 1. Concurrency
  const C = '1 concurrency: N SIPp callers walk an IVR (RFC 4733 keys, webhook); server on one core';
  for (const s of r.concurrency.steps) {
    const tag = `N=${s.calls}`;
    const base = r.concurrency.sipp_baseline?.calls === s.calls ? r.concurrency.sipp_baseline : undefined;
    add(C, `${tag} calls (ramp ${s.rate_cps}/s, hold ${s.hold_ms / 1000} s)`,
      `${s.calls - s.failed_calls}/${s.calls} ok; keys lost ${s.keys.lost}, doubled ${s.keys.doubled}; ${s.keys.calls_without_webhook} without webhook${s.sip_udp_drops !== undefined ? `; SIP datagrams the kernel dropped ${s.sip_udp_drops}` : ''}`,
      base ? `SIPp→SIPp UAS: ${base.successful}/${base.calls} ok` : '', '', '0 failed, 0 lost', yes(s.failed_calls === 0 && s.keys.lost + s.keys.doubled + s.keys.calls_without_webhook === 0));
    add(C, `${tag} server CPU, memory`,
      `${fmt(s.server.cpu_ms_per_call, 1)} ms CPU/call${s.server.cpu_split_ms_per_call ? ` (main thread ${fmt(s.server.cpu_split_ms_per_call.main_user, 1)} user + ${fmt(s.server.cpu_split_ms_per_call.main_system, 1)} system, other threads ${fmt(s.server.cpu_split_ms_per_call.other_threads, 1)})` : ''} (${fmt(s.server.cpu_core_share, 2)} core over ${s.wall_s} s${s.rtp_thread ? `; the RTP thread ${fmt(s.rtp_thread.cpu_core_share, 2)} core, ${s.rtp_thread.realtime_at_end ? 'real-time' : 'not real-time'} at the end, ${s.rtp_thread.stepdowns} step-downs` : ''}); RSS ${s.server.idle_rss_mib}→${s.server.peak_rss_mib} MiB (${fmt(s.server.rss_kib_per_call, 0)} KiB/call)${s.server.vcpu_steal_ms > 0 ? `; vCPU steal ${s.server.vcpu_steal_ms} ms` : ''}`,
      `SIPp CPU ${fmt(s.sipp.cpu_ms / s.calls, 1)} ms/call`);
    const j = r.concurrency.rtp_jitter.find((x) => x.calls === s.calls);
    const timers = j?.timers?.capture;
    const pacer = j?.pacer?.capture;
    const p99 = s.send_jitter.interval_deviation_ms.p99;
    const k = s.core_canary_jitter?.interval_deviation_ms;
    const jitterBase = [
      timers ? `timer per call: p99 ${fmt(timers.interval_deviation_ms.p99)}, max ${fmt(timers.interval_deviation_ms.max)} ms` : '',
      pacer ? `pacer alone: p99 ${fmt(pacer.interval_deviation_ms.p99)}, max ${fmt(pacer.interval_deviation_ms.max)}` : '',
      k ? `core noise (lone timer): p99 ${fmt(k.p99)}, max ${fmt(k.max)}` : '',
    ].filter(Boolean).join('; ');
    add(C, `${tag} server send jitter (capture, ${s.send_jitter.window_streams} streams, ${s.send_jitter.window_s} s)`,
      `interval dev ${q3(s.send_jitter.interval_deviation_ms)}; RFC 3550 J (mean over window) median stream ${fmt(s.send_jitter.rfc3550_jitter_ms.mean_median_stream)}, worst ${fmt(s.send_jitter.rfc3550_jitter_ms.mean_worst_stream)} ms`,
      jitterBase, timers ? `${fmt(p99 / timers.interval_deviation_ms.p99)}× timers` : '', `p99 ≤ ${GOALS.jitterP99Ms} ms`, yes(p99 <= GOALS.jitterP99Ms));
    add(C, `${tag} webhook after last key (capture)`, `${q3(s.webhook_after_last_key_ms)} (n ${s.webhook_after_last_key_ms.n})`, '', '', `p99 < ${GOALS.webhookP99Ms} ms`, yes(s.webhook_after_last_key_ms.p99 < GOALS.webhookP99Ms));
  }
  if (r.concurrency.churn_step?.churn) {
    const c = r.concurrency.churn_step;
    add(C, `N=${c.calls} + ${c.churn!.cps} short calls/s (churn)`, `${c.calls - c.failed_calls}/${c.calls} ok, short calls ${c.churn!.successful}/${c.churn!.calls}, their webhook after the key ${q3(c.churn!.webhook_after_key_ms)} (while the N listen: ${c.churn!.webhook_after_key_listening_ms ? q3(c.churn!.webhook_after_key_listening_ms) : 'n/a'}; alone: ${r.concurrency.churn_alone ? q3(r.concurrency.churn_alone.webhook_after_key_ms) : 'not run'}); keys lost ${c.keys.lost}, doubled ${c.keys.doubled}; ${c.sip_udp_drops !== undefined ? `SIP datagrams dropped ${c.sip_udp_drops}; ` : ''}jitter ${q3(c.send_jitter.interval_deviation_ms)}; webhook after last key ${q3(c.webhook_after_last_key_ms)}; ${fmt(c.server.cpu_ms_per_call, 1)} ms CPU/call`);
  }
  add(C, 'stepping stopped', r.concurrency.stopped);

  // 2. Call rate
  const R = '2 call rate: short calls (INVITE, 200, ACK, BYE), SIPp -r stepped';
  for (const s of r.call_rate.hookline) {
    const u = r.call_rate.sipp_uas.find((x) => x.rate_cps === s.rate_cps);
    add(R, `-r ${s.rate_cps}/s for ${s.seconds} s`,
      `${s.successful}/${s.calls} ok, ${fmt(s.answered_per_s, 1)}/s answered; INVITE→200 p50 ${fmt(s.invite_to_200_ms.p50)} / p99 ${fmt(s.invite_to_200_ms.p99)} ms; ${fmt(s.server_cpu_ms_per_call, 2)} ms CPU/call`,
      u ? `SIPp UAS: ${u.successful}/${u.calls} ok, ${fmt(u.answered_per_s, 1)}/s; p50 ${fmt(u.invite_to_200_ms.p50)} / p99 ${fmt(u.invite_to_200_ms.p99)} ms` : '',
      '', '', s.held ? 'held' : 'broke');
  }
  const bestRate = r.call_rate.hookline.filter((s) => s.held).at(-1);
  const bestUas = r.call_rate.sipp_uas.filter((s) => s.held).at(-1);

  // 3. Webhook overhead
  const W = '3 webhook overhead: IVR ends → request at the receiver';
  for (const w of r.webhook_overhead) {
    add(W, `in-process (webhook-overhead.ts), ${w.concurrency} at once, ${w.calls} calls`, `${q3({ p50: w.p50_ms, p99: w.p99_ms, max: w.max_ms })}; ${fmt(w.calls_per_s, 0)} calls/s`, '', '', `p99 < ${GOALS.webhookP99Ms} ms`, yes(w.p99_ms < GOALS.webhookP99Ms));
  }

  // 4. Time to first audio
  const F = '4 time to first audio: webhook response → first RTP packet of the next prompt';
  if (r.first_audio) {
    const f = r.first_audio;
    add(F, `cold prompt (new text: synthesized), ${f.cold_ms.n} calls`, q3(f.cold_ms, 1), `warm: p99 ${fmt(f.warm_ms.p99, 1)} ms`, `${fmt(f.cold_ms.p99 / f.warm_ms.p99, 1)}× warm`, `p99 ≤ ${GOALS.firstAudioP99Ms} ms`, yes(f.cold_ms.p99 <= GOALS.firstAudioP99Ms));
    add(F, `warm prompt (same text again: cache), ${f.warm_ms.n} calls`, q3(f.warm_ms, 1));
    if (f.failures.length) add(F, 'failed calls', f.failures.slice(0, 3).join('; '));
  }

  // Goals
  const G = 'goals';
  const steps = r.concurrency.steps;
  const bestGoal = steps.filter(goalQuality).at(-1);
  const bestHeld = steps.filter((s) => s.held).at(-1);
  add(G, `≥${GOALS.concurrentCalls} concurrent IVR calls on one core, send jitter p99 ≤ ${GOALS.jitterP99Ms} ms, 0 lost keys`,
    `${bestGoal ? `N=${bestGoal.calls}` : 'none of the steps'} met all terms; highest step within the break limits: ${bestHeld ? `N=${bestHeld.calls}` : 'none'}`,
    r.concurrency.sipp_baseline ? `SIPp→SIPp at N=${r.concurrency.sipp_baseline.calls}: ${r.concurrency.sipp_baseline.failed} failed` : '', '',
    `≥${GOALS.concurrentCalls}`, yes((bestGoal?.calls ?? 0) >= GOALS.concurrentCalls));
  add(G, `≥${GOALS.setupsPerS} call setups/s`, bestRate ? `${fmt(bestRate.answered_per_s, 0)}/s with 0 failures (${r.call_rate.hookline.some((s) => !s.held) ? `-r ${r.call_rate.hookline.find((s) => !s.held)?.rate_cps}/s broke` : 'the highest rate tried'})` : 'no step held',
    bestUas ? `SIPp UAS ${fmt(bestUas.answered_per_s, 0)}/s` : '', bestRate && bestUas ? `${fmt(bestRate.answered_per_s / bestUas.answered_per_s)}×` : '',
    `≥${GOALS.setupsPerS}/s`, yes((bestRate?.answered_per_s ?? 0) >= GOALS.setupsPerS * 0.95));
  const wh = r.webhook_overhead.map((w) => w.p99_ms);
  const loaded = bestHeld?.webhook_after_last_key_ms;
  add(G, `webhook overhead p99 < ${GOALS.webhookP99Ms} ms`,
    `in-process: ${r.webhook_overhead.map((w) => `${w.concurrency} at once p99 ${fmt(w.p99_ms)}`).join(', ')} ms${loaded ? `; under SIPp load (N=${bestHeld!.calls}, key → request) p99 ${fmt(loaded.p99)} ms` : ''}`,
    '', '', `p99 < ${GOALS.webhookP99Ms} ms`, yes(wh.length > 0 && Math.max(...wh, loaded?.p99 ?? 0) < GOALS.webhookP99Ms));
  if (r.first_audio) {
    add(G, `first audio ≤ ${GOALS.firstAudioP99Ms} ms p99 after a webhook answers with an uncached prompt`, `p99 ${fmt(r.first_audio.cold_ms.p99, 1)} ms (${r.first_audio.cold_ms.n} calls)`, `cached: p99 ${fmt(r.first_audio.warm_ms.p99, 1)} ms`, '', `≤ ${GOALS.firstAudioP99Ms} ms`, yes(r.first_audio.cold_ms.p99 <= GOALS.firstAudioP99Ms));
  }
  if (r.soak) {
    const k = r.soak;
    add('soak', `${k.calls_at_once} calls at once for ${k.minutes} min (${k.calls} calls)`,
      `${k.successful}/${k.calls} ok; keys lost ${k.keys.lost}, doubled ${k.keys.doubled}, ${k.keys.calls_without_webhook} without webhook; ${fmt(k.cpu_ms_per_call, 1)} ms CPU/call`, '', '', '0 failed, 0 lost', yes(k.failed === 0 && k.keys.lost + k.keys.doubled + k.keys.calls_without_webhook === 0));
    add('soak', 'RSS after the first fifth → end', `${fmt(k.rss_after_warmup_mib, 0)} → ${fmt(k.rss_end_mib, 0)} MiB; fitted slope ${fmt(k.rss_slope_mib_per_10min, 2)} MiB per 10 min`, '', '', 'flat', yes(k.flat));
    for (const w of k.jitter ?? []) {
      const d = w.interval_deviation_ms;
      add('soak', `send jitter at ${fmt(w.at_s / 60, 1)} min (${w.streams} streams, 20 s)`, `interval dev p50 ${fmt(d.p50, 2)} / p99 ${fmt(d.p99, 2)} / max ${fmt(d.max, 2)} ms${w.capture_dropped > 0 ? `; capture dropped ${w.capture_dropped}` : ''}`, '', '', 'steady', '');
    }
  }
  for (const e of r.errors) add('errors', 'section failed', e);
  return rows;
}

export const COLUMNS = [
  { title: 'case', max: 36 },
  { title: 'measured', max: 58 },
  { title: 'baseline (same N / rate)', max: 42 },
  { title: 'ratio', max: 12 },
  { title: 'goal', max: 16 },
  { title: 'met?', max: 4 },
];

export function renderReport(r: Results): string {
  return renderTable(COLUMNS, r.table ?? buildRows(r));
}

export function methodNotes(r: Results): string {
  const sink = r.concurrency.rtp_jitter.map((j) => j.timers ?? j.pacer).filter((x): x is RtpJitterResult => x !== undefined);
  const loop = sink.map((x) => x.receiver_loop_delay_ms.p99);
  return [
    'How the numbers are taken:',
    '- Send jitter (section 1) is the real server\'s outgoing RTP during the SIPp load, captured on the loopback',
    '  interface by dumpcap: the kernel stamps each packet as the server sends it, so no receiver event loop',
    '  adds noise (the resolution is 1 µs). Per stream: interval deviation = |interval between consecutive',
    '  packets − RTP timestamp step (20 ms)|, over every packet pair of every stream (p50/p99/max); and the',
    '  RFC 3550 interarrival jitter (§6.4.1, J += (|D| − J)/16) per stream, averaged over the window, for the',
    '  median and the worst stream (the JSON also has J at the window\'s end, as rtp-sink.ts reports it). Both',
    '  over the full-load window: from when 90 % of the most calls are up until fewer are.',
    '- Baselines for jitter: bench/rtp-jitter.ts at the same N, its sender pinned to the server\'s core, in',
    '  `--mode timers` (one setInterval per call) and in pacer mode (the server\'s media path alone, no SIP),',
    '  captured the same way. Both modes there synthesize ringback for every frame, heavier per frame than the',
    '  server\'s prompt bytes, so at high N they run out of core sooner than the server does.',
    '  rtp-jitter.ts\'s own receiver (bench/rtp-sink.ts, another process on the other',
    `  core) measures arrival intervals too; its event-loop delay p99 was ${loop.length ? loop.map((x) => fmt(x, 2)).join(', ') + ' ms' : 'n/a'}: the noise`,
    '  a receiver-side figure carries (kept in the JSON as interval_deviation_ms of each rtp_jitter run).',
    '- Core noise: bench/core-canary.ts, one 20 ms setInterval pinned beside the server, captured the same way.',
    '  A stall it shares is the machine\'s (the hypervisor, or other processes: this VM may be shared), not the',
    '  server\'s; compare its max with the server\'s.',
    '- Keys lost/doubled: from each call\'s webhook (account, menu answer) against the keys pressed "12345#2";',
    '  a doubled final key cannot show (the IVR ends on it). Failed calls: SIPp\'s count. SIP datagrams the',
    '  kernel dropped: the server\'s hookline_sip_udp_receive_drops_total at the end of the step (its SIP',
    '  socket\'s receive queue was full; each one costs a retransmission, or a call).',
    '- Server CPU: /proc/<pid>/stat user+system over the step (all its threads) / calls; RSS: VmRSS sampled',
    '  every 250 ms (idle → peak).',
    '- Webhook after last key: capture time of the request carrying the caller\'s id on the receiver\'s TCP',
    '  port − capture time of the first RFC 4733 packet of the caller\'s last key, matched through the server\'s',
    '  RTP port in its 200 OK.',
    '- Call rate: INVITE → 200 OK per Call-ID from a capture of the SIP port; "answered/s" = 200 OKs over',
    '  the span from the first to the last. A step holds with 0 failed calls and ≥ 95 % of the rate asked.',
    '- First audio: one call at a time; from the webhook receiver handing its response to the socket to the',
    '  first non-silent RTP packet of the next prompt at the caller (same process, same clock). It includes',
    '  the wait for the next 20 ms media tick.',
  ].join('\n');
}
