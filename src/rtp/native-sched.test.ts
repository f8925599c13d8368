/**
 * The scheduling of the addon's thread (native/rtp-send/sched.c): the real-time class within a share of a
 * core. Each case runs in a worker thread, which is a Node environment of its own and so gets an engine and
 * a sending thread of its own, started with the share the case asks for (a process's first idleThread call
 * fixes it). Real streams on real sockets: the share is the thread's own CPU clock.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CI } from '../testkit/system-tools.js';
import { loadNativeSender, NATIVE_SEND_PATH } from './native-send.js';

let built = true;
try {
  loadNativeSender();
} catch {
  built = false; // native-send.test.ts says why; under CI these fail instead of skipping.
}

interface Seen {
  /** idleThread's answer: [nice, raised, real-time class]. */
  thread: [number, number, number];
  /** Whether some thread of the process was in SCHED_FIFO at priority 1, right after the start and at the end. */
  fifoAtStart: boolean;
  fifoAtEnd: boolean;
  /** Whether some thread of the process ran at the nice value asked for, at the end. */
  niceAtEnd: boolean;
  /** idleSched() at the end: [real-time now, step-downs, CPU seconds]. */
  sched: [number, number, number];
  packets: number;
}

/*
 * CommonJS run by the worker: it loads the addon by path (a worker does not go through the test runner's
 * TypeScript), starts `streams` streams of silence on one socket that receives them itself, and reports after
 * `ms`. The socket's descriptor is found as socketFd() finds it (native-send.ts).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createSocket } = require('node:dgram');
const { readdirSync, readFileSync } = require('node:fs');
const addon = require(workerData.path);
const tasks = () => readdirSync('/proc/self/task').map((tid) => readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' '));
const fifo = () => tasks().some((f) => f[37] === '1' && f[38] === '1'); // rt_priority 1, policy SCHED_FIFO
const sock = createSocket('udp4');
sock.on('message', () => {});
sock.bind(0, '127.0.0.1', () => {
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const fd = sock[state].handle.fd;
  const to = addon.sockaddr('127.0.0.1', sock.address().port);
  const thread = addon.idleThread(workerData.nice, workerData.pct);
  const fifoAtStart = fifo();
  const first = Number(process.hrtime.bigint()) + 20e6;
  const ids = [];
  for (let i = 0; i < workerData.streams; i++) ids.push(addon.idleStart(fd, to, 0, i + 1, 0, 0, false, 0xff, null, 0, first + (i % 20) * 1e6));
  setTimeout(() => {
    const sched = addon.idleSched();
    const fifoAtEnd = fifo();
    const niceAtEnd = tasks().some((f) => f[16] === String(workerData.nice));
    let packets = 0;
    for (const id of ids) packets += addon.idleStop(id)[3];
    sock.close(() => parentPort.postMessage({ thread, fifoAtStart, fifoAtEnd, niceAtEnd, sched, packets }));
  }, workerData.ms);
});
`;

function run(pct: number, streams: number, ms: number, nice = 0): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { path: NATIVE_SEND_PATH, pct, streams, ms, nice } });
    // Resolved once the worker is gone, with its engine and thread: the next case looks at the process's threads.
    w.once('message', (m: Seen) => void w.terminate().then(() => resolve(m), reject));
    w.once('error', reject);
  });
}

// Root has CAP_SYS_NICE (CI runs as root); elsewhere the class may be refused, which the server warns about.
const mayBeRealtime = process.getuid?.() === 0;

describe.runIf(built || CI)("the addon's thread's class", () => {
  it('is real-time while the thread stays within its share, and reports it', async () => {
    const seen = await run(95, 200, 1000);
    expect(seen.packets).toBeGreaterThan(200 * 40); // 50 frames a second each; the first at 20 ms
    expect(seen.thread[2]).toBe(seen.fifoAtStart ? 1 : 0);
    if (mayBeRealtime) expect(seen.thread[2]).toBe(1);
    expect(seen.sched[0]).toBe(seen.thread[2]);
    expect(seen.sched[1]).toBe(0);
    expect(seen.fifoAtEnd).toBe(seen.thread[2] === 1);
    expect(seen.sched[2]).toBeGreaterThan(0);
  });

  it('steps down to the normal class, keeping its nice value, when it uses more than its share, and counts it', async () => {
    // 1 % of a core: 500 streams (25,000 packets a second) take more than that on any machine.
    const seen = await run(1, 500, 1000, -3);
    expect(seen.packets).toBeGreaterThan(500 * 40); // stepping down does not stop the audio
    if (mayBeRealtime) expect(seen.thread[2]).toBe(1);
    if (seen.thread[2] === 1) {
      expect(seen.fifoAtStart).toBe(true);
      expect(seen.sched[1]).toBeGreaterThanOrEqual(1);
      expect(seen.sched[0]).toBe(0);
      expect(seen.fifoAtEnd).toBe(false);
      expect(seen.thread[0]).toBe(-3);
      expect(seen.niceAtEnd).toBe(true);
    } else expect(seen.sched[1]).toBe(0);
  });

  it('is never real-time when no share is given', async () => {
    const seen = await run(0, 10, 300);
    expect(seen.thread[2]).toBe(0);
    expect(seen.fifoAtStart).toBe(false);
    expect(seen.sched).toEqual([0, 0, expect.any(Number)]);
  });
});
