/**
 * Packet capture on the loopback interface with dumpcap (Wireshark's capture engine, Debian package
 * wireshark-common, which tshark pulls in): the kernel timestamps each packet as it is sent, so the
 * intervals between a sender's packets are measured without any receiver event loop in the way.
 * A classic pcap file (-P) is written and read back by `forEachPacket`.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { exited, pinned, sleep, track } from './proc.js';

export const HAS_DUMPCAP = spawnSync('dumpcap', ['--version']).error === undefined;

export interface CaptureStats {
  captured: number;
  /** Packets the kernel or dumpcap dropped: when not 0, intervals around the gaps are skipped as lost. */
  dropped: number;
}

export class Capture {
  private stderr = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
  ) {
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  /** Starts capturing UDP on `lo` that matches `filter` (BPF), `snaplen` bytes a packet. */
  static async start(o: { file: string; filter: string; snaplen: number; cores: string | null }): Promise<Capture> {
    const [cmd, args] = pinned(o.cores, 'dumpcap', ['-i', 'lo', '-P', '-q', '-B', '64', '-s', String(o.snaplen), '-f', o.filter, '-w', o.file]);
    const c = new Capture(track(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] }), o.file);
    const end = Date.now() + 10_000;
    while (!c.stderr.includes('Capturing on')) {
      if (c.child.exitCode !== null || Date.now() > end) throw new Error(`dumpcap did not start: ${c.stderr}`);
      await sleep(20);
    }
    await sleep(200); // "Capturing on" is printed just before the capture loop starts
    return c;
  }

  async stop(): Promise<CaptureStats> {
    await sleep(100); // the last packets of the step
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited(this.child);
    clearTimeout(t);
    // "Packets received/dropped on interface 'Loopback: lo': 1234/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0)"
    const m = /received\/dropped on interface '.*?':\s*(\d+)\/(\d+)/.exec(this.stderr);
    return { captured: Number(m?.[1] ?? NaN), dropped: Number(m?.[2] ?? NaN) };
  }
}

/**
 * Calls `fn` for every IPv4 UDP or TCP packet of a classic pcap file (Ethernet link type, as dumpcap
 * writes for Linux loopback): capture time in microseconds, protocol, ports, and the UDP or TCP payload
 * as captured (up to the snap length).
 */
export async function forEachPacket(
  file: string,
  fn: (tUs: number, proto: 'udp' | 'tcp', srcPort: number, dstPort: number, payload: Buffer) => void,
): Promise<void> {
  const buf = await readFile(file);
  if (buf.length < 24) return;
  const magicLe = buf.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const magic = le ? magicLe : buf.readUInt32BE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a classic pcap file`);
  const nano = magic === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u32(20) !== 1) throw new Error(`${file}: link type ${u32(20)}, expected Ethernet`);
  for (let off = 24; off + 16 <= buf.length; ) {
    const tUs = u32(off) * 1e6 + (nano ? u32(off + 4) / 1000 : u32(off + 4));
    const capLen = u32(off + 8);
    const pkt = off + 16;
    off = pkt + capLen;
    if (off > buf.length || capLen < 14 + 20 + 8) continue;
    if (buf.readUInt16BE(pkt + 12) !== 0x0800) continue;
    const ip = pkt + 14;
    const proto = buf[ip + 9];
    const l4 = ip + ((buf[ip] as number) & 0x0f) * 4;
    if (proto === 17 && l4 + 8 <= off) {
      fn(tUs, 'udp', buf.readUInt16BE(l4), buf.readUInt16BE(l4 + 2), buf.subarray(l4 + 8, off));
    } else if (proto === 6 && l4 + 20 <= off) {
      const data = l4 + ((buf[l4 + 12] as number) >> 4) * 4;
      if (data <= off) fn(tUs, 'tcp', buf.readUInt16BE(l4), buf.readUInt16BE(l4 + 2), buf.subarray(data, off));
    }
  }
}
