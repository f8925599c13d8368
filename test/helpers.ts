import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'hookline.js');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built `hookline` command as a user would (it needs `npm run build` first, which `npm test` does). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn', ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr, ms: Date.now() - start }));
  });
}

export interface ServeProcess {
  /** `http://127.0.0.1:PORT`, as the banner's "HTTP on" line says. */
  base: string;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (unless it has exited already); resolves with its exit status. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built `hookline serve` with `args` and resolves once its banner names the HTTP address;
 * rejects with its output when it exits first or takes over 15 s. An `undefined` in `env` leaves that
 * variable out (HOOKLINE_ADMIN_PASSWORD: undefined, say).
 */
export async function startServe(args: string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // The banner comes a line per write, and a loaded machine may deliver it in several chunks: wait for its
  // last line (the softphone hint when the flows have numbers), or 200 ms of quiet after the address lines.
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hookline did not start: ${out}`)), 15_000);
    let quietSince = { at: Date.now(), length: -1 };
    const poll = setInterval(() => {
      const m = /HTTP on (http:\/\/[0-9.]+:[0-9]+)/.exec(out);
      if (out.length !== quietSince.length) quietSince = { at: Date.now(), length: out.length };
      const complete = /\(HOOKLINE_SIP_ALLOW\); others are refused\n/.test(out) && (/from any SIP softphone .*\n/.test(out) || Date.now() - quietSince.at >= 200);
      if ((m && complete) || child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(t);
        if (m) resolve(m[1] as string);
        else reject(new Error(`hookline exited: ${out}`));
      }
    }, 20);
  });
  return {
    base,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function tempDir(prefix = 'hookline-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function writeFlows(dir: string, yaml: string): Promise<string> {
  const file = path.join(dir, 'flows.yaml');
  await writeFile(file, yaml);
  return file;
}

/** `--json` output as events. */
export function events(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}
