/**
 * `hookline serve` as a subprocess on 127.0.0.1 (after test/interop/harness.ts): the built CLI, a flows
 * file and data dir of its own in a temp dir, SIP and HTTP on ports the OS picks, the RTP range given.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pinned, sleep, stop as stopChild, track, waitIdle, exited } from './proc.js';
export { errorLogs, metric } from '../../src/testkit/server-output.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Server {
  pid: number;
  sipPort: number;
  httpBase: string;
  dir: string;
  output(): string;
  metrics(): Promise<string>;
  stop(): Promise<number | null>;
}

export async function startServer(flowsYaml: string, o: { rtp: { min: number; max: number }; cores: string | null; logLevel?: string }): Promise<Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hookline-bench-'));
  const flows = path.join(dir, 'flows.yaml');
  await writeFile(flows, flowsYaml);
  // BENCH_SERVER_NODE_FLAGS: node flags for the server when looking into a result (e.g. --trace-gc; see --keep).
  const nodeFlags = (process.env['BENCH_SERVER_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const [cmd, args] = pinned(o.cores, process.execPath, [
    ...nodeFlags,
    path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', flows, '--data-dir', path.join(dir, 'data'),
    '--sip-port', '0', '--http-port', '0', '--rtp-ports', `${o.rtp.min}-${o.rtp.max}`,
  ]);
  // No HOOKLINE_* setting of the caller's shell (a trunk, another bind address) may leak into the run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HOOKLINE_')));
  Object.assign(env, { HOOKLINE_SIP_HOST: '127.0.0.1', HOOKLINE_WEBHOOK_NETWORKS: 'all', HOOKLINE_LOG_LEVEL: o.logLevel ?? 'warn' });
  // Every benchmark load (SIPp, the fuzzer) comes from one address, 127.0.0.1: the per-source budgets
  // would measure themselves instead of the server. test/interop/flood.test.ts measures them.
  Object.assign(env, { HOOKLINE_SIP_MESSAGE_RATE: '0', HOOKLINE_SIP_CALL_RATE: '0' });
  // BENCH_SERVER_ENV: settings for the server under test, space-separated, e.g. "HOOKLINE_MEDIA_PRIORITY=audio".
  for (const kv of (process.env['BENCH_SERVER_ENV'] ?? '').split(' ').filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const child = track(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const end = Date.now() + 20_000;
  let sip: RegExpExecArray | null = null;
  let http: RegExpExecArray | null = null;
  while (!(sip && http)) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`hookline serve did not start:\n${out}`);
    }
    await sleep(20);
    sip = /SIP on 127\.0\.0\.1:(\d+) /.exec(out);
    http = /HTTP on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
  }
  const httpBase = http[1] as string;
  // Startup work (the prompt-cache warm-up) runs after "SIP on": let it finish before measuring.
  await waitIdle(child.pid!);
  return {
    pid: child.pid!,
    sipPort: Number(sip[1]),
    httpBase,
    dir,
    output: () => out,
    metrics: async () => (await fetch(`${httpBase}/metrics`)).text(),
    async stop() {
      const code = await stopChild(child, 15_000);
      await exited(child);
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

