/**
 * What reaches SIPp's media port, as seen on the loopback interface by tshark (Debian's tshark; capturing
 * needs root or CAP_NET_RAW, as SIPp's pcap play does). SIPp itself says nothing about the audio it
 * receives, and hookline sends to SIPp's media port once it has latched on it (symmetric RTP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CI, installed } from '../../src/testkit/system-tools.js';

export const HAS_TSHARK = installed('tshark', ['-v']);
if (!HAS_TSHARK && !CI) console.warn('[interop] tshark is not installed (Debian: apt-get install tshark): the audio checks of the shutdown tests are skipped.');

export interface RtpPacket {
  /** Arrival time, ms since the epoch (the clock Date.now() reads). */
  at: number;
  payloadType: number;
  /** The RTP payload (after the 12-byte header; hookline sends no CSRC or extension). */
  payload: Buffer;
}

export interface Capture {
  packets: RtpPacket[];
  stop(): Promise<void>;
}

/** µ-law frames that are more than silence (0xFF and 0x7F are the two zeros, 0xFE/0x7E a hair off). */
export function loud(p: RtpPacket): boolean {
  return p.payloadType === 0 && p.payload.some((b) => (b & 0x7f) < 0x70);
}

/** Starts capturing UDP datagrams to `port` on lo; resolves once tshark is capturing. */
export async function captureRtpTo(port: number): Promise<Capture> {
  const child: ChildProcess = spawn('tshark', ['-i', 'lo', '-f', `udp dst port ${port}`, '-l', '-n', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'udp.payload'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const packets: RtpPacket[] = [];
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const [time, hex] = line.split('\t');
      if (!time || !hex) continue;
      const bytes = Buffer.from(hex.replace(/:/g, ''), 'hex');
      if (bytes.length < 12) continue;
      packets.push({ at: Number(time) * 1000, payloadType: bytes[1]! & 0x7f, payload: bytes.subarray(12) });
    }
  });
  let err = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing within 10 s: ${err}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`tshark exited: ${err}`)));
  });
  return {
    packets,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
