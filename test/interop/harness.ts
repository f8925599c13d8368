/**
 * Interop harness: runs the built `hookline serve` as a subprocess and SIPp (a SIP implementation that is not
 * ours) against it on 127.0.0.1. Everything a run writes (flows file, data dir, SIPp logs, generated media)
 * goes to a fresh temp dir; the scenario XML files beside this file are copied there, so that SIPp's relative
 * media file names and its log files stay out of the repository.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFile, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dtmfTones } from '../../src/media/dtmf-tones.js';
import { encodeUlaw } from '../../src/media/g711.js';
import { ROOT, tempDir } from '../helpers.js';
import { freeMediaPort, freePort } from '../../src/testkit/ports.js';
import { CI } from '../../src/testkit/system-tools.js';
export { errorLogs, metric } from '../../src/testkit/server-output.js';

export { freeMediaPort, freePort };

export const SCENARIOS = path.join(import.meta.dirname, 'scenarios');
/** The RFC 4733 captures shipped with Debian's sip-tester (SIPp) package. */
export { STOCK_PCAPS } from '../../src/testkit/pcap.js';
/** The telephone-event payload type inside those captures (checked with tshark: every packet is PT 101). */
export const STOCK_PCAP_EVENT_PT = 101;

export const HAS_SIPP = spawnSync('sipp', ['-v']).error === undefined;
export { CI };
/** Run the interop suites when SIPp is here, and always under CI, where a missing SIPp must fail, not skip. */
export const RUN_INTEROP = HAS_SIPP || CI;
if (!RUN_INTEROP) {
  console.warn('[interop] SIPp is not installed (`sipp` not on PATH): the SIPp interop tests are skipped. Under CI (CI=1) they fail instead.');
}

/** SIPp's play_pcap_audio sends through a raw socket: root or CAP_NET_RAW on the sipp binary. */
export const PCAP_HINT = 'play_pcap_audio needs a raw socket: run as root, or `setcap cap_net_raw+ep "$(command -v sipp)"`';

/** Removes a run's temp dirs, unless the test failed: then they stay for a look (SIPp logs, server data). */
export async function removeUnlessFailed(state: string | undefined, dirs: string[]): Promise<void> {
  if (state === 'fail') {
    console.warn(`[interop] kept for inspection: ${dirs.join(' ')}`);
    return;
  }
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

// ---------------------------------------------------------------------------------------------------------
// Ports


/**
 * RTP ranges for the servers a test file starts: below the ephemeral range (32768+) so that SIPp's and the
 * test's own sockets never take them, one window per vitest worker so that files running in parallel don't
 * share ports, a new block per server within the window. (hookline skips ports held elsewhere anyway.)
 */
let rtpBlock = 0;
export function rtpRange(size = 200): { min: number; max: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 1);
  const window = 21000 + (((Number.isFinite(worker) ? worker : 1) - 1) % 10) * 1100;
  const min = window + (rtpBlock++ % 5) * 220;
  return { min, max: min + Math.min(size, 220) - 1 };
}

// ---------------------------------------------------------------------------------------------------------
// hookline serve

