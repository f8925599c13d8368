import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where Debian's sip-tester package puts SIPp's RFC 4733 captures (dtmf_2833_<key>.pcap). */
export const STOCK_PCAPS = '/usr/share/sip-tester';

/**
 * Copies the stock RFC 4733 captures of `keys` into `dir`, plus `dtmf_2833_2_again.pcap`: the "2" capture
 * moved 20 s later in RTP time and 1000 packets later in sequence. SIPp replays a capture byte for byte,
 * and RFC 4733 §2.5.2 identifies a key press by its timestamp, so the stock "2" played twice in one call
 * looks like the same press again; a phone pressing 2 again sends a new timestamp, as the copy does.
 */
export async function preparePcaps(dir: string, keys: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'pound', 'star']): Promise<void> {
  for (const k of keys) {
    const src = path.join(STOCK_PCAPS, `dtmf_2833_${k}.pcap`);
    await copyFile(src, path.join(dir, `dtmf_2833_${k}.pcap`)).catch((err: unknown) => {
      throw new Error(`${src} is missing: the RFC 4733 captures come with SIPp's Debian/Ubuntu package sip-tester`, { cause: err });
    });
  }
  const again = shiftRtp(await readFile(path.join(STOCK_PCAPS, 'dtmf_2833_2.pcap')), { seq: 1000, ts: 160_000 });
  await writeFile(path.join(dir, 'dtmf_2833_2_again.pcap'), again);
}

/** Adds to the RTP sequence number and timestamp of every packet of a classic pcap (Ethernet, IPv4, UDP, RTP). */
export function shiftRtp(pcap: Buffer, by: { seq: number; ts: number }): Buffer {
  const out = Buffer.from(pcap);
  const le = out.readUInt32LE(0) === 0xa1b2c3d4;
  if (!le && out.readUInt32BE(0) !== 0xa1b2c3d4) throw new Error('not a classic pcap file');
  const u32 = (o: number): number => (le ? out.readUInt32LE(o) : out.readUInt32BE(o));
  if (u32(20) !== 1) throw new Error(`pcap link type ${u32(20)}, expected Ethernet`);
  for (let off = 24; off + 16 <= out.length; ) {
    const len = u32(off + 8);
    const pkt = off + 16;
    const ip = pkt + 14;
    if (out.readUInt16BE(pkt + 12) === 0x0800 && out[ip + 9] === 17) {
      const rtp = ip + (out[ip]! & 0x0f) * 4 + 8;
      out.writeUInt16BE((out.readUInt16BE(rtp + 2) + by.seq) & 0xffff, rtp + 2);
      out.writeUInt32BE((out.readUInt32BE(rtp + 4) + by.ts) >>> 0, rtp + 4);
      // SIPp recomputes the UDP checksum from the payload when it sends (prepare_pcap.c): no fix needed here.
    }
    off = pkt + len;
  }
  return out;
}
