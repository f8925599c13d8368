/**
 * SIPp runs for the benchmark (after test/interop/harness.ts): a UAC run that ends by itself (-m calls),
 * a UAS in the background for the baselines, and the RFC 4733 captures the callers play.
 * Every SIPp binds and sends on 127.0.0.1 only (-i, -mi and the target).
 */
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cpuMsOf, exited, freeMediaPort, freePort, pinned, sleep, stop, track } from './proc.js';

export const SCENARIOS = path.join(import.meta.dirname, '..', 'scenarios');
/** The RFC 4733 captures shipped with Debian's sip-tester (SIPp) package; every packet is PT 101. */
import { preparePcaps as prepareStockPcaps } from '../../src/testkit/pcap.js';
export { STOCK_PCAPS } from '../../src/testkit/pcap.js';
export const STOCK_PCAP_EVENT_PT = 101;

export function sippVersion(): string | undefined {
  const r = spawnSync('sipp', ['-v']);
  if (r.error) return undefined;
  return /SIPp v[^\s,]+/.exec(r.stdout.toString() + r.stderr.toString())?.[0];
}

export interface UacRun {
  code: number | null;
  ms: number;
  successful: number;
  failed: number;
  /** SIPp's own CPU time over the run (sampled /proc, last sample before it exited). */
  sippCpuMs: number;
  /** SIPp's last screen, stderr and error log tail, for diagnosis. */
  report: string;
  /** The kinds of error SIPp logged, numbers blanked out, with their counts ("Dead call # ...": 12). */
  errorKinds: Array<[string, number]>;
}

export interface UacOptions {
  /** Scenario file in bench/scenarios, or a built-in (`-sn`) name prefixed with "sn:". */
  scenario: string;
  dir: string;
  target: { host: '127.0.0.1'; port: number };
  service: string;
  /** Caller ids, one per call (field0 of the injection file, taken in order). */
  callers: string[];
  calls: number;
  limit: number;
  rate: number;
  /** -d: the length of `<pause/>`, ms. */
  pauseMs: number;
  timeoutS: number;
  cores: string | null;
  /**
   * Raw µ-law audio each caller sends, looped, from the moment its call is up (SIPp's rtp_stream, payload
   * type 0), where the scenario has its CALLER_AUDIO comment; without it the callers send only their keys.
   */
  callerAudio?: string | undefined;
}

