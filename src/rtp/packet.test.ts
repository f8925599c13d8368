import { describe, expect, it } from 'vitest';
import { RtpError } from './errors.js';
import { looksLikeRtcp, parseRtp, rtpHeaderSize, seqDelta, serializeRtp, writeRtp, type RtpHeader } from './packet.js';

const payload = Uint8Array.from({ length: 160 }, (_, i) => i & 0xff);

describe('RTP packet (RFC 3550 §5.1)', () => {
  const headers: [string, RtpHeader][] = [
    ['plain', { marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x12345678 }],
    ['marker, max values', { marker: true, payloadType: 127, sequenceNumber: 0xffff, timestamp: 0xffffffff, ssrc: 0xffffffff }],
    ['CSRCs', { marker: false, payloadType: 8, sequenceNumber: 42, timestamp: 7, ssrc: 1, csrc: [1, 2, 0xdeadbeef] }],
    ['extension', { marker: true, payloadType: 101, sequenceNumber: 9, timestamp: 9, ssrc: 9, extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0xff, 0, 0) } }],
  ];

  it.each(headers)('round-trips %s', (_name, h) => {
    const bytes = serializeRtp(h, payload);
    expect(bytes.length).toBe(rtpHeaderSize(h) + payload.length);
    const p = parseRtp(bytes);
    expect(p.header).toEqual({ version: 2, padding: false, ...h, ...(h.extension ? { extension: { profile: h.extension.profile, data: h.extension.data } } : {}) });
    expect(Array.from(p.payload)).toEqual(Array.from(payload));
  });

  it('writes into a caller buffer at an offset without allocating a new one', () => {
    const out = new Uint8Array(400).fill(0xaa);
    const h: RtpHeader = { marker: true, payloadType: 0, sequenceNumber: 0x1234, timestamp: 0x01020304, ssrc: 0xcafebabe };
    const n = writeRtp(h, payload, out, 10);
    expect(n).toBe(172);
    expect(out[9]).toBe(0xaa);
    expect(Array.from(out.subarray(10, 22))).toEqual([0x80, 0x80, 0x12, 0x34, 1, 2, 3, 4, 0xca, 0xfe, 0xba, 0xbe]);
    expect(out[10 + n]).toBe(0xaa);
    expect(() => writeRtp(h, payload, new Uint8Array(100))).toThrow(RtpError);
  });

  it('payload is a view into the datagram (no copy)', () => {
    const bytes = serializeRtp({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, payload);
    const p = parseRtp(bytes);
    expect(p.payload.buffer).toBe(bytes.buffer);
  });

  it('strips padding (§5.1 P bit)', () => {
    const bytes = new Uint8Array([0xa0, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xde, 0xad, 0, 0, 3]);
    const p = parseRtp(bytes);
    expect(p.header.padding).toBe(true);
    expect(Array.from(p.payload)).toEqual([0xde, 0xad]);
  });

  it.each([
    ['too short', new Uint8Array(11)],
    ['version 1', Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)],
    ['CSRC list truncated', Uint8Array.of(0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4)],
    ['extension truncated', Uint8Array.of(0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 0, 0, 0, 0)],
    ['padding zero', Uint8Array.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0)],
    ['padding too long', Uint8Array.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9)],
  ])('rejects %s', (_name, bytes) => {
    expect(() => parseRtp(bytes)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('tells RTCP from RTP (RFC 5761 §4) and computes sequence distance across the wrap', () => {
    expect(looksLikeRtcp(Uint8Array.of(0x80, 200))).toBe(true);
    expect(looksLikeRtcp(Uint8Array.of(0x80, 0x80))).toBe(false);
    expect(seqDelta(0xfffe, 1)).toBe(3);
    expect(seqDelta(1, 0xfffe)).toBe(-3);
  });
});
