/**
 * `npm run bench [-- --quick]`: bounded load on 127.0.0.1 against the built `hookline serve`, one table on
 * stdout, the same results as JSON in bench/results/<date>-<git short sha>.json for comparing commits.
 *
 * Sections: 1 concurrency (SIPp callers with RFC 4733 keys walking an IVR with a webhook, N stepped until a
 * step breaks), 2 call rate (short calls, SIPp -r stepped), 3 webhook overhead, 4 time to first audio after
 * a webhook answer (cold and warm prompt cache), with baselines in the same run: SIPp against its own UAS at
 * the same N and rate, and one timer per call (bench/rtp-jitter.ts --mode timers) at the same N.
 *
 * Needs SIPp 3.6 (Debian sip-tester, with its RFC 4733 captures), dumpcap (tshark / wireshark-common) and
 * root (SIPp's play_pcap_audio sends through a raw socket; dumpcap captures on lo). Nothing leaves 127.0.0.1.
 *
 *   npm run bench [-- --quick] [--no-build] [--no-pin] [--keep] [--only concurrency,rate,webhook,first-audio]
 *                 [--steps 50,100] [--rates 50,100] [--budget-s 540] [--jitter-break-ms 40]
 *                 [--churn 30] [--churn-call-ms 1000] [--compare bench/results/<file>.json] [--perf] [--warm 300]
 *                 [--caller-audio]
 *   npm run bench -- --soak [--soak-calls 300] [--soak-min 30]     (not in CI: half an hour)
 *
 * After the steps, the step at 1,000 calls (or the highest below it that held) runs again with --churn short
 * IVR calls a second started beside it (one key each, then a webhook): the webhook after a key while the N
 * callers listen must not suffer from their media, against the same short calls run alone just before.
 * Under the main table a second one puts the media plane's figures beside an earlier run's (--compare; by
 * default bench/reference/before-media-plane.json). --soak holds --soak-calls calls for --soak-min minutes
 * instead of everything else and reports whether RSS stays flat.
 *
 * --perf (needs linux-perf) samples the server over each concurrency step and splits its CPU per call by
 * where the kernel spent it: the bench's own captures, SIPp's raw sockets, delivering packets on loopback
 * (bench/lib/kernel-share.ts).
 *
 * --warm N has each step's fresh server answer N calls of the same IVR before the step is measured: the
 * figures of a server that has been running, its hot code compiled.
 *
 * --caller-audio has every caller (of the concurrency steps, their short calls and the soak) send audio
 * for its whole call, as real phones do (speech and line noise, bench/lib/caller-audio.ts), instead of
 * only its keys: the load to size a deployment by.
 *
 * A concurrency step breaks on a failed call, a lost or doubled key, or send jitter p99 above
 * --jitter-break-ms (default 40 ms: two frames, about where a phone's default jitter buffer starts to
 * drop late packets); the goals (bench/compare.ts) are reported against, not used to stop.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HAS_DUMPCAP } from './lib/capture.js';
import { HAS_TASKSET, killAll, openFileLimit, pinSelf, pinning } from './lib/proc.js';
import { ROOT } from './lib/server.js';
import { STOCK_PCAPS, sippVersion } from './lib/sipp.js';
import { buildRows, methodNotes, renderReport, type Results } from './report.js';
import { perfAvailable } from './lib/kernel-share.js';
import { writeCallerAudio } from './lib/caller-audio.js';
import { DEFAULT_REFERENCE, loadReference, renderComparison } from './compare.js';
import { soak } from './sections/soak.js';
import { concurrencyBaseline, concurrencyStep, holdFor, RTP_RANGE, type Ctx } from './sections/concurrency.js';
import { churnAlone } from './sections/churn.js';
import { rateSteps } from './sections/call-rate.js';
import { firstAudio } from './sections/first-audio.js';
import { rtpJitter, webhookOverhead } from './sections/in-process.js';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    warm: { type: 'string', default: '0' },
    'caller-audio': { type: 'boolean', default: false },
    only: { type: 'string' },
    steps: { type: 'string' },
    rates: { type: 'string' },
    'budget-s': { type: 'string' },
    'jitter-break-ms': { type: 'string', default: '40' },
    churn: { type: 'string', default: '30' },
    'churn-call-ms': { type: 'string', default: '1000' },
    compare: { type: 'string' },
    soak: { type: 'boolean', default: false },
    'soak-calls': { type: 'string', default: '300' },
    'soak-min': { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  const doc = /\/\*\*\n([\s\S]*?)\*\//.exec(readFileSync(new URL(import.meta.url), 'utf8'))?.[1] ?? '';
  console.log(doc.replace(/^ \* ?/gm, ''));
  process.exit(0);
}

const quick = opt.quick;
const P = quick
  ? { steps: [50, 200], rates: [50, 100, 200], rateSeconds: 3, webhookCalls: 300, firstAudioPairs: 4, jitterSeconds: 3, holdExtraS: 2, budgetS: 120 }
  : { steps: [50, 100, 200, 400, 700, 1000, 1400, 2000], rates: [50, 100, 200, 400, 600, 800, 1000], rateSeconds: 6, webhookCalls: 1000, firstAudioPairs: 15, jitterSeconds: 5, holdExtraS: 5, budgetS: 540 };
const list = (s: string | undefined, d: number[]): number[] => (s ? s.split(',').map(Number).filter((n) => n > 0) : d);
let steps = list(opt.steps, P.steps);
const rates = list(opt.rates, P.rates);
const budgetS = opt.soak ? Number(opt['soak-min']) * 60 + 300 : Number(opt['budget-s'] ?? P.budgetS);
const jitterBreakMs = Number(opt['jitter-break-ms']);
const only = new Set((opt.only ?? 'concurrency,rate,webhook,first-audio').split(','));
const churnCps = Number(opt.churn);
const churnCallMs = Number(opt['churn-call-ms']);
const before = loadReference(opt.compare ?? DEFAULT_REFERENCE);

const started = Date.now();
const elapsedS = (): number => (Date.now() - started) / 1000;
const log = (line: string): void => void process.stderr.write(`[bench ${elapsedS().toFixed(0).padStart(3)}s] ${line}\n`);

// ---------------------------------------------------------------------------------------------------------
// Preflight

const problems: string[] = [];
const sipp = sippVersion();
if (!sipp) problems.push('sipp is not on PATH: install SIPp 3.6 (Debian/Ubuntu: apt-get install sip-tester)');
if (!HAS_DUMPCAP) problems.push('dumpcap is not on PATH: install tshark (Debian: apt-get install tshark, or wireshark-common)');
if (process.getuid?.() !== 0) problems.push('run as root: SIPp\'s play_pcap_audio needs a raw socket and dumpcap captures on lo');
if ((await stat(path.join(STOCK_PCAPS, 'dtmf_2833_1.pcap')).catch(() => undefined)) === undefined) problems.push(`${STOCK_PCAPS}/dtmf_2833_*.pcap missing (they come with sip-tester)`);
if (problems.length) {
  console.error(`bench: cannot run:\n- ${problems.join('\n- ')}`);
  process.exit(2);
}
const nofile = await openFileLimit();
// The server holds 2 RTP sockets a call, plus SQLite, HTTP and SIP; keep a margin.
const maxByFiles = Math.floor((nofile - 1000) / 3);
if (steps.some((n) => n > maxByFiles)) {
  log(`ulimit -n is ${nofile}: steps above ${maxByFiles} calls dropped (raise it with ulimit -n to go higher)`);
  steps = steps.filter((n) => n <= maxByFiles);
}

// The build: dist/ must be at least as new as every source file the server runs.
async function newestMtime(dir: string, keep: (f: string) => boolean): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !keep(e.name)) continue;
    newest = Math.max(newest, (await stat(path.join(e.parentPath, e.name))).mtimeMs);
  }
  return newest;
}
let built = 'fresh';
if (!opt['no-build']) {
  const src = await newestMtime(path.join(ROOT, 'src'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const dist = (await stat(path.join(ROOT, 'dist/cli/main.js')).catch(() => undefined))?.mtimeMs ?? 0;
  if (src > dist) {
    log('dist/ is older than src/: npm run build');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (b.status !== 0) {
      console.error(`bench: npm run build failed (is someone half-way through an edit in src/?):\n${(b.stdout + b.stderr).slice(-3000)}`);
      process.exit(2);
    }
    built = 'rebuilt';
  }
} else built = 'not checked (--no-build)';

const git = (args: string[]): string => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
const sha = git(['rev-parse', '--short', 'HEAD']) || 'nogit';
const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
const pin = pinning(!opt['no-pin']);
pinSelf(pin.load);
const workDir = await mkdtemp(path.join(tmpdir(), 'hookline-bench-run-'));
if (opt.perf && !perfAvailable()) {
  console.error('--perf needs linux-perf (apt-get install linux-perf)');
  process.exit(2);
}
const callerAudio = opt['caller-audio'] ? path.join(workDir, 'caller.ulaw') : undefined;
const callerAudioS = callerAudio !== undefined ? await writeCallerAudio(callerAudio) : undefined;
const ctx: Ctx = { pin, workDir, keep: opt.keep, perf: opt.perf, warmCalls: Number(opt.warm), holdExtraS: P.holdExtraS, log, callerAudio };

const results: Results = {
  meta: {
    date: new Date().toISOString(),
    git_sha: sha,
    git_dirty: dirty,
    mode: opt.soak ? 'soak' : quick ? 'quick' : 'full',
    argv: process.argv.slice(2),
    node: process.version,
    sipp,
    cpu: cpus()[0]?.model ?? '',
    cores: cpus().length,
    pinning: pin.server ? { server: `core ${pin.server}`, sipp_dumpcap_bench: `core ${pin.load}` } : HAS_TASKSET ? 'off (--no-pin)' : 'off (no taskset)',
    ulimit_nofile: nofile,
    build: built,
    budget_s: budgetS,
    // Settings given to the server under test (bench/lib/server.ts), e.g. HOOKLINE_MEDIA_PRIORITY=audio.
    server_env: process.env['BENCH_SERVER_ENV'] ?? '',
    // --caller-audio: the callers of the concurrency steps, their short calls and the soak send speech and
    // line noise for their whole call (the loop's length in seconds).
    caller_audio_s: callerAudioS ?? null,
  },
  concurrency: { steps: [], stopped: '', break_limits: { jitter_p99_ms: jitterBreakMs }, rtp_jitter: [] },
  call_rate: { hookline: [], sipp_uas: [], seconds_per_step: P.rateSeconds },
  webhook_overhead: [],
  errors: [],
};

// ---------------------------------------------------------------------------------------------------------
// Results, also when stopped early (Ctrl-C, the watchdog)

async function finish(code: number, why?: string): Promise<never> {
  killAll();
  if (why) results.errors.push(why);
  results.meta['duration_s'] = Math.round(elapsedS());
  results.table = buildRows(results);
  const table = renderReport(results);
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const date = new Date(started).toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  const file = path.join(dir, `${date}-${sha}${dirty ? '-dirty' : ''}${quick ? '-quick' : ''}.json`);
  await writeFile(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nhookline bench ${quick ? '--quick ' : ''}at ${sha}${dirty ? ' (with uncommitted changes)' : ''}, ${new Date(started).toISOString()}, ${Math.round(elapsedS())} s; ${results.meta['pinning'] && typeof results.meta['pinning'] === 'object' ? `server pinned to core ${pin.server}, SIPp/dumpcap/bench to core ${pin.load}` : 'no CPU pinning'}${callerAudio !== undefined ? '; callers send audio (--caller-audio)' : ''}; ${results.meta['cpu']} x${results.meta['cores']}; ${sipp}, node ${process.version}\n`);
  console.log(table);
  if (results.concurrency.steps.length) console.log(`\n${renderComparison(results, before)}`);
  console.log(`\n${methodNotes(results)}`);
  console.log(`\nResults: ${path.relative(process.cwd(), file)}`);
  if (!opt.keep) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  process.exit(code);
}
process.once('SIGINT', () => void finish(130, 'interrupted (SIGINT)'));
process.once('SIGTERM', () => void finish(143, 'terminated (SIGTERM)'));
// The watchdog: whatever happens, the run ends not long after its budget.
setTimeout(() => void finish(1, `stopped by the watchdog at ${Math.round(elapsedS())} s (budget ${budgetS} s)`), (budgetS + 150) * 1000).unref();

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const msg = `${name}: ${(err as Error).message.split('\n').slice(0, 6).join(' | ')}`;
    log(`FAILED ${msg}`);
    results.errors.push(msg);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Time estimates (s) for the budget; measured on a 2-core VM, generous.

/** How long the churn step's short calls run alone for their idle figure. */
const CHURN_ALONE_S = 8;
const est = {
  step: (n: number): number => {
    const { rate, holdMs } = holdFor(n, P.holdExtraS);
    return n / rate + holdMs / 1000 + 7 + n * 0.01;
  },
  baseline: (n: number): number => {
    const { rate, holdMs } = holdFor(n, P.holdExtraS);
    return n / rate + holdMs / 1000 + 6;
  },
  jitter: (n: number): number => 2 * (P.jitterSeconds + 2 + n * 0.003),
};
const reserveAfter = (done: number[]): number => done.reduce((s, n) => s + est.jitter(n), 0) + (done.length ? est.baseline(Math.max(...done)) : 0);

