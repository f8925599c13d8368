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
