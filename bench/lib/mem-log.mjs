/**
 * Preload for the server under test (`node --import`): appends process.memoryUsage() every 10 s to
 * $MEM_LOG_DIR (default the temp dir)/mem-<pid>.log as `<thread> <seconds> rss heapTotal heapUsed external
 * arrayBuffers` (bytes; thread 0 is the main thread: node loads the preload into workers too, and rss is
 * the process's in every line), so that a growing RSS in the soak can be placed: the JavaScript heap, buffers
 * outside it, or native memory (SQLite, the allocator) — the difference of rss and the rest.
 *
 *   BENCH_SERVER_NODE_FLAGS="--import ./bench/lib/mem-log.mjs" npm run bench -- --soak
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { threadId } from 'node:worker_threads';

const file = path.join(process.env['MEM_LOG_DIR'] ?? tmpdir(), `mem-${process.pid}.log`);
const started = Date.now();
setInterval(() => {
  const m = process.memoryUsage();
  const s = Math.round((Date.now() - started) / 1000);
  appendFileSync(file, `${threadId} ${s} ${m.rss} ${m.heapTotal} ${m.heapUsed} ${m.external} ${m.arrayBuffers}\n`);
}, 10_000).unref();
