import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, tempDir } from './helpers.js';

describe('hookline serve', () => {
  it('answers /healthz and /metrics, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', 'examples/demo-flows.yaml', '--data-dir', dir, '--http-port', '0', '--sip-port', '0', '--rtp-ports', '41000-41099', '--demo'], {
      cwd: ROOT,
      env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const base = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
      const poll = setInterval(() => {
        const m = /HTTP on (http:\/\/[0-9.]+:[0-9]+)/.exec(out);
        if (m) {
          clearInterval(poll);
          clearTimeout(t);
          resolve(m[1] as string);
        }
      }, 20);
    });
    try {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('# TYPE hookline_calls_total counter');
      expect(metrics).toContain('# TYPE hookline_webhook_latency_seconds histogram');
      const demo = await fetch(`${base}/demo/hook?step=lookup`, { method: 'POST', body: new URLSearchParams({ account: '12345' }) });
      expect(await demo.text()).toContain('<p_t>account|12345</p_t>');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