export interface HooklineProcess {
  pid: number;
  sipPort: number;
  httpBase: string;
  rtp: { min: number; max: number };
  dir: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  metrics(): Promise<string>;
  /** SIGTERM, then the exit status (null if it had to be killed after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts `hookline serve` on a port the OS picks (`--sip-port 0`: UDP and TCP must come up on the same one),
 * an HTTP port the OS picks, and an RTP range of its own, with `flowsYaml` as its flows file; resolves once it
 * prints "SIP on host:port".
 */
export async function startHookline(flowsYaml: string, o: { rtpSize?: number; logLevel?: string; args?: string[]; env?: Record<string, string>; dir?: string } = {}): Promise<HooklineProcess> {
  // A given dir is a restart: the data dir of the server that ran there before.
  const dir = o.dir ?? (await tempDir('hookline-interop-'));
  const flows = path.join(dir, 'flows.yaml');
  await writeFile(flows, flowsYaml);
  const rtp = rtpRange(o.rtpSize);
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', flows, '--data-dir', path.join(dir, 'data'), '--sip-port', '0', '--http-port', '0', '--rtp-ports', `${rtp.min}-${rtp.max}`, ...(o.args ?? [])],
    { cwd: ROOT, env: { ...process.env, HOOKLINE_LOG_LEVEL: o.logLevel ?? 'warn', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<{ sipPort: number; httpBase: string }>((resolve, reject) => {
    const fail = (why: string): void => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`hookline serve ${why}:\n${out}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail('did not print "SIP on ..." within 15 s');
    }, 15_000);
    const poll = setInterval(() => {
      const sip = /SIP on [0-9.]+:(\d+) /.exec(out);
      const http = /HTTP on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (sip && http) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ sipPort: Number(sip[1]), httpBase: http[1] as string });
      }
    }, 20);
    void exited.then((code) => fail(`exited with ${code} before it was ready`));
  });
  return {
    pid: child.pid!,
    ...ready,
    rtp,
    dir,
    output: () => out,
    metrics: async () => (await fetch(`${ready.httpBase}/metrics`)).text(),
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Polls `fn` until it returns true, or throws after `timeoutMs` with `what` and the last value seen. */
export async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------------
// /proc: sockets, CPU, memory

/** Local ports of the UDP sockets the process has open (from /proc/<pid>/fd and /proc/net/udp{,6}). */
export async function udpPortsOf(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      if (cols.length > 9 && inodes.has(cols[9] as string)) ports.push(parseInt((cols[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** User + system CPU time of the process so far, in milliseconds (/proc/<pid>/stat fields 14 and 15). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/**
 * Waits until the process is idle (under `maxMs` of CPU per 500 ms, e.g. once the background prompt-cache
 * warm-up is done), so that a CPU measurement after it counts only what the test makes the process do.
 */
export async function waitIdle(pid: number, o: { maxMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const end = Date.now() + (o.timeoutMs ?? 20_000);
  let last = await cpuMsOf(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await cpuMsOf(pid);
    if (now - last <= (o.maxMs ?? 20) || Date.now() > end) return now;
    last = now;
  }
}

/** Peak resident set size (VmHWM) and current RSS (VmRSS) in MiB. */
export async function memoryOf(pid: number): Promise<{ peakRssMiB: number; rssMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

// ---------------------------------------------------------------------------------------------------------
// Media files for SIPp

export { preparePcaps, shiftRtp } from '../../src/testkit/pcap.js';

/**
 * In-band DTMF for SIPp's `rtp_stream`: 8 kHz G.711 µ-law with no header. SIPp 3.6's rtp_stream sends the
 * file's bytes as they are, 160 a packet for PT 0 (a WAV header would go out as the first 44+ bytes of
 * "audio"; checked on the wire with tshark), so the file is raw µ-law.
 */
export async function writeInbandDtmf(file: string, groups: Array<{ keys: string; leadMs: number }>): Promise<void> {
  const parts = groups.map((g) => dtmfTones(g.keys, { leadMs: g.leadMs, toneMs: 100, pauseMs: 100, levelDbm0: -10, twistDb: 2 }));
  const tail = new Int16Array(8000); // 1 s of silence so the last key ends cleanly before the stream stops
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0) + tail.length);
  let o = 0;
  for (const p of parts) {
    pcm.set(p, o);
    o += p.length;
  }
  await writeFile(file, encodeUlaw(pcm));
}

// ---------------------------------------------------------------------------------------------------------
// SIPp

/** Sends one INVITE from a socket of our own and resolves with the first final response's text. */
export async function invite(sipPort: number, number: string, caller: string): Promise<string> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const me = sock.address().port;
  const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const msg =
    `INVITE sip:${number}@127.0.0.1:${sipPort} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-drain-${me}\r\n` +
    `From: <sip:${caller}@127.0.0.1:${me}>;tag=drain-${me}\r\n` +
    `To: <sip:${number}@127.0.0.1>\r\nCall-ID: drain-${me}@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n` +
    `Contact: <sip:${caller}@127.0.0.1:${me}>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
  try {
    return await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no final response to the INVITE within 3 s')), 3000);
      sock.on('message', (m) => {
        const text = m.toString('latin1');
        if (/^SIP\/2\.0 [2-6]\d\d /.test(text)) {
          clearTimeout(t);
          resolve(text);
        }
      });
      sock.send(Buffer.from(msg), sipPort, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}


export interface SippRun {
  code: number | null;
  ms: number;
  /** SIPp's last screen (counters) and error log, for failure messages. */
  report: string;
  successful: number;
  failed: number;
}

export interface SippOptions {
  /** Scenario file name in test/interop/scenarios. */
  scenario: string;
  /** Working dir (a temp dir with the media files). */
  dir: string;
  target: { host: string; port: number };
  transport: 'u1' | 't1';
  service: string;
  /** Caller ids, one per call (the injection file's field0; SIPp takes them in order). */
  callers: string[];
  calls?: number;
  /** Concurrent call limit (-l) and rate in calls per second (-r). */
  limit?: number;
  /** SIPp's media port (-mp); a free one when absent. */
  mediaPort?: number;
  rate?: number;
  timeoutS: number;
  /** More SIPp arguments (-trace_rtt, say). */
  extraArgs?: string[];
}

export async function runSipp(o: SippOptions): Promise<SippRun> {
  await copyFile(path.join(SCENARIOS, o.scenario), path.join(o.dir, o.scenario));
  await writeFile(path.join(o.dir, 'callers.csv'), `SEQUENTIAL\n${o.callers.map((c) => `${c};`).join('\n')}\n`);
  const calls = o.calls ?? 1;
  const args = [
    `${o.target.host}:${o.target.port}`,
    '-sf', o.scenario,
    '-s', o.service,
    '-inf', 'callers.csv',
    '-m', String(calls),
    '-l', String(o.limit ?? calls),
    '-r', String(o.rate ?? calls),
    '-t', o.transport,
    '-i', '127.0.0.1',
    '-mi', '127.0.0.1',
    '-p', String(await freePort({ tcp: true })),
    '-mp', String(o.mediaPort ?? (await freeMediaPort())),
    '-cp', String(await freePort()),
    '-nostdin',
    '-timeout', `${o.timeoutS}s`,
    '-timeout_error',
    '-trace_err', '-error_file', 'sipp-errors.log',
    '-trace_screen', '-screen_file', 'sipp-screen.log',
    ...(o.extraArgs ?? []),
  ];
  const start = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('sipp', args, { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), (o.timeoutS + 15) * 1000);
    child.on('error', (err) => {
      clearTimeout(kill);
      void writeFile(path.join(o.dir, 'sipp-spawn.log'), String(err)).then(() => resolve(null));
    });
    child.on('close', (c) => {
      clearTimeout(kill);
      void writeFile(path.join(o.dir, 'sipp-stderr.log'), stderr).then(() => resolve(c));
    });
  });
  const ms = Date.now() - start;
  const read = (f: string): Promise<string> => readFile(path.join(o.dir, f), 'utf8').catch(() => '');
  const screen = await read('sipp-screen.log');
  const counter = (name: string): number => {
    // "Successful call   |        0                  |        50" -- the last column is the cumulative count.
    const lines = screen.split('\n').filter((l) => l.trimStart().startsWith(name));
    const cols = lines.at(-1)?.split('|') ?? [];
    return Number(cols.at(-1)?.trim() ?? NaN);
  };
  const errors = await read('sipp-errors.log');
  const report = [
    `sipp ${args.join(' ')}  (cwd ${o.dir})`,
    `exit status ${code}`,
    (await read('sipp-spawn.log')) || '',
    (await read('sipp-stderr.log')).slice(-2000),
    screen.slice(-3000),
    errors ? `errors:\n${errors.slice(-4000)}` : '',
    /raw socket|need to run as root/i.test(errors + screen) ? PCAP_HINT : '',
  ].filter(Boolean).join('\n');
  return { code, ms, report, successful: counter('Successful call'), failed: counter('Failed call') };
}
