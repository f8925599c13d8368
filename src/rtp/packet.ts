/**
 * RTP fixed header (RFC 3550 §5.1) and header extension (§5.3.1). Parsing returns views into the datagram
 * (no copy of the payload); serializing can write into a caller-owned buffer so the send path allocates nothing.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  |                           timestamp                           |
 *  |           synchronization source (SSRC) identifier            |
 *  |            contributing source (CSRC) identifiers (CC)        |
 */
import { RtpError } from './errors.js';

export interface RtpExtension {
  /** "defined by profile" 16 bits (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** Extension data, a multiple of 4 bytes. */
  data: Uint8Array;
}

export interface RtpHeader {
  /** Always 2 on a parsed packet; serialize writes 2. */
  version?: number;
  /** Set on parse when the packet had padding (§5.1 P bit); serialize never pads. */
  padding?: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc?: readonly number[];
  extension?: RtpExtension;
}

export interface RtpPacket {
  header: RtpHeader;
  /** View into the datagram: copy it if you keep it past the event callback. */
  payload: Uint8Array;
}

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * RFC 5761 §4: an RTCP packet type (200-204, plus 192-223 reserved) seen through the RTP header is a
 * payload type of 64-95 with the marker bit; payload types 72-76 are therefore never RTP.
 */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/** Parses one RTP datagram. Throws RtpError('malformed') on anything §5.1 rules out. */
export function parseRtp(buf: Uint8Array): RtpPacket {
  if (buf.length < RTP_HEADER_SIZE) throw new RtpError('malformed', `RTP packet too short (${buf.length} bytes)`);
  const b0 = buf[0]!;
  const version = b0 >>> 6;
  if (version !== RTP_VERSION) throw new RtpError('malformed', `RTP version ${version}`);
  const padding = (b0 & 0x20) !== 0;
  const hasExt = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  let off = RTP_HEADER_SIZE + cc * 4;
  if (buf.length < off) throw new RtpError('malformed', 'RTP packet shorter than its CSRC list');
  let csrc: number[] | undefined;
  if (cc > 0) {
    csrc = [];
    for (let i = 0; i < cc; i++) csrc.push(u32(buf, RTP_HEADER_SIZE + i * 4));
  }
  let extension: RtpExtension | undefined;
  if (hasExt) {
    if (buf.length < off + 4) throw new RtpError('malformed', 'RTP extension header truncated');
    const profile = u16(buf, off);
    const words = u16(buf, off + 2);
    const end = off + 4 + words * 4;
    if (buf.length < end) throw new RtpError('malformed', 'RTP extension truncated');
    extension = { profile, data: buf.subarray(off + 4, end) };
    off = end;
  }
  let end = buf.length;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included.
    const pad = buf[buf.length - 1]!;
    if (pad === 0 || off + pad > buf.length) throw new RtpError('malformed', `bad RTP padding length ${pad}`);
    end -= pad;
  }
  const header: RtpHeader = {
    version,
    padding,
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    sequenceNumber: u16(buf, 2),
    timestamp: u32(buf, 4),
    ssrc: u32(buf, 8),
  };
  if (csrc) header.csrc = csrc;
  if (extension) header.extension = extension;
  return { header, payload: buf.subarray(off, end) };
}

/** Bytes the header takes on the wire. */
export function rtpHeaderSize(h: RtpHeader): number {
  const cc = h.csrc?.length ?? 0;
  return RTP_HEADER_SIZE + cc * 4 + (h.extension ? 4 + h.extension.data.length : 0);
}

/**
 * Writes header + payload into `out` at `offset` and returns the number of bytes written.
 * Nothing is allocated: the send path keeps one buffer per session and passes a subarray to the socket.
 */
export function writeRtp(h: RtpHeader, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  const cc = h.csrc?.length ?? 0;
  if (cc > 15) throw new RtpError('malformed', 'at most 15 CSRCs');
  if (h.payloadType < 0 || h.payloadType > 127) throw new RtpError('malformed', `payload type ${h.payloadType}`);
  const ext = h.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RtpError('malformed', 'RTP extension length must be a multiple of 4');
  const size = rtpHeaderSize(h) + payload.length;
  if (out.length - offset < size) throw new RtpError('buffer_too_small', `need ${size} bytes, have ${out.length - offset}`);
  out[offset] = (RTP_VERSION << 6) | (ext ? 0x10 : 0) | cc;
  out[offset + 1] = (h.marker ? 0x80 : 0) | h.payloadType;
  put16(out, offset + 2, h.sequenceNumber & 0xffff);
  put32(out, offset + 4, h.timestamp >>> 0);
  put32(out, offset + 8, h.ssrc >>> 0);
  let o = offset + RTP_HEADER_SIZE;
  for (let i = 0; i < cc; i++, o += 4) put32(out, o, h.csrc![i]!);
  if (ext) {
    put16(out, o, ext.profile);
    put16(out, o + 2, ext.data.length / 4);
    out.set(ext.data, o + 4);
    o += 4 + ext.data.length;
  }
  out.set(payload, o);
  return size;
}

/** Allocating convenience over writeRtp. */
export function serializeRtp(h: RtpHeader, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(rtpHeaderSize(h) + payload.length);
  writeRtp(h, payload, out);
  return out;
}

/** Forward distance from sequence number a to b, modulo 2^16, in -32768..32767 (§A.1). */
export function seqDelta(a: number, b: number): number {
  return (((b - a) & 0xffff) << 16) >> 16;
}
