/**
 * Which part of the server's CPU is the loopback test bed's rather than the server's own (`--perf`).
 *
 * On loopback a `sendto` does more than a real interface's would: the kernel delivers the packet to the
 * receiving socket in the sender's own system call (a real NIC's driver hands it to the wire and the far
 * machine pays the rest), copies it to every packet capture running (the bench's dumpcap), and clones it to
 * every raw socket open for UDP, which SIPp opens for each pcap it plays (the callers' keys). All of that is
 * charged to the server's threads, so it is in the bench's CPU per call.
 *
 * `perf record -g` samples the server's threads over the step; each sample's kernel stack says where it
 * was. The shares of the samples are the shares of the step's CPU (the sampling is by CPU time, per
 * thread), so `share × CPU per call` is each part's CPU per call. perf's own cost is a few samples' worth a
 * second; it runs on the load's core.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { pinned, track } from './proc.js';

export interface KernelShare {
  samples: number;
  /** Shares (0..1) of the server's samples. */
  shares: { capture: number; raw_sockets: number; loopback_delivery: number; own: number };
}

/** What a sample's stack (leaf first) was doing, by the kernel functions in it. */
export function classifyStack(frames: readonly string[]): keyof KernelShare['shares'] {
  const has = (re: RegExp): boolean => frames.some((f) => re.test(f));
  // A raw socket's clone and a capture's copy both happen inside the delivery; test them first.
  if (has(/^(raw_local_deliver|raw_v4_input|raw_v6_input|raw_rcv|rawv6_rcv)\b/)) return 'raw_sockets';
  if (has(/^(dev_queue_xmit_nit|tpacket_rcv|packet_rcv)\b/)) return 'capture';
  if (has(/^(net_rx_action|process_backlog|__netif_receive_skb\S*)\b/)) return 'loopback_delivery';
  return 'own';
}

/** Tallies `perf script -F tid,ip,sym` output: one block per sample, a tid line then one frame per line. */
export function tallyPerfScript(text: string): KernelShare {
  const counts = { capture: 0, raw_sockets: 0, loopback_delivery: 0, own: 0 };
  let samples = 0;
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0 || !/^\s*\d+\s*$/.test(lines[0] ?? '')) continue;
    // A frame line is "<address> <symbol>"; unresolved ones are "[unknown]".
    const frames = lines.slice(1).map((l) => l.trim().split(/\s+/)[1] ?? '');
    counts[classifyStack(frames)]++;
    samples++;
  }
  const share = (n: number): number => (samples ? +(n / samples).toFixed(4) : 0);
  return {
    samples,
    shares: { capture: share(counts.capture), raw_sockets: share(counts.raw_sockets), loopback_delivery: share(counts.loopback_delivery), own: share(counts.own) },
  };
}

/**
 * True when `perf` is installed (linux-perf). Whether it may sample the server shows only when it runs:
 * the step then goes on without the split (sections/concurrency.ts).
 */
export function perfAvailable(): boolean {
  const r = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export interface PerfRecording {
  /** Stops the sampling and reads the shares. */
  stop(): Promise<KernelShare>;
}

/** Samples every thread of `pid` with its kernel call chains until stop(). */
export function recordKernelShare(pid: number, file: string, cores: string | null): PerfRecording {
  const [cmd, args] = pinned(cores, 'perf', ['record', '-q', '-F', '199', '-g', '-p', String(pid), '-o', file]);
  const child: ChildProcess = track(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    async stop() {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record exited with ${code}: ${err.trim().slice(0, 300)}`);
      const script = spawnSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr.trim().slice(0, 300)}`);
      return tallyPerfScript(script.stdout);
    },
  };
}
