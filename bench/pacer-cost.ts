/**
 * What the pacing loop itself costs, apart from the frames it sends: N sources whose tick does nothing,
 * paced for `seconds`, and the process's CPU share over that time, with the pacer's lateness and interval
 * figures. The loop sleeps until `spinMs` before each deadline and then spins with setImmediate turns; with
 * N past `slotSize` there is a deadline per slot, so the spin is paid per slot.
 *
 *   npx tsx bench/pacer-cost.ts [--calls 0,100,200,500,1000] [--seconds 4] [--spin-ms 1] [--slots 10]
 *
 * One JSON line per N. CPU share is CPU time over wall time: on a busy machine a spinning loop gets less of
 * the core and the figure reads lower, never higher, than on a quiet one.
 */
import { parseArgs } from 'node:util';
import { Pacer, type PacerOptions } from '../src/media/pacer.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '0,100,200,500,1000' },
    seconds: { type: 'string', default: '4' },
    'spin-ms': { type: 'string' },
    slots: { type: 'string' },
  },
});

for (const n of values.calls.split(',').map(Number)) {
  const opts: PacerOptions = {};
  if (values['spin-ms'] !== undefined) opts.spinMs = Number(values['spin-ms']);
  if (values.slots !== undefined) opts.maxSlots = Number(values.slots);
  const pacer = new Pacer(opts);
  let ticks = 0;
  const sources = Array.from({ length: n }, () => ({ tick: () => void ticks++ }));
  for (const s of sources) pacer.register(s);
  await new Promise((r) => setTimeout(r, 300));
  pacer.resetStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const st = pacer.stats();
  pacer.close();
  console.log(JSON.stringify({
    bench: 'pacer-cost', calls: n, spin_ms: opts.spinMs ?? 'default', slots: pacer.slotSizes().length,
    cpu_share: +((cpu.user + cpu.system) / 1000 / wall).toFixed(3),
    lateness_ms: { p50: st.lateness.p50Ms, p99: st.lateness.p99Ms, max: +st.lateness.maxMs.toFixed(2) },
    interval_ms: { p50: st.interval.p50Ms, p99: st.interval.p99Ms, max: +st.interval.maxMs.toFixed(2) },
  }));
}
