/**
 * Kamailio in front of hookline nodes for the interop tests (cluster.test.ts, full-node.test.ts): the
 * deployment's own kamailio.cfg, its dispatcher list written for the nodes under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { freePort, until, type HooklineProcess } from './harness.js';

export interface Kamailio {
  port: number;
  /** stderr lines with the time each arrived. */
  lines: Array<{ at: number; text: string }>;
  stop(): Promise<void>;
}

/** Whether a SIP server on 127.0.0.1:`port` answers OPTIONS with 200 within half a second. */
export async function sipOptions(port: number): Promise<boolean> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const local = sock.address().port;
  const msg = [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-probe${Date.now()}`,
    'From: <sip:test@127.0.0.1>;tag=1', `To: <sip:127.0.0.1:${port}>`, `Call-ID: probe-${Date.now()}@test`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 5', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const answered = new Promise<boolean>((resolve) => {
    sock.once('message', (m) => resolve(m.toString().startsWith('SIP/2.0 200')));
    setTimeout(() => resolve(false), 500);
  });
  sock.send(msg, port, '127.0.0.1');
  const ok = await answered;
  sock.close();
  return ok;
}

/**
 * Kamailio with deploy/kamailio/kamailio.cfg in front of `nodes` (dispatcher set 1, probed with OPTIONS every
 * `probeIntervalS`), on a free UDP port of 127.0.0.1; resolves once it answers OPTIONS itself.
 */
export async function startKamailio(dir: string, nodes: HooklineProcess[], probeIntervalS: number): Promise<Kamailio> {
  const port = await freePort();
  const list = path.join(dir, 'dispatcher.list');
  await writeFile(list, nodes.map((n) => `1 sip:127.0.0.1:${n.sipPort}\n`).join(''));
  const args = [
    '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir,
    '-f', path.join(ROOT, 'deploy/kamailio/kamailio.cfg'),
    '-A', `LISTEN=udp:127.0.0.1:${port}`,
    '-A', `DISPATCHER_LIST="${list}"`,
    '-A', `PROBE_INTERVAL=${probeIntervalS}`,
  ];
  const child: ChildProcess = spawn('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: Kamailio['lines'] = [];
  child.stderr!.on('data', (d: Buffer) => {
    for (const text of d.toString().split('\n')) if (text.trim()) lines.push({ at: Date.now(), text });
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await until('Kamailio answers OPTIONS', () => sipOptions(port), 10_000).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\nkamailio ${args.join(' ')}\n${lines.map((l) => l.text).join('\n')}`);
  });
  return {
    port,
    lines,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
