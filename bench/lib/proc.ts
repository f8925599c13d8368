/**
 * Processes for the benchmark: every child it starts is tracked and killed (by its own pid) when the run
 * ends or is interrupted; /proc readings of CPU and memory; free ports on 127.0.0.1; CPU pinning.
 * Adapted from test/interop/harness.ts (copied, not imported: bench/ does not depend on the tests).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

const children = new Set<ChildProcess>();

/** Spawns a child that is killed (SIGKILL, by pid) if the benchmark exits before it does. */
export function track(cmd: string, args: string[], o: SpawnOptions): ChildProcess {
  const child = spawn(cmd, args, o);
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.on('error', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Resolves with the exit code (null when killed by a signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stop(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited(child);
  clearTimeout(t);
  return code;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// CPU pinning: the server gets a core of its own, the load generator, capture and this process the other.

export const HAS_TASKSET = spawnSync('taskset', ['-V']).error === undefined;

export interface Pinning {
  /** `taskset -c <server>` for the server; null when not pinning. */
  server: string | null;
  /** Cores for SIPp, dumpcap and this process. */
  load: string | null;
  /** Every core: for runs that should float (the in-process jitter benchmark and its receiver). */
  all: string | null;
}

export function pinning(enabled: boolean): Pinning {
  const n = cpus().length;
  if (!enabled || !HAS_TASKSET || n < 2) return { server: null, load: null, all: null };
  return { server: String(n - 1), load: n > 2 ? `0-${n - 2}` : '0', all: `0-${n - 1}` };
}

/** Pins this process (every thread) to `cores`; children spawned later inherit it. */
export function pinSelf(cores: string | null): void {
  if (cores) spawnSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

/** The command and arguments to run `cmd` on `cores` (as is when `cores` is null). */
export function pinned(cores: string | null, cmd: string, args: string[]): [string, string[]] {
  return cores ? ['taskset', ['-c', cores, cmd, ...args]] : [cmd, args];
}

// ---------------------------------------------------------------------------------------------------------
// /proc

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** User + system CPU time of the process so far, in milliseconds (/proc/<pid>/stat fields 14 and 15). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/**
 * CPU time of the process so far split three ways, in ms: the main thread's user and system time (its
 * event loop: JavaScript, and the kernel's side of its system calls, sendto included), and every other
 * thread (V8's compiler and GC helpers, libuv's pool, worker threads) together.
 */
export async function cpuSplitOf(pid: number): Promise<{ mainUserMs: number; mainSystemMs: number; otherMs: number }> {
  const fields = async (file: string): Promise<[number, number]> => {
    const stat = await readFile(file, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [(Number(f[11]) * 1000) / CLK_TCK, (Number(f[12]) * 1000) / CLK_TCK];
  };
  const [u, s] = await fields(`/proc/${pid}/stat`);
  const [mu, ms] = await fields(`/proc/${pid}/task/${pid}/stat`);
  return { mainUserMs: mu, mainSystemMs: ms, otherMs: u + s - mu - ms };
}

/** Peak resident set size (VmHWM), current RSS (VmRSS) in MiB, and the thread count. */
export async function memoryOf(pid: number): Promise<{ peakRssMiB: number; rssMiB: number; threads: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const num = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMiB: num('VmHWM') / 1024, rssMiB: num('VmRSS') / 1024, threads: num('Threads') };
}

/** Waits until the process uses under `maxMs` of CPU per 500 ms (e.g. the prompt-cache warm-up is over). */
export async function waitIdle(pid: number, o: { maxMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const end = Date.now() + (o.timeoutMs ?? 20_000);
  let last = await cpuMsOf(pid);
  for (;;) {
    await sleep(500);
    const now = await cpuMsOf(pid);
    if (now - last <= (o.maxMs ?? 20) || Date.now() > end) return now;
    last = now;
  }
}

/** Samples RSS every `everyMs` until stopped: the peak during a step (VmHWM only ever grows). */
export function rssSampler(pid: number, everyMs = 250): { stop(): Promise<{ peakMiB: number; samples: number }> } {
  let peak = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await memoryOf(pid).catch(() => undefined);
      if (m) {
        peak = Math.max(peak, m.rssMiB);
        samples++;
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakMiB: peak, samples };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Ports (127.0.0.1 only)

export { freeMediaPort, freePort } from '../../src/testkit/ports.js';

/** Open file limit of this process (soft), from /proc/self/limits. */
export async function openFileLimit(): Promise<number> {
  const text = await readFile('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  return m?.[1] === 'unlimited' ? Infinity : Number(m?.[1] ?? NaN);
}

/**
 * Time the hypervisor ran something else while this VM's vCPU wanted to run (/proc/stat "steal"), in ms,
 * for one core (`cores` a single number, as when pinned) or all of them: a stall that is no process's fault.
 */
export async function stealMs(cores: string | null): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const name = cores && /^\d+$/.test(cores) ? `cpu${cores}` : 'cpu';
  const cols = new RegExp(`^${name} (.*)$`, 'm').exec(text)?.[1]?.trim().split(/\s+/) ?? [];
  return (Number(cols[7] ?? NaN) * 1000) / CLK_TCK;
}
