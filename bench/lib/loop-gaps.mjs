/**
 * Preload for the server under test (`node --import`): logs every gap of $LOOP_GAPS_MS (default 12) ms or
 * more between the turns of a 2 ms timer — the event loop did not reach its timers for that long — and
 * every garbage collection of 3 ms or more with its kind, on the monotonic clock the CPU profiler stamps
 * its samples with, so that bench/stalls.ts can say what ran during each gap. Plain JavaScript: it is
 * loaded by the built server, without tsx. The log is $LOOP_GAPS_DIR (default the temp dir)/loop-gaps-<pid>.log.
 *
 *   BENCH_SERVER_NODE_FLAGS="--import ./bench/lib/loop-gaps.mjs --cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- ...
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import process from 'node:process';
import { setInterval } from 'node:timers';

const file = path.join(process.env['LOOP_GAPS_DIR'] ?? tmpdir(), `loop-gaps-${process.pid}.log`);
const lines = [];
const flush = () => {
  if (lines.length) appendFileSync(file, lines.splice(0).join('\n') + '\n');
};
// Microseconds of process.hrtime, the clock of the profile's timeDeltas (both CLOCK_MONOTONIC on Linux).
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
// Below about 4 ms the timer's own granularity shows as gaps.
const minGapUs = Number(process.env['LOOP_GAPS_MS'] ?? 12) * 1000;
if (!(minGapUs > 0)) throw new Error(`LOOP_GAPS_MS: expected a number of milliseconds above 0, got "${process.env['LOOP_GAPS_MS']}"`);
const offsetUs = nowUs() - performance.now() * 1000;

// perf_hooks' constants.NODE_PERFORMANCE_GC_*: which collector paused the thread.
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration >= 3) lines.push(`gc ${Math.round(offsetUs + e.startTime * 1000)} ${e.duration.toFixed(1)} ${GC_KINDS[e.detail?.kind] ?? e.detail?.kind}`);
  }
}).observe({ entryTypes: ['gc'] });

let last = nowUs();
let turns = 0;
setInterval(() => {
  const now = nowUs();
  if (now - last >= minGapUs) lines.push(`gap ${last} ${((now - last) / 1000).toFixed(1)}`);
  last = now;
  if (++turns % 250 === 0) flush();
}, 2).unref();
process.on('exit', flush);
