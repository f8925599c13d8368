/**
 * What kept the event loop from its timers: joins a CPU profile of the server (node --cpu-prof) with the
 * gap log of bench/lib/loop-gaps.mjs and prints, for the longest gaps, which entry points ran during
 * each and whether a garbage collection did; then how busy the main thread was, half a second at a time.
 *
 *   BENCH_SERVER_NODE_FLAGS="--import ./bench/lib/loop-gaps.mjs --cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     npm run bench -- --only concurrency --steps 1000 --churn 0
 *   node --import tsx bench/stalls.ts /tmp/prof [--top 8] [--min-ms 20] [--gaps FILE]
 *
 * Found with it at 1,000 calls on one core (2026-12-06): the gaps of 40-120 ms that decide send jitter
 * p99 were not garbage collection (at most 18 ms) nor SQLite checkpoints (4-6 ms), but runs of many
 * short tasks — SIP messages while calls are set up, keys, store writes and webhooks while a thousand
 * IVRs end — handled one after another in one turn of the loop, and the pacer's own catch-up after them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '8' }, 'min-ms': { type: 'string', default: '20' }, gaps: { type: 'string' } },
});
const dir = positionals[0] ?? '/tmp/prof';
// The main thread's profile is the first one node writes for the process (workers' follow).
const profFile = readdirSync(dir).filter((f) => f.endsWith('.001.cpuprofile')).sort().at(-1);
if (!profFile) throw new Error(`no *.001.cpuprofile in ${dir}`);
const pid = profFile.split('.')[3];
const p = JSON.parse(readFileSync(path.join(dir, profFile), 'utf8')) as Profile;
const gapsFile = opt.gaps ?? path.join(process.env['LOOP_GAPS_DIR'] ?? tmpdir(), `loop-gaps-${pid}.log`);

const node = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const at: number[] = [];
for (let t = p.startTime, i = 0; i < p.timeDeltas.length; i++) at.push((t += p.timeDeltas[i]!));

const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)']);
const short = (c: CallFrame): string => `${c.functionName || '(anonymous)'} ${c.url.split('/dist/')[1] ?? c.url.split('/').at(-1) ?? ''}`;
const labels = new Map<number, string>();
/** A sample's entry point: the outermost frame of hookline's own code (or the runtime's, if none). */
function entry(id: number): string {
  let l = labels.get(id);
  if (l !== undefined) return l;
  const frames: CallFrame[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) frames.push(node.get(cur)!.callFrame);
  const self = frames[0]!;
  const ours = frames.filter((c) => c.url.includes('/dist/') && !c.url.includes('node_modules'));
  l = SPECIAL.has(self.functionName) ? self.functionName : ours.length ? short(ours.at(-1)!) : `[${short(self)}]`;
  labels.set(id, l);
  return l;
}

const lines = readFileSync(gapsFile, 'utf8').split('\n').filter(Boolean).map((s) => s.split(' '));
const gaps = lines.filter((l) => l[0] === 'gap').map((l) => ({ fromUs: Number(l[1]), ms: Number(l[2]) }));
const gcs = lines.filter((l) => l[0] === 'gc').map((l) => ({ atUs: Number(l[1]), ms: Number(l[2]) }));
const sec = (us: number): string => ((us - p.startTime) / 1e6).toFixed(2);

const minMs = Number(opt['min-ms']);
const top = gaps.filter((g) => g.ms >= minMs).sort((a, b) => b.ms - a.ms).slice(0, Number(opt.top));
console.log(`${gaps.length} gaps logged (LOOP_GAPS_MS, default 12 ms) in ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s (profile ${profFile}); the ${top.length} longest:`);
for (const g of top) {
  const to = g.fromUs + g.ms * 1000;
  const count = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < at.length; i++) {
    if (at[i]! < g.fromUs || at[i]! > to) continue;
    const l = entry(p.samples[i]!);
    count.set(l, (count.get(l) ?? 0) + 1);
    n++;
  }
  const gc = gcs.filter((c) => c.atUs >= g.fromUs && c.atUs <= to).reduce((s, c) => s + c.ms, 0);
  console.log(`\n${g.ms.toFixed(0)} ms gap at ${sec(g.fromUs)} s (${n} samples; GC ${gc.toFixed(1)} ms):`);
  for (const [l, c] of [...count].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${((100 * c) / n).toFixed(0).padStart(3)} %  ${l}`);
}

console.log('\nmain thread busy, per half second (s: %):');
const busy = new Map<number, [number, number]>();
for (let i = 0; i < at.length; i++) {
  const k = Math.floor((at[i]! - p.startTime) / 5e5);
  const b = busy.get(k) ?? [0, 0];
  b[1]++;
  if (node.get(p.samples[i]!)!.callFrame.functionName !== '(idle)') b[0]++;
  busy.set(k, b);
}
console.log([...busy].map(([k, [b, n]]) => `${(k / 2).toFixed(1)}:${Math.round((100 * b) / n)}`).join(' '));
