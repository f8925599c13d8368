/**
 * `npm start` as a new user runs it, stopped the ways people stop it: SIGTERM or SIGINT to the npm
 * process (`kill <pid>`, a process manager), or npm killed outright. Each time the server must stop and
 * free its ports within a few seconds, not run on orphaned (npm passes signals to its child only; see
 * Settings.exitWithParent). Needs `npm run build` first, as `npm start` does.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/testkit/ports.js';
import { ROOT, tempDir } from './helpers.js';

const tcpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

const udpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** Running: /proc has it and it is not a zombie waiting for a parent that will not reap it. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function waitUntil(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('stops the server and frees its ports when npm gets %s', async (signal) => {
    const dir = await tempDir();
    const [sip, http] = [await freePort({ tcp: true }), await freePort({ tcp: true })];
    const rtp = 43000 + 200 * ['SIGTERM', 'SIGINT', 'SIGKILL'].indexOf(signal);
    const npm = spawn('npm', ['start', '--', '--data-dir', dir, '--sip-port', String(sip), '--http-port', String(http), '--rtp-ports', `${rtp}-${rtp + 99}`], {
      cwd: ROOT,
      env: { ...process.env, HOOKLINE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let server: number | undefined;
    try {
      await waitUntil('the server is up', async () => out.includes(`HTTP on http://127.0.0.1:${http}`), 20_000);
      // The server is npm's child (the script execs it) or the shell's: whichever, find it by its port.
      const children = async (pid: number): Promise<number[]> =>
        (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
      for (const c of await children(npm.pid!)) {
        const argv = (await readFile(`/proc/${c}/cmdline`, 'utf8').catch(() => '')).split('\0');
        server = argv.includes('bin/hookline.js') ? c : (await children(c))[0]; // else `sh -c "node bin/hookline.js ..."`
      }
      expect(server, out).toBeGreaterThan(0);
      expect(await tcpFree(http)).toBe(false);

      npm.kill(signal);
      await waitUntil(`ports ${sip} and ${http} free\n${out}`, async () => (await tcpFree(http)) && (await tcpFree(sip)) && (await udpFree(sip)), 5_000);
      await waitUntil(`server ${server} gone\n${out}`, () => running(server!).then((r) => !r), 5_000);
      expect(out).toMatch(signal === 'SIGKILL' ? /"why":"parent process \d+ exited"/ : new RegExp(`"why":"${signal}"`));
    } finally {
      if (server !== undefined && (await running(server))) process.kill(server, 'SIGKILL');
      npm.kill('SIGKILL');
    }
  }, 40_000);
});
