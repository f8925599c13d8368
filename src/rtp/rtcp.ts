/**
 * Minimal RTCP (RFC 3550 §6): SR, RR, SDES CNAME and BYE, built into and parsed from compound packets.
 * The statistics that fill a report block live in stats.ts.
 */
import { RtpError } from './errors.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** §6.4.1 report block: what one receiver says about one source. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction of packets lost since the previous report, in 1/256. */
  fractionLost: number;
  /** Cumulative packets lost (signed 24 bits: duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSeq: number;
  /** Interarrival jitter in timestamp units (§6.4.1, §A.8). */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source, 0 if none. */
  lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  dlsr: number;
}

export interface SenderReport {
  type: 'sr';
  ssrc: number;
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}
export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}
export interface SourceDescription {
  type: 'sdes';
  chunks: { ssrc: number; cname?: string }[];
}
export interface Bye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}
export interface OtherRtcp {
  type: 'other';
  packetType: number;
}
export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Bye | OtherRtcp;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** Wall-clock milliseconds → 64-bit NTP timestamp (§4) as seconds and 1/2^32 fraction. */
export function ntpTime(ms: number): { sec: number; frac: number } {
  const sec = Math.floor(ms / 1000);
  return { sec: (sec + NTP_UNIX_OFFSET) >>> 0, frac: Math.floor(((ms - sec * 1000) / 1000) * 2 ** 32) >>> 0 };
}

/** The middle 32 bits of an NTP timestamp, as LSR carries it (§6.4.1). */
export function ntpMiddle(sec: number, frac: number): number {
  return (((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Build

function blocksSize(n: number): number {
  return n * 24;
}

function writeHeader(v: DataView, o: number, count: number, pt: number, bytes: number): void {
  v.setUint8(o, 0x80 | (count & 0x1f)); // V=2, P=0
  v.setUint8(o + 1, pt);
  v.setUint16(o + 2, bytes / 4 - 1); // §6.4.1: length in 32-bit words minus one
}

function writeBlocks(v: DataView, o: number, blocks: readonly ReportBlock[]): void {
  for (const b of blocks) {
    v.setUint32(o, b.ssrc >>> 0);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost)) & 0xffffff;
    v.setUint32(o + 4, ((b.fractionLost & 0xff) << 24) | lost);
    v.setUint32(o + 8, b.highestSeq >>> 0);
    v.setUint32(o + 12, Math.floor(b.jitter) >>> 0);
    v.setUint32(o + 16, b.lsr >>> 0);
    v.setUint32(o + 20, b.dlsr >>> 0);
    o += 24;
  }
}

function sdesSize(s: SourceDescription): number {
  let n = 4;
  for (const c of s.chunks) {
    const item = c.cname === undefined ? 0 : 2 + Buffer.byteLength(c.cname);
    n += 4 + Math.ceil((item + 1) / 4) * 4; // items, then a null terminator padded to 32 bits (§6.5)
  }
  return n;
}

function packetSize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return 28 + blocksSize(p.reports.length);
    case 'rr':
      return 8 + blocksSize(p.reports.length);
    case 'sdes':
      return sdesSize(p);
    case 'bye':
      return 4 + p.ssrcs.length * 4 + (p.reason ? Math.ceil((1 + Buffer.byteLength(p.reason)) / 4) * 4 : 0);
    case 'other':
      throw new RtpError('malformed', `cannot build RTCP packet type ${p.packetType}`);
  }
}

/**
 * Builds a compound packet (§6.1: it must start with SR or RR and should carry an SDES CNAME).
 * At most 31 report blocks per SR/RR.
 */
export function buildRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const total = packets.reduce((n, p) => n + packetSize(p), 0);
  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  let o = 0;
  for (const p of packets) {
    const size = packetSize(p);
    switch (p.type) {
      case 'sr':
        writeHeader(v, o, p.reports.length, RTCP_SR, size);
        v.setUint32(o + 4, p.ssrc >>> 0);
        v.setUint32(o + 8, p.ntpSec >>> 0);
        v.setUint32(o + 12, p.ntpFrac >>> 0);
        v.setUint32(o + 16, p.rtpTimestamp >>> 0);
        v.setUint32(o + 20, p.packetCount >>> 0);
        v.setUint32(o + 24, p.octetCount >>> 0);
        writeBlocks(v, o + 28, p.reports);
        break;
      case 'rr':
        writeHeader(v, o, p.reports.length, RTCP_RR, size);
        v.setUint32(o + 4, p.ssrc >>> 0);
        writeBlocks(v, o + 8, p.reports);
        break;
      case 'sdes': {
        writeHeader(v, o, p.chunks.length, RTCP_SDES, size);
        let c = o + 4;
        for (const ch of p.chunks) {
          v.setUint32(c, ch.ssrc >>> 0);
          c += 4;
          const start = c;
          if (ch.cname !== undefined) {
            const bytes = Buffer.from(ch.cname);
            buf[c] = 1; // CNAME (§6.5.1)
            buf[c + 1] = bytes.length;
            buf.set(bytes, c + 2);
            c += 2 + bytes.length;
          }
          c = start + Math.ceil((c - start + 1) / 4) * 4; // zero bytes already there: end of items + padding
        }
        break;
      }
      case 'bye': {
        writeHeader(v, o, p.ssrcs.length, RTCP_BYE, size);
        p.ssrcs.forEach((s, i) => v.setUint32(o + 4 + i * 4, s >>> 0));
        if (p.reason) {
          const bytes = Buffer.from(p.reason);
          const r = o + 4 + p.ssrcs.length * 4;
          buf[r] = bytes.length;
          buf.set(bytes, r + 1);
        }
        break;
      }
      case 'other':
        break;
    }
    o += size;
  }
  return buf;
}

