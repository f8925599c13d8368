import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { freePort } from '../src/testkit/ports.js';
import { runCli, startServe, tempDir, type CliRun } from './helpers.js';
import { VERSION } from '../src/version.js';

describe('hookline serve', () => {
  it('answers /healthz and /metrics, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const server = await startServe(['--flows', 'examples/demo-flows.yaml', '--data-dir', dir, '--http-port', '0', '--sip-port', '0', '--rtp-ports', '41000-41099', '--demo']);
    const { base } = server;
    let stopped: Promise<number | null>;
    try {
      // The banner says what is served, each kind of building block under its own name.
      expect(server.output().split('\n').find((l) => l.startsWith('hookline '))).toBe(`hookline ${VERSION}: 5 numbers, 4 IVRs, 1 Find Me, 1 Virtual Receptionist, 1 voicemail box and 2 post-call actions from examples/demo-flows.yaml`);
      const sipPort = /SIP on 127\.0\.0\.1:(\d+) /.exec(server.output())?.[1];
      expect(server.output()).toContain(`Call it: baresip -f examples/baresip/sound -e "/dial sip:8005550100@127.0.0.1:${sipPort}" and type keys`);
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('# TYPE hookline_calls_total counter');
      expect(metrics).toContain('# TYPE hookline_webhook_latency_seconds histogram');
      // The process's own: memory and event-loop lag, under the names dashboards know.
      expect(metrics).toMatch(/^process_resident_memory_bytes [1-9][0-9]*$/m);
      expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds [0-9.e-]+$/m);
      expect(metrics).toContain('hookline_sip_limit{limit="max_calls"} 0');
      // The SIP socket's receive queue: its size (asked 4 MiB; what the kernel grants depends on rmem_max) and drops.
      expect(metrics).toMatch(/^hookline_sip_udp_receive_buffer_bytes [1-9][0-9]*$/m);
      expect(metrics).toMatch(/^hookline_media_lateness_seconds_bucket\{le="0.04"\} [0-9]+$/m);
      if (process.platform === 'linux') expect(metrics).toMatch(/^hookline_sip_udp_receive_drops_total\{socket="127\.0\.0\.1:[0-9]+"\} 0$/m);
      const demo = await fetch(`${base}/demo/hook?step=lookup`, { method: 'POST', body: new URLSearchParams({ account: '12345' }) });
      expect(await demo.text()).toContain('<p_t>account|12345</p_t>');
      // --demo without HOOKLINE_ADMIN_PASSWORD: a password for this run, printed, that logs in to the console.
      const password = /Console: http:\/\/[0-9.:]+\/ \(user admin, password (\S+) for this run/.exec(server.output())?.[1];
      expect(password, server.output()).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const login = await fetch(`${base}/console/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
      expect(login.status).toBe(200);
      expect(login.headers.get('set-cookie')).toMatch(/hookline_session=.*HttpOnly/i);
    } finally {
      stopped = server.stop();
    }
    expect(await stopped).toBe(0);
  });
});

describe('hookline serve start-up errors: one line naming the setting, exit status 2', () => {
  const held: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const release of held.splice(0)) await release();
  });

  async function holdUdp(port: number): Promise<void> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    held.push(() => new Promise((r) => s.close(() => r())));
  }
  async function holdTcp(port: number): Promise<void> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    held.push(() => new Promise((r) => srv.close(() => r())));
  }

  async function serve(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const dir = await tempDir();
    // Log level error: the warnings of a normal start (no API key) are not what these tests read.
    // Free ports unless the test sets them: a flag given twice counts once, the last; a flag beats a variable.
    const defaults = Object.entries({ '--sip-port': 'HOOKLINE_SIP_PORT', '--http-port': 'HOOKLINE_HTTP_PORT' }).flatMap(([flag, name]) => (name in env ? [] : [flag, '0']));
    return runCli(['serve', '--flows', 'examples/demo-flows.yaml', '--data-dir', dir, ...defaults, '--rtp-ports', '44000-44099', ...args], { HOOKLINE_LOG_LEVEL: 'error', ...env });
  }

  function expectOneLine(r: CliRun, line: string): void {
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.status).toBe(2);
  }

  it('a Postgres database that cannot be reached (host, port and database named, never the password)', async () => {
    const port = await freePort({ tcp: true });
    expectOneLine(
      await serve([], { HOOKLINE_DATABASE_URL: `postgres://hookline:s3cret@127.0.0.1:${port}/ivr` }),
      `hookline: cannot connect to Postgres at 127.0.0.1:${port}/ivr: connect ECONNREFUSED 127.0.0.1:${port} (set --database-url or HOOKLINE_DATABASE_URL)`,
    );
  });

  it('SIP port in use for UDP', async () => {
    const port = await freePort({ tcp: true });
    await holdUdp(port);
    expectOneLine(await serve(['--sip-port', String(port)]), `hookline: SIP port ${port} (UDP) on 127.0.0.1 is already in use (set --sip-port or HOOKLINE_SIP_PORT)`);
  });

  it('SIP port in use for TCP only', async () => {
    const port = await freePort({ tcp: true });
    await holdTcp(port);
    expectOneLine(await serve(['--sip-port', String(port)]), `hookline: SIP port ${port} (TCP) on 127.0.0.1 is already in use (set --sip-port or HOOKLINE_SIP_PORT)`);
  });

  it('HTTP port in use', async () => {
    const port = await freePort({ tcp: true });
    await holdTcp(port);
    expectOneLine(await serve([], { HOOKLINE_HTTP_PORT: String(port) }), `hookline: HTTP port ${port} on 127.0.0.1 is already in use (set --http-port or HOOKLINE_HTTP_PORT)`);
  });

  it('every RTP port of the range in use', async () => {
    const base = 44200 + 4 * Math.floor(Math.random() * 50);
    await holdUdp(base);
    await holdUdp(base + 2); // each pair's RTP port taken: no pair can bind
    expectOneLine(
      await serve(['--rtp-ports', `${base}-${base + 3}`]),
      `hookline: every RTP port in ${base}-${base + 3} on 127.0.0.1 is already in use (set --rtp-ports or HOOKLINE_RTP_PORTS)`,
    );
  });

  it('the local transcription engine without PocketSphinx installed', async () => {
    // No PATH: pocketsphinx_continuous cannot be found, whatever this machine has.
    expectOneLine(
      await serve([], { HOOKLINE_TRANSCRIBE_ENGINE: 'local', PATH: '/nonexistent' }),
      'hookline: cannot use the local transcription engine: pocketsphinx_continuous not found: install it (Debian/Ubuntu: apt-get install pocketsphinx pocketsphinx-en-us) or use the http engine (set HOOKLINE_TRANSCRIBE_ENGINE)',
    );
  });

  it('a data dir that cannot be used', async () => {
    const file = path.join(await tempDir(), 'not-a-dir');
    await writeFile(file, '');
    const r = await runCli(['serve', '--flows', 'examples/demo-flows.yaml', '--data-dir', path.join(file, 'data'), '--sip-port', '0', '--http-port', '0'], { HOOKLINE_LOG_LEVEL: 'error' });
    expectOneLine(r, `hookline: cannot use the data dir ${path.join(file, 'data')}: a file is in the way where a directory should be (set --data-dir or HOOKLINE_DATA_DIR)`);
  });

  it.each([
    [['--http-port', '99999'], {}, 'hookline: --http-port: expected a port number 0-65535, got "99999"'],
    [[], { HOOKLINE_SIP_PORT: 'five' }, 'hookline: HOOKLINE_SIP_PORT: expected a port number 0-65535, got "five"'],
    [[], { HOOKLINE_TRANSCRIBE_ENGINE: 'http' }, 'hookline: HOOKLINE_TRANSCRIBE_URL: the http transcription engine needs the service URL'],
  ])('a bad setting: %j %j', async (args, env, line) => {
    expectOneLine(await serve(args, env), line);
  });
});
