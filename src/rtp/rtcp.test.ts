import { describe, expect, it } from 'vitest';
import { buildRtcp, ntpMiddle, ntpTime, parseRtcp, type RtcpPacket } from './rtcp.js';
import { ReceptionStats } from './stats.js';

const block = { ssrc: 0xabcdef01, fractionLost: 25, cumulativeLost: -3, highestSeq: 0x1_0005, jitter: 37, lsr: 0x12345678, dlsr: 65536 };

describe('RTCP build/parse (RFC 3550 §6.4)', () => {
  it('round-trips a compound SR + SDES + BYE', () => {
    const packets: RtcpPacket[] = [
      { type: 'sr', ssrc: 1, ntpSec: 3_900_000_000, ntpFrac: 0x80000000, rtpTimestamp: 123456, packetCount: 250, octetCount: 40000, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 1, cname: 'hookline@10.0.0.1' }] },
      { type: 'bye', ssrcs: [1], reason: 'bye' },
    ];
    const bytes = buildRtcp(packets);
    expect(bytes.length % 4).toBe(0);
    expect(bytes[1]).toBe(200);
    expect(parseRtcp(bytes)).toEqual(packets);
  });

  it('round-trips an RR with no and with several report blocks, and CNAMEs of every padding length', () => {
    for (const n of [0, 1, 3]) {
      const rr: RtcpPacket = { type: 'rr', ssrc: 0xffffffff, reports: Array.from({ length: n }, (_, i) => ({ ...block, ssrc: i })) };
      expect(parseRtcp(buildRtcp([rr]))).toEqual([rr]);
    }
    for (const cname of ['a', 'ab', 'abc', 'abcd', 'abcde']) {
      const p: RtcpPacket[] = [{ type: 'rr', ssrc: 1, reports: [] }, { type: 'sdes', chunks: [{ ssrc: 1, cname }, { ssrc: 2, cname: cname + 'x' }] }];
      expect(parseRtcp(buildRtcp(p))).toEqual(p);
    }
  });

  it('writes the SR layout byte for byte', () => {
    const b = buildRtcp([{ type: 'sr', ssrc: 0x01020304, ntpSec: 5, ntpFrac: 6, rtpTimestamp: 7, packetCount: 8, octetCount: 9, reports: [] }]);
    expect(Array.from(b)).toEqual([0x80, 200, 0, 6, 1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9]);
  });

  it('rejects invalid compounds (§A.2)', () => {
    const sdesFirst = buildRtcp([{ type: 'sdes', chunks: [{ ssrc: 1, cname: 'x' }] }]);
    expect(() => parseRtcp(sdesFirst)).toThrow(/start with SR or RR/);
    const rr = buildRtcp([{ type: 'rr', ssrc: 1, reports: [] }]);
    expect(() => parseRtcp(rr.subarray(0, 6))).toThrow();
    const bad = Uint8Array.from(rr);
    bad[0] = 0x40;
    expect(() => parseRtcp(bad)).toThrow(/version/);
  });

  it('converts wall time to NTP', () => {
    const t = ntpTime(Date.UTC(1970, 0, 1, 0, 0, 1, 500));
    expect(t).toEqual({ sec: 2_208_988_801, frac: 0x80000000 });
    expect(ntpMiddle(0x0001_0002, 0x0003_0004)).toBe(0x0002_0003);
  });
});

describe('reception statistics (§A.1, §A.3, §A.8)', () => {
  it('counts loss and fraction lost per interval', () => {
    const s = new ReceptionStats();
    for (const seq of [10, 11, 13, 14, 15, 16, 17, 18, 19, 20]) s.updateSeq(seq); // 12 missing
    expect(s.expected).toBe(11);
    expect(s.lost).toBe(1);
    const b1 = s.reportBlock(5, 0);
    expect(b1).toMatchObject({ ssrc: 5, cumulativeLost: 1, highestSeq: 20, fractionLost: Math.floor(256 / 11) });
    for (let seq = 21; seq <= 30; seq++) s.updateSeq(seq);
    expect(s.reportBlock(5, 0).fractionLost).toBe(0); // nothing lost in this interval
  });

  it('extends the sequence number across the 16-bit wrap, tolerates reordering and duplicates', () => {
    const s = new ReceptionStats();
    for (const seq of [65533, 65534, 65535, 0, 2, 1, 3, 3]) s.updateSeq(seq);
    expect(s.extendedHighestSeq).toBe(0x1_0003);
    expect(s.expected).toBe(7);
    expect(s.lost).toBe(-1); // a duplicate counts as received, as §A.3 says
  });

  it('resynchronises after a sender restart (two packets in sequence after a big jump)', () => {
    const s = new ReceptionStats();
    s.updateSeq(100);
    s.updateSeq(101);
    expect(s.updateSeq(40000)).toBe(false);
    expect(s.updateSeq(40001)).toBe(true);
    s.updateSeq(40002);
    expect(s.expected).toBe(2);
    expect(s.lost).toBe(0);
  });

  it('computes jitter as §A.8 does', () => {
    const steady = new ReceptionStats();
    for (let i = 0; i < 50; i++) steady.updateJitter(1000 + i * 160, 5_000 + i * 20);
    expect(steady.jitter).toBe(0);

    // Arrival alternates on time / 10 ms late, across the timestamp wrap: |D| = 10 ms = 80 units.
    const s = new ReceptionStats();
    let j = 0;
    for (let i = 0; i < 200; i++) {
      s.updateJitter((0xffffff00 + i * 160) >>> 0, i * 20 + (i % 2) * 10);
      if (i > 0) j += (80 - j) / 16;
    }
    expect(s.jitter).toBeCloseTo(j, 6);
    expect(s.jitterMs).toBeCloseTo(10, 0);
  });

  it('fills LSR and DLSR from the last SR', () => {
    const s = new ReceptionStats();
    s.updateSeq(1);
    s.onSenderReport(0x00010002, 0x00030000, 1000);
    const b = s.reportBlock(9, 1500);
    expect(b.lsr).toBe(0x00020003);
    expect(b.dlsr).toBe(32768);
  });
});