// ---------------------------------------------------------------------------------------------------------
// Parse

function readBlocks(v: DataView, o: number, n: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < n; i++, o += 24) {
    const w = v.getUint32(o + 4);
    out.push({
      ssrc: v.getUint32(o),
      fractionLost: w >>> 24,
      cumulativeLost: ((w & 0xffffff) << 8) >> 8, // sign-extend 24 bits
      highestSeq: v.getUint32(o + 8),
      jitter: v.getUint32(o + 12),
      lsr: v.getUint32(o + 16),
      dlsr: v.getUint32(o + 20),
    });
  }
  return out;
}

/** Parses a compound packet, applying the §A.2 validity checks. Throws RtpError('malformed'). */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpPacket[] = [];
  let o = 0;
  while (o < buf.length) {
    if (buf.length - o < 4) throw new RtpError('malformed', 'RTCP packet truncated');
    const b0 = buf[o]!;
    const pt = buf[o + 1]!;
    const count = b0 & 0x1f;
    const size = (v.getUint16(o + 2) + 1) * 4;
    if (b0 >>> 6 !== 2) throw new RtpError('malformed', 'RTCP version is not 2');
    if (o === 0 && pt !== RTCP_SR && pt !== RTCP_RR) throw new RtpError('malformed', 'compound RTCP must start with SR or RR');
    if (o + size > buf.length) throw new RtpError('malformed', 'RTCP length beyond the datagram');
    if (b0 & 0x20 && o + size !== buf.length) throw new RtpError('malformed', 'RTCP padding before the last packet');
    switch (pt) {
      case RTCP_SR:
        if (size < 28 + count * 24) throw new RtpError('malformed', 'SR too short');
        out.push({
          type: 'sr',
          ssrc: v.getUint32(o + 4),
          ntpSec: v.getUint32(o + 8),
          ntpFrac: v.getUint32(o + 12),
          rtpTimestamp: v.getUint32(o + 16),
          packetCount: v.getUint32(o + 20),
          octetCount: v.getUint32(o + 24),
          reports: readBlocks(v, o + 28, count),
        });
        break;
      case RTCP_RR:
        if (size < 8 + count * 24) throw new RtpError('malformed', 'RR too short');
        out.push({ type: 'rr', ssrc: v.getUint32(o + 4), reports: readBlocks(v, o + 8, count) });
        break;
      case RTCP_SDES: {
        const chunks: SourceDescription['chunks'] = [];
        let c = o + 4;
        for (let i = 0; i < count && c + 4 <= o + size; i++) {
          const chunk: { ssrc: number; cname?: string } = { ssrc: v.getUint32(c) };
          c += 4;
          while (c < o + size && buf[c] !== 0) {
            const len = buf[c + 1] ?? 0;
            if (buf[c] === 1) chunk.cname = Buffer.from(buf.subarray(c + 2, c + 2 + len)).toString('utf8');
            c += 2 + len;
          }
          c = (Math.floor((c - o) / 4) + 1) * 4 + o; // skip the terminator and padding
          chunks.push(chunk);
        }
        out.push({ type: 'sdes', chunks });
        break;
      }
      case RTCP_BYE: {
        const ssrcs: number[] = [];
        for (let i = 0; i < count && o + 8 + i * 4 <= o + size; i++) ssrcs.push(v.getUint32(o + 4 + i * 4));
        const r = o + 4 + count * 4;
        const bye: Bye = { type: 'bye', ssrcs };
        if (r < o + size) bye.reason = Buffer.from(buf.subarray(r + 1, Math.min(o + size, r + 1 + buf[r]!))).toString('utf8');
        out.push(bye);
        break;
      }
      default:
        out.push({ type: 'other', packetType: pt });
    }
    o += size;
  }
  return out;
}
