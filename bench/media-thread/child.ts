/**
 * One run of the media-thread experiment (started by bench/media-thread.ts, pinned to one core): the
 * streams on this thread or in a worker, while this thread does control-plane-like work in bursts.
 */
import { Worker } from 'node:worker_threads';
import { loadNativeSender } from '../../src/rtp/native-send.js';
import { startNativeStreams, startStreams } from './streams.js';

type Mode = 'main' | 'sendto' | 'worker' | 'native';
const [mode, calls, seconds, burstMs, everyMs, sinkPort] = [process.argv[2] as Mode, ...process.argv.slice(3).map(Number)] as [
  Mode, number, number, number, number, number,
];

/**
 * What the control plane does between media ticks, in the shape the server profile showed: bursts of
 * short tasks (a webhook, a SIP message, a store write each) that arrive together and run back to
 * back in one event-loop turn, allocating as they go (request objects, strings, JSON).
 */
let sink = 0;
function task(): void {
  const t0 = performance.now();
  while (performance.now() - t0 < 0.25) {
    const o = { sessionId: Math.random().toString(36), params: Array.from({ length: 20 }, (_, i) => [`ivr_q${i}`, String(i * Math.random())]) };
    sink += JSON.parse(JSON.stringify(o)).params.length;
  }
}
function burst(): void {
  const t0 = performance.now();
  while (performance.now() - t0 < burstMs) task();
}

type PacerFigures = ReturnType<Awaited<ReturnType<typeof startStreams>>['pacer']>;
let stop: () => Promise<PacerFigures>;
let worker: Worker | undefined;
if (mode === 'main' || mode === 'sendto') {
  const streams = await startStreams(calls, sinkPort, mode === 'sendto' ? loadNativeSender() : undefined);
  stop = async () => {
    const p = streams.pacer();
    await streams.stop();
    return p;
  };
} else if (mode === 'native') {
  const streams = await startNativeStreams(calls, sinkPort);
  stop = async () => {
    const p = await streams.stop();
    return p as unknown as PacerFigures;
  };
} else {
  const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { calls, sinkPort } });
  worker = w;
  await new Promise((r) => w.once('message', r));
  stop = async () => {
    w.postMessage('stop');
    const p = await new Promise<PacerFigures>((r) => w.once('message', r));
    await w.terminate();
    return p;
  };
}
const cpu0 = process.cpuUsage();
const timer = burstMs > 0 ? setInterval(burst, everyMs) : undefined;
await new Promise((r) => setTimeout(r, seconds * 1000));
if (timer) clearInterval(timer);
const cpu = process.cpuUsage(cpu0);
const pacer = await stop();
console.log(JSON.stringify({ cpu_share: +((cpu.user + cpu.system) / 1000 / (seconds * 1000)).toFixed(3), worker: worker !== undefined, pacer, sink: sink > 0 }));