// ---------------------------------------------------------------------------------------------------------
// The run

if (opt.soak) {
  await section('soak', async () => {
    results.soak = await soak(ctx, { calls: Number(opt['soak-calls']), minutes: Number(opt['soak-min']) });
  });
  await finish(results.errors.length || !results.soak?.flat ? 1 : 0);
}
log(`${quick ? 'quick' : 'full'} run, budget ${budgetS} s; work dir ${workDir}`);
if (only.has('webhook')) {
  await section('webhook overhead', async () => {
    for (const c of [1, 20]) {
      log(`webhook-overhead.ts ${P.webhookCalls} calls, ${c} at once`);
      results.webhook_overhead.push(await webhookOverhead(P.webhookCalls, c, pin.server));
    }
  });
}
if (only.has('first-audio')) {
  await section('first audio', async () => {
    log(`first audio: ${P.firstAudioPairs} cold + ${P.firstAudioPairs} warm calls`);
    results.first_audio = await firstAudio(ctx, P.firstAudioPairs);
  });
}
if (only.has('rate')) {
  await section('call rate', async () => {
    // Leave time for the SIPp UAS at the same rates and for at least the first two concurrency steps.
    const first = steps.slice(0, 2);
    const concurrencyMin = only.has('concurrency') ? first.reduce((t, n) => t + est.step(n), 0) + reserveAfter(first) : 0;
    let done = 0;
    const budgetOk = (): boolean => {
      const need = (done + 2) * (P.rateSeconds + 1.5); // this step, then the UAS at every step so far
      if (elapsedS() + need + concurrencyMin > budgetS) return false;
      done++;
      return true;
    };
    log(`call rate: hookline at ${rates.join(', ')}/s, ${P.rateSeconds} s each`);
    results.call_rate.hookline = await rateSteps(ctx, 'hookline', rates, P.rateSeconds, budgetOk);
    const same = results.call_rate.hookline.map((s) => s.rate_cps);
    if (same.length) {
      log(`call rate: SIPp UAS at ${same.join(', ')}/s`);
      results.call_rate.sipp_uas = await rateSteps(ctx, 'sipp-uas', same, P.rateSeconds, () => true);
    }
  });
}
if (only.has('concurrency')) {
  await section('concurrency', async () => {
    const done: number[] = [];
    results.concurrency.stopped = `all steps ran (${steps.join(', ')})`;
    for (const [i, n] of steps.entries()) {
      const need = est.step(n) + reserveAfter([...done, n]);
      if (elapsedS() + need > budgetS) {
        results.concurrency.stopped = `time budget: N=${n} would need ~${Math.round(need)} s more (budget ${budgetS} s${quick ? ', --quick' : ''})`;
        log(results.concurrency.stopped);
        break;
      }
      log(`concurrency N=${n}`);
      const s = await concurrencyStep(ctx, n, { jitterP99Ms: jitterBreakMs }, i + 1);
      results.concurrency.steps.push(s);
      done.push(n);
      log(`  N=${n}: ${s.calls - s.failed_calls}/${n} ok, keys lost ${s.keys.lost} doubled ${s.keys.doubled}, jitter p99 ${s.send_jitter.interval_deviation_ms.p99} ms, CPU ${s.server.cpu_ms_per_call} ms/call, webhook after key p99 ${s.webhook_after_last_key_ms.p99} ms${s.held ? '' : ` — broke: ${s.broke.join('; ')}`}`);
      const ls = s.server.loopback_split_ms_per_call;
      if (ls) log(`  of the CPU per call (perf, ${ls.samples} samples): captures ${ls.capture}, SIPp's raw sockets ${ls.load_generator_raw_sockets}, loopback delivery ${ls.loopback_delivery}, the server's own ${ls.own} ms`);
      if (!s.held) {
        results.concurrency.stopped = `N=${n} broke: ${s.broke.join('; ')}`;
        break;
      }
    }
    // The same N again with short calls started beside it: 1,000 if it held, else the highest step below that held.
    const churnAt = results.concurrency.steps.filter((st) => st.held && st.calls <= 1000).at(-1)?.calls;
    if (churnCps > 0 && churnAt !== undefined) {
      const need = est.step(churnAt) + CHURN_ALONE_S + 15 + reserveAfter(done);
      if (elapsedS() + need > budgetS) log(`churn step at N=${churnAt}: skipped (time budget)`);
      else {
        log(`short IVR calls alone, ${churnCps}/s for ${CHURN_ALONE_S} s`);
        await section('short calls alone', async () => void (results.concurrency.churn_alone = await churnAlone(ctx, { cps: churnCps, callMs: churnCallMs }, CHURN_ALONE_S, RTP_RANGE)));
        log(`concurrency N=${churnAt} with ${churnCps} short IVR calls/s beside it`);
        await section('churn step', async () => {
          const c = await concurrencyStep(ctx, churnAt, { jitterP99Ms: jitterBreakMs }, steps.length + 1, { cps: churnCps, callMs: churnCallMs });
          results.concurrency.churn_step = c;
          log(`  N=${churnAt}+churn: ${c.calls - c.failed_calls}/${churnAt} ok, short calls ${c.churn?.successful}/${c.churn?.calls} (their webhook after the key p99 ${c.churn?.webhook_after_key_ms.p99} ms, while the N listen ${c.churn?.webhook_after_key_listening_ms?.p99} ms), jitter p99 ${c.send_jitter.interval_deviation_ms.p99} ms, webhook after key p99 ${c.webhook_after_last_key_ms.p99} ms`);
        });
      }
    }
    const top = Math.max(...done);
    if (done.length) {
      log(`concurrency baseline: SIPp→SIPp UAS at N=${top}`);
      await section('concurrency SIPp baseline', async () => void (results.concurrency.sipp_baseline = await concurrencyBaseline(ctx, top)));
      for (const n of done) {
        const entry: Results['concurrency']['rtp_jitter'][number] = { calls: n };
        results.concurrency.rtp_jitter.push(entry);
        for (const mode of ['timers', 'pacer'] as const) {
          log(`rtp-jitter.ts --mode ${mode} --calls ${n}`);
          await section(`rtp-jitter ${mode} ${n}`, async () => void (entry[mode] = await rtpJitter(n, P.jitterSeconds, mode, pin, workDir)));
        }
      }
    }
  });
}
await finish(results.errors.length ? 1 : 0);
