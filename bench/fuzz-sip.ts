/**
 * `npm run fuzz:sip [-- options]`: fuzzes hookline's SIP receive path and prints what it found.
 *
 *   --mode parser   in process: --count messages (default 1,000,000) through the parser, the TCP framer and
 *                   the answer path (test/sip/fuzz-parser.ts); prints messages/s, crashes, hangs.
 *   --mode net      against a running `hookline serve`: --net-count messages (default 100,000), half over
 *                   UDP and half over TCP, at most --rate a second and --budget-s in all; a probe OPTIONS
 *                   every second (no 200 within 2 s = a hang), the process watched (an exit = a crash), and
 *                   the server's RSS before (after a warm-up) and after (once its calls and transactions
 *                   have ended). Runs inside a network namespace of its own (unshare -n, loopback only):
 *                   mutated Via and Contact headers name any address, and the server answers and sends BYE
 *                   to them, so only a namespace guarantees that nothing leaves the machine.
 *   --mode both     (default) one, then the other.
 *   --quick         50,000 messages in process and 5,000 over the network in at most a minute: the size
 *                   `npm run test:hostile` runs (explicit counts win).
 *
 * Needs `npm run build` (the net mode runs the built server) and root for unshare. Exits 1 on any crash or
 * hang. The findings (base64 messages, to replay) go to bench/results/fuzz-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzParser, grammarPool, loadCorpus, type FuzzReport } from '../test/sip/fuzz-parser.js';
import { mutate, prng } from '../test/sip/sip-grammar.js';
import { memoryOf, sleep } from './lib/proc.js';
import { ROOT, errorLogs, metric, startServer, type Server } from './lib/server.js';

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    count: { type: 'string' },
    'net-count': { type: 'string' },
    seed: { type: 'string', default: '5118' },
    rate: { type: 'string', default: '1500' },
    'budget-s': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
opt.count ??= opt.quick ? '50000' : '1000000';
opt['net-count'] ??= opt.quick ? '5000' : '100000';
opt['budget-s'] ??= opt.quick ? '60' : '420';
const seed = Number(opt.seed);
const out = (line: string): void => console.log(line);

async function main(): Promise<number> {
  const results: Record<string, unknown> = { seed };
  let bad = 0;
  if (opt.mode === 'parser' || opt.mode === 'both') {
    const r = parserRun(Number(opt.count));
    results.parser = r;
    bad += r.crashes + r.hangs;
  }
  if (opt.mode === 'net' || opt.mode === 'both') {
    const r = await netRunIsolated();
    results.net = r;
    bad += r.crashes + r.hangs;
  }
  if (process.env['FUZZ_NETNS'] === '1') return bad ? 1 : 0; // the outer run writes the results
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `fuzz-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(results, null, 2));
  out(`results: ${path.relative(ROOT, file)}`);
  return bad ? 1 : 0;
}

function parserRun(count: number): FuzzReport {
  out(`parser: ${count.toLocaleString('en')} messages, seed ${seed}`);
  const r = fuzzParser({
    count,
    seed,
    corpus: loadCorpus(),
    onProgress: (p) => out(`  ${p.messages.toLocaleString('en')} messages, ${rate(p)} msg/s, ${p.crashes} crashes, ${p.hangs} hangs, slowest ${p.maxMs.toFixed(1)} ms`),
  });
  out(`parser: ${r.messages.toLocaleString('en')} messages in ${(r.ms / 1000).toFixed(1)} s = ${rate(r)} msg/s; accepted ${r.accepted}, refused ${r.refused} (${r.answered} answered 400/505); crashes ${r.crashes}, hangs ${r.hangs}; slowest message ${r.maxMs.toFixed(1)} ms`);
  for (const f of r.findings.slice(0, 5)) out(`  ${f.kind}: ${f.what}\n    ${f.input.slice(0, 200)}`);
  return r;
}

const rate = (r: FuzzReport): string => Math.round(r.messages / (r.ms / 1000)).toLocaleString('en');

// ---------------------------------------------------------------------------------------------------------
// Over the network

interface NetReport {
  messages: { udp: number; tcp: number };
  seconds: number;
  crashes: number;
  hangs: number;
  probes: number;
  slowestProbeMs: number;
  rssMiB: { start: number; peak: number; end: number };
  errorLogLines: number;
  callsAccepted: number | undefined;
}

/** Re-runs this script in a network namespace with only loopback, unless it already is in one. */
async function netRunIsolated(): Promise<NetReport> {
  if (process.env['FUZZ_NETNS'] === '1') return netRun();
  const args = ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', path.join(ROOT, 'bench/fuzz-sip.ts'), '--mode', 'net', '--net-count', String(opt['net-count']), '--seed', String(seed), '--rate', String(opt.rate), '--budget-s', String(opt['budget-s'])];
  out('net: in a network namespace of its own (unshare -n)');
  const r = spawnSync('unshare', args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FUZZ_NETNS: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status === null) throw new Error(`unshare failed (root is needed): ${r.error?.message ?? r.signal}`);
  process.stdout.write(r.stdout.split('\n').filter((l) => !l.startsWith('{"net":')).join('\n'));
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"net":'));
  if (!line) throw new Error('the namespaced run printed no result');
  return (JSON.parse(line) as { net: NetReport }).net;
}