/** The scenario with its CALLER_AUDIO comment turned into an rtp_stream action that loops `file` (µ-law, payload type 0). */
export function withCallerAudio(scenario: string, file: string, name: string): string {
  const marker = /^.*<!-- CALLER_AUDIO:.*-->.*$/m;
  if (!marker.test(scenario)) throw new Error(`${name} has no CALLER_AUDIO comment for --caller-audio`);
  // SIPp splits the action's value at commas, and the value sits in an XML attribute.
  if (/[,"&<]/.test(file)) throw new Error(`caller audio path has a character SIPp's action cannot take: ${file}`);
  return scenario.replace(marker, `  <nop><action><exec rtp_stream="${file},-1,0"/></action></nop>`);
}

export async function runUac(o: UacOptions): Promise<UacRun> {
  const scenario = await readFile(path.join(SCENARIOS, o.scenario), 'utf8');
  await writeFile(path.join(o.dir, o.scenario), o.callerAudio !== undefined ? withCallerAudio(scenario, o.callerAudio, o.scenario) : scenario);
  await writeFile(path.join(o.dir, 'callers.csv'), `SEQUENTIAL\n${o.callers.map((c) => `${c};`).join('\n')}\n`);
  const tag = path.basename(o.scenario, '.xml');
  const args = [
    `${o.target.host}:${o.target.port}`,
    '-sf', o.scenario,
    '-s', o.service,
    '-inf', 'callers.csv',
    '-m', String(o.calls),
    '-l', String(o.limit),
    '-r', String(o.rate),
    '-d', String(o.pauseMs),
    '-t', 'u1',
    '-i', '127.0.0.1',
    '-mi', '127.0.0.1',
    '-p', String(await freePort()),
    '-mp', String(await freeMediaPort()),
    '-cp', String(await freePort()),
    '-max_socket', '60000',
    '-buff_size', String(4 * 1024 * 1024),
    '-nostdin',
    '-timeout', `${o.timeoutS}s`,
    '-timeout_error',
    '-trace_err', '-error_file', `${tag}-errors.log`,
    '-trace_screen', '-screen_file', `${tag}-screen.log`,
  ];
  const [cmd, full] = pinned(o.cores, 'sipp', args);
  const start = Date.now();
  const child = track(cmd, full, { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let cpu = 0;
  const done = exited(child);
  let running = true;
  void done.then(() => (running = false));
  const sampler = (async () => {
    while (running) {
      cpu = await cpuMsOf(child.pid!).catch(() => cpu);
      await sleep(100);
    }
  })();
  const kill = setTimeout(() => child.kill('SIGKILL'), (o.timeoutS + 20) * 1000);
  const code = await done;
  clearTimeout(kill);
  await sampler;
  const ms = Date.now() - start;
  const read = (f: string): Promise<string> => readFile(path.join(o.dir, f), 'utf8').catch(() => '');
  const screen = await read(`${tag}-screen.log`);
  const errors = await read(`${tag}-errors.log`);
  const report = [`sipp ${args.join(' ')}  (cwd ${o.dir})`, `exit status ${code}`, stderr.slice(-2000), screen.slice(-3000), errors ? `errors:\n${errors.slice(-3000)}` : '']
    .filter(Boolean)
    .join('\n');
  return { code, ms, successful: screenCounter(screen, 'Successful call'), failed: screenCounter(screen, 'Failed call'), sippCpuMs: cpu, report, errorKinds: errorKinds(errors) };
}

/** Error log entries start "2026-11-25<TAB>14:11:37.904363<TAB>1795615897.904363: message": count messages by kind. */
function errorKinds(log: string): Array<[string, number]> {
  const kinds = new Map<string, number>();
  for (const line of log.split('\n')) {
    const m = /^\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: (.*)$/.exec(line);
    if (!m) continue;
    const kind = (m[1] as string).replace(/'.*$/, '').replace(/[0-9][0-9a-zA-Z@.:_-]*/g, '#').slice(0, 120).trim();
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 8);
}

/** A few lines for the console about a SIPp run that had failures. */
export function failureSummary(run: UacRun): string {
  const counters = run.report.split('\n').filter((l) => /^\s*(Successful call|Failed call|Retransmissions|Outgoing call created|Total Call created)/.test(l)).slice(-4);
  return [...counters.map((l) => `    ${l.trim()}`), ...run.errorKinds.map(([k, n]) => `    ${n} x ${k}`)].join('\n');
}

/** "Successful call   |        0                  |        50": the last column is the cumulative count. */
function screenCounter(screen: string, name: string): number {
  const lines = screen.split('\n').filter((l) => l.trimStart().startsWith(name));
  const cols = lines.at(-1)?.split('|') ?? [];
  return Number(cols.at(-1)?.trim() ?? NaN);
}

export interface Uas {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** SIPp as the server: `scenario` from bench/scenarios, or SIPp's built-in `uas` when undefined. */
export async function startUas(o: { dir: string; scenario?: string; pauseMs?: number; cores: string | null }): Promise<Uas> {
  if (o.scenario) await copyFile(path.join(SCENARIOS, o.scenario), path.join(o.dir, o.scenario));
  const port = await freePort();
  const args = [
    ...(o.scenario ? ['-sf', o.scenario] : ['-sn', 'uas']),
    '-t', 'u1',
    '-i', '127.0.0.1',
    '-mi', '127.0.0.1',
    '-p', String(port),
    '-mp', String(await freeMediaPort()),
    '-cp', String(await freePort()),
    '-d', String(o.pauseMs ?? 0),
    '-max_socket', '60000',
    '-buff_size', String(4 * 1024 * 1024),
    '-nostdin', // and in the foreground (no -bg), so that we own the process and stop it by its pid
  ];
  const [cmd, full] = pinned(o.cores, 'sipp', args);
  const child = track(cmd, full, { cwd: o.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  await sleep(500);
  if (child.exitCode !== null) throw new Error(`sipp UAS exited at once (${child.exitCode}): sipp ${args.join(' ')}`);
  return {
    port,
    pid: child.pid!,
    async stop() {
      await stop(child, 5000);
    },
  };
}

/** The captures the bench's callers play: its IVR's keys, plus the shifted second "2". */
export function preparePcaps(dir: string): Promise<void> {
  return prepareStockPcaps(dir, ['1', '2', '3', '4', '5', 'pound']);
}
