/**
 * Preload for the server under test (`node --import`): logs every gap of 12 ms or more between the turns
 * of a 2 ms timer — the event loop did not reach its timers for that long — and every garbage collection
 * of 3 ms or more, with the monotonic clock the CPU profiler stamps its samples with, so that
 * bench/stalls.ts can say what ran during each gap. Plain JavaScript: it is loaded by the built server,
 * without tsx. The log is $LOOP_GAPS_DIR (default the temp dir)/loop-gaps-<pid>.log.
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
const offsetUs = nowUs() - performance.now() * 1000;

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration >= 3) lines.push(`gc ${Math.round(offsetUs + e.startTime * 1000)} ${e.duration.toFixed(1)}`);
  }
}).observe({ entryTypes: ['gc'] });

let last = nowUs();
let turns = 0;
setInterval(() => {
  const now = nowUs();
  if (now - last >= 12_000) lines.push(`gap ${last} ${((now - last) / 1000).toFixed(1)}`);
  last = now;
  if (++turns % 250 === 0) flush();
}, 2).unref();
process.on('exit', flush);
