/**
 * Media relay jitter through a bridge (issue 5): N bridged calls. A source process sends 20 ms frames
 * into each bridge's caller side; hookline relays them (bridgeParties, the real media path) out of the
 * callee side to a receiver process (bench/rtp-sink.ts) that measures arrival-interval deviation and
 * RFC 3550 jitter. The source's own pacing is measured the same way in a direct run (no bridge) so the
 * relay's contribution can be told apart. Prints one JSON line per run.
 *
 *   npx tsx bench/bridge-jitter.ts [--calls 1,50] [--seconds 5]
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { PortAllocator } from '../src/rtp/ports.js';
import { RtpSession } from '../src/rtp/session.js';
import { Pacer } from '../src/media/pacer.js';
import { MediaChannel } from '../src/calls/telephony/media-channel.js';
import { OutboundLeg } from '../src/calls/telephony/outbound-leg.js';
import { bridgeParties } from '../src/calls/telephony/bridge.js';
import type { PromptRenderer } from '../src/calls/telephony/renderer.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '1,50' }, seconds: { type: 'string', default: '5' } } });
const SINK_PORT = 39991;
const here = import.meta.dirname;
const noRenderer = { render: async () => new Uint8Array(0) } as unknown as PromptRenderer;

function child(script: string, args: string[]): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = fork(path.join(here, script), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => proc.once('message', () => r({ proc, out: () => out })));
}

async function stop(c: { proc: ChildProcess }): Promise<void> {
  const done = new Promise<void>((r) => c.proc.once('exit', () => r()));
  c.proc.kill('SIGTERM');
  await done;
}

async function run(n: number, bridged: boolean): Promise<Record<string, unknown>> {
  const sink = await child('rtp-sink.ts', [String(SINK_PORT)]);
  const allocator = new PortAllocator(34000, 35999);
  const pacer = new Pacer();
  const legs: OutboundLeg[] = [];
  const targets: number[] = [];
  if (bridged) {
    for (let i = 0; i < n; i++) {
      const a = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0 });
      const b = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: SINK_PORT } });
      const deps = { pacer, clock: systemClock, renderer: noRenderer, logger: silentLogger };
      const caller = new OutboundLeg(`c${i}`, 'caller', new MediaChannel(a, 'ulaw', deps), () => undefined);
      const callee = new OutboundLeg(`c${i}`, 'callee', new MediaChannel(b, 'ulaw', deps), () => undefined);
      legs.push(caller, callee);
      targets.push(a.localPort);
      void bridgeParties(caller, callee, { pacer, clock: systemClock, logger: silentLogger });
    }
  } else {
    targets.push(...Array.from({ length: n }, () => SINK_PORT));
  }
  const source = await child('rtp-source.ts', [targets.join(',')]);
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  const cpu = process.cpuUsage(cpu0);
  await stop(sink);
  await stop(source);
  await Promise.all(legs.map((l) => l.hangup()));
  pacer.close();
  return { bench: 'bridge-jitter', path: bridged ? 'source -> hookline bridge -> sink' : 'source -> sink (baseline)', calls: n, ...JSON.parse(sink.out().trim()), relay_cpu_ms_per_call_per_s: bridged ? +((cpu.user + cpu.system) / 1000 / n / Number(values.seconds)).toFixed(3) : 0 };
}

for (const n of values.calls.split(',').map(Number)) {
  console.log(JSON.stringify(await run(n, false)));
  console.log(JSON.stringify(await run(n, true)));
}