const FLOWS = `
timezone: UTC
numbers:
  "8005550100": ivr/10
ivrs:
  - id: 10
    name: Fuzz target
    questions:
      - type: say
        prompt: "Hello."
`;

async function netRun(): Promise<NetReport> {
  const count = Number(opt['net-count']);
  const perSecond = Number(opt.rate);
  const deadline = Date.now() + Number(opt['budget-s']) * 1000;
  const server = await startServer(FLOWS, { rtp: { min: 20000, max: 20059 }, cores: null, logLevel: 'warn' });
  const alive = (): boolean => {
    try {
      process.kill(server.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const corpus = loadCorpus();
  const rnd = prng(seed);
  let pool = grammarPool(1000, seed);
  const next = (i: number): Buffer => {
    if (i % 20_000 === 0) pool = grammarPool(1000, seed + i);
    const src = rnd() < 0.5 ? (pool[Math.floor(rnd() * pool.length)] as Buffer) : (corpus[Math.floor(rnd() * corpus.length)] as Buffer);
    return rnd() < 0.1 ? src : mutate(src, rnd);
  };
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  udp.on('error', () => undefined);
  const probe = startProbe(server);

  const sendBatch = async (from: number, n: number): Promise<{ udp: number; tcp: number }> => {
    const sent = { udp: 0, tcp: 0 };
    const started = Date.now();
    for (let i = from; i < from + n && Date.now() < deadline; i += 50) {
      const batch = Array.from({ length: Math.min(50, from + n - i) }, (_, k) => next(i + k));
      if ((i / 50) % 2 === 0) {
        for (const b of batch) udp.send(b, server.sipPort, '127.0.0.1');
        sent.udp += batch.length;
      } else {
        await tcpBurst(server.sipPort, batch);
        sent.tcp += batch.length;
      }
      // Pace: at most `perSecond` messages a second.
      const ahead = ((i - from + 50) / perSecond) * 1000 - (Date.now() - started);
      if (ahead > 0) await sleep(ahead);
      if (!alive()) break;
    }
    return sent;
  };

  out(`net: warm-up (2,000 messages), then ${count.toLocaleString('en')} to 127.0.0.1:${server.sipPort} at up to ${perSecond}/s`);
  await sendBatch(0, 2000);
  await settle(server);
  const start = (await memoryOf(server.pid)).rssMiB;
  const heapStart = lastMarkCompact(server.output());
  const t0 = Date.now();
  const sent = await sendBatch(2000, count);
  const seconds = (Date.now() - t0) / 1000;
  const peak = (await memoryOf(server.pid).catch(() => ({ peakRssMiB: NaN }))).peakRssMiB;
  const crashed = !alive();
  if (!crashed) await settle(server);
  const end = crashed ? NaN : (await memoryOf(server.pid)).rssMiB;
  // With BENCH_SERVER_NODE_FLAGS=--trace-gc the server logs each GC: the live heap after the last full one.
  const heapEnd = lastMarkCompact(server.output());
  if (heapStart || heapEnd) out(`net: heap after the last full GC: ${heapStart ?? '?'} before, ${heapEnd ?? '?'} after`);
  const probes = probe.stop();
  const metrics = crashed ? '' : await server.metrics();
  const output = server.output();
  udp.close();
  await server.stop();
  const report: NetReport = {
    messages: sent,
    seconds,
    crashes: crashed ? 1 : 0,
    hangs: probes.missed,
    probes: probes.sent,
    slowestProbeMs: probes.slowestMs,
    rssMiB: { start: round(start), peak: round(peak), end: round(end) },
    errorLogLines: errorLogs(output).length,
    callsAccepted: metric(metrics, 'hookline_calls_total', 'direction="inbound"'),
  };
  out(`net: ${sent.udp.toLocaleString('en')} UDP + ${sent.tcp.toLocaleString('en')} TCP messages in ${seconds.toFixed(0)} s (${Math.round((sent.udp + sent.tcp) / seconds)} msg/s); ${report.callsAccepted ?? '?'} calls set up; crashes ${report.crashes}, hangs ${report.hangs} of ${report.probes} probes (slowest answer ${report.slowestProbeMs} ms); RSS ${report.rssMiB.start} MiB before, ${report.rssMiB.peak} peak, ${report.rssMiB.end} after; ${report.errorLogLines} error log lines`);
  for (const l of errorLogs(output).slice(0, 5)) out(`  ${l.slice(0, 400)}`);
  if (crashed) out(output.slice(-4000));
  console.log(JSON.stringify({ net: report }));
  return report;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** "45.2 (60.1) -> 30.1 (58.2) MB" of the last Mark-Compact line --trace-gc printed, if any. */
function lastMarkCompact(output: string): string | undefined {
  // Each isolate (the main thread, the media worker) prints its own lines: keep the busiest, the main one.
  const all = [...output.matchAll(/\[\d+:(0x[0-9a-f]+)\][^\n]*Mark-Compact[^\n]*?([\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB)/g)];
  const counts = new Map<string, number>();
  for (const m of all) counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  return all.filter((m) => m[1] === main).at(-1)?.[2];
}

/** Opens a connection, writes the messages, and closes it after a short wait for the answers. */
function tcpBurst(port: number, batch: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (): void => {
      s.destroy();
      resolve();
    };
    s.on('error', done);
    s.on('data', () => undefined);
    s.once('connect', () => {
      for (const b of batch) s.write(b);
      setTimeout(done, 20);
    });
  });
}

/** Waits for every call to end and the transactions they left (Timer J, L, the 2xx retransmitter: 64*T1). */
async function settle(server: Server): Promise<void> {
  const end = Date.now() + 120_000;
  while (Date.now() < end && metric(await server.metrics(), 'hookline_calls_active') !== 0) await sleep(500);
  await sleep(40_000);
}

/**
 * An OPTIONS every second over its own socket, retransmitted like a UAC would (500 ms, 1 s, 2 s), so that
 * a datagram lost in a full socket buffer is no hang; one not answered 200 within 5 s is a hang (the
 * server stopped serving). The slowest answer is reported too.
 */
function startProbe(server: Server): { stop(): { sent: number; missed: number; slowestMs: number } } {
  const sock = createSocket('udp4');
  const waiting = new Map<string, { at: number; timers: NodeJS.Timeout[] }>();
  let sent = 0;
  let missed = 0;
  let slowestMs = 0;
  sock.on('message', (m) => {
    const text = m.toString('latin1');
    const id = /^Call-ID: *(\S+)/im.exec(text)?.[1];
    const w = id === undefined ? undefined : waiting.get(id);
    if (id && w && text.startsWith('SIP/2.0 200')) {
      slowestMs = Math.max(slowestMs, Date.now() - w.at);
      for (const t of w.timers) clearTimeout(t);
      waiting.delete(id);
    }
  });
  sock.bind(0, '127.0.0.1');
  const timer = setInterval(() => {
    const { port } = sock.address();
    const id = `probe-${sent}`;
    sent++;
    const msg = `OPTIONS sip:probe@127.0.0.1:${server.sipPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${id}\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    const send = (): void => sock.send(msg, server.sipPort, '127.0.0.1');
    const timers = [500, 1500, 3500].map((ms) => setTimeout(send, ms));
    timers.push(setTimeout(() => {
      waiting.delete(id);
      missed++;
    }, 5000));
    waiting.set(id, { at: Date.now(), timers });
    send();
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      for (const w of waiting.values()) for (const t of w.timers) clearTimeout(t);
      sock.close();
      return { sent, missed, slowestMs };
    },
  };
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
