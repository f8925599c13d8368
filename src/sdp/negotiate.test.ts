import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { createOffer, negotiate, parseAnswer, SdpError, type Direction, type LocalMedia } from './index.js';
import * as F from './fixtures.js';

const local: LocalMedia = { address: '203.0.113.1', port: 20000, random: () => 0.5 };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
    return (e as SdpError).code;
  }
  return undefined;
}

describe('negotiate: offers from real user agents', () => {
  const cases: {
    name: string;
    offer: string;
    codec: 'PCMU' | 'PCMA';
    pt: number;
    te?: number;
    ptime: number;
    remote: { address: string; port: number; rtcpPort: number };
    direction: Direction;
    held: boolean;
    mLines: number;
  }[] = [
    { name: 'SIPp uac', offer: F.SIPP_UAC, codec: 'PCMU', pt: 0, ptime: 20, remote: { address: '127.0.0.1', port: 6000, rtcpPort: 6001 }, direction: 'sendrecv', held: false, mLines: 1 },
    { name: 'SIPp pcap (PCMA + DTMF)', offer: F.SIPP_PCAP, codec: 'PCMA', pt: 8, te: 101, ptime: 20, remote: { address: '10.0.0.5', port: 6002, rtcpPort: 6003 }, direction: 'sendrecv', held: false, mLines: 1 },
    { name: 'baresip (opus first)', offer: F.BARESIP, codec: 'PCMU', pt: 0, te: 101, ptime: 20, remote: { address: '192.168.1.20', port: 10438, rtcpPort: 10439 }, direction: 'sendrecv', held: false, mLines: 1 },
    { name: 'Linphone (te at 48k/16k/8k, video)', offer: F.LINPHONE, codec: 'PCMU', pt: 0, te: 100, ptime: 20, remote: { address: '192.168.0.10', port: 7078, rtcpPort: 7082 }, direction: 'sendrecv', held: false, mLines: 2 },
    { name: 'trunk preferring PCMA, ptime 30', offer: F.TRUNK_PCMA_FIRST, codec: 'PCMA', pt: 8, te: 101, ptime: 30, remote: { address: '203.0.113.9', port: 14780, rtcpPort: 14781 }, direction: 'sendrecv', held: false, mLines: 1 },
    { name: 'PCMA only, no rtpmap', offer: F.PCMA_ONLY, codec: 'PCMA', pt: 8, ptime: 20, remote: { address: '198.51.100.7', port: 30000, rtcpPort: 30001 }, direction: 'sendrecv', held: false, mLines: 1 },
    { name: 'hold with a=sendonly', offer: F.HOLD_SENDONLY, codec: 'PCMU', pt: 0, te: 101, ptime: 20, remote: { address: '192.168.1.20', port: 10438, rtcpPort: 10439 }, direction: 'recvonly', held: true, mLines: 1 },
    { name: 'hold with c=0.0.0.0', offer: F.HOLD_NULL_ADDR, codec: 'PCMU', pt: 0, te: 101, ptime: 20, remote: { address: '0.0.0.0', port: 10438, rtcpPort: 10439 }, direction: 'recvonly', held: true, mLines: 1 },
    { name: 'IPv6, dynamic PCMU, session-level recvonly', offer: F.IPV6_DYNAMIC, codec: 'PCMU', pt: 112, te: 113, ptime: 20, remote: { address: '2001:db8::2', port: 40000, rtcpPort: 40001 }, direction: 'sendonly', held: false, mLines: 1 },
  ];

  it.each(cases)('$name', (c) => {
    const r = negotiate(c.offer, local);
    expect(r.codec).toBe(c.codec);
    expect(r.payloadType).toBe(c.pt);
    expect(r.telephoneEventPt).toBe(c.te);
    expect(r.ptime).toBe(c.ptime);
    expect(r.remote).toEqual(c.remote);
    expect(r.direction).toBe(c.direction);
    expect(r.held).toBe(c.held);

    const a = parse(r.answerSdp);
    expect(r.answerSdp.endsWith('\r\n')).toBe(true);
    expect(a.media).toHaveLength(c.mLines); // RFC 3264 §6
    expect(a.connection).toEqual({ version: 4, ip: '203.0.113.1' });
    const audio = a.media.find((m) => m.port !== 0)!;
    expect(audio.port).toBe(20000);
    expect(String(audio.payloads).split(' ').map(Number)).toEqual(c.te === undefined ? [c.pt] : [c.pt, c.te]);
    expect(audio.rtp.find((x) => x.payload === c.pt)?.codec).toBe(c.codec);
    if (c.te !== undefined) expect(audio.fmtp).toEqual([{ payload: c.te, config: '0-15' }]);
    expect(audio.ptime).toBe(c.ptime);
    expect(audio.direction).toBe(c.direction);
    for (const m of a.media.filter((x) => x !== audio)) expect(m.port).toBe(0);
  });

  it('rejects what it cannot take, with codes the SIP layer maps to 488', () => {
    expect(codeOf(() => negotiate(F.G729_ONLY, local))).toBe('no_codec');
    expect(codeOf(() => negotiate(F.SRTP_ONLY, local))).toBe('no_audio');
    expect(codeOf(() => negotiate(F.LINPHONE.replace('m=audio 7078', 'm=audio 0'), local))).toBe('no_audio');
    expect(codeOf(() => negotiate('hello', local))).toBe('parse');
    expect(codeOf(() => negotiate(F.PCMA_ONLY.replace('c=IN IP4 198.51.100.7\r\n', ''), local))).toBe('parse');
    expect(codeOf(() => negotiate(F.PCMU_TEXT_ONLY, local))).toBe('no_audio');
    expect(codeOf(() => negotiate(F.SIPP_UAC, { ...local, codecs: ['PCMA'] }))).toBe('no_codec');
    const e = (() => {
      try {
        negotiate(F.G729_ONLY, local);
      } catch (err) {
        return err as SdpError;
      }
    })();
    expect(e?.message).toMatch(/G729/);
    expect(e?.name).toBe('SdpError');
  });

  it('offers telephone-event only at 8 kHz, and not when disabled', () => {
    const webrtcLike = F.LINPHONE.replace('a=rtpmap:100 telephone-event/8000\r\n', '');
    expect(negotiate(webrtcLike, local).telephoneEventPt).toBeUndefined();
    const r = negotiate(F.BARESIP, { ...local, telephoneEvent: false });
    expect(r.telephoneEventPt).toBeUndefined();
    expect(r.answerSdp).not.toMatch(/telephone-event/);
  });

  it('answers every offered direction (RFC 3264 §6.1)', () => {
    const table: [Direction, Direction][] = [
      ['sendrecv', 'sendrecv'],
      ['sendonly', 'recvonly'],
      ['recvonly', 'sendonly'],
      ['inactive', 'inactive'],
    ];
    for (const [offered, answered] of table) {
      const r = negotiate(F.SIPP_UAC.replace('a=rtpmap:0 PCMU/8000', `a=rtpmap:0 PCMU/8000\r\na=${offered}`), local);
      expect(r.direction).toBe(answered);
      expect(r.answerSdp).toContain(`a=${answered}\r\n`);
    }
    // We hold them: sendonly narrows a sendrecv offer; inactive + their sendonly stays inactive.
    expect(negotiate(F.SIPP_UAC, { ...local, direction: 'sendonly' }).direction).toBe('sendonly');
    expect(negotiate(F.HOLD_SENDONLY, { ...local, direction: 'sendonly' }).direction).toBe('inactive');
  });

  it('honours ptime within maxptime, falls back to 20', () => {
    const p = (extra: string) => negotiate(F.SIPP_UAC.replace('a=rtpmap:0 PCMU/8000', `a=rtpmap:0 PCMU/8000\r\n${extra}`), local).ptime;
    expect(p('a=ptime:10')).toBe(10);
    expect(p('a=ptime:40')).toBe(40);
    expect(p('a=ptime:25')).toBe(20);
    expect(p('a=ptime:120')).toBe(20);
    expect(p('a=ptime:40\r\na=maxptime:30')).toBe(20);
    expect(p('a=maxptime:10')).toBe(10);
  });
});

describe('session version (RFC 3264 §8)', () => {
  it('keeps the session id, increments the version only when our SDP changes', () => {
    const first = negotiate(F.BARESIP, local);
    const o1 = parse(first.answerSdp).origin;
    expect(o1.sessionVersion).toBe(1);

    // Session refresh: same offer again → identical answer, same version.
    const again = negotiate(F.BARESIP, { ...local, previous: first.origin });
    expect(again.answerSdp).toBe(first.answerSdp);

    // Hold: our answer changes to recvonly → version + 1, same session id.
    const hold = negotiate(F.HOLD_SENDONLY, { ...local, previous: again.origin });
    const o2 = parse(hold.answerSdp).origin;
    expect(String(o2.sessionId)).toBe(String(o1.sessionId));
    expect(o2.sessionVersion).toBe(2);

    // Resume: sendrecv again → + 1.
    const resume = negotiate(F.BARESIP, { ...local, previous: hold.origin });
    expect(parse(resume.answerSdp).origin.sessionVersion).toBe(3);
    expect(resume.direction).toBe('sendrecv');
    expect(resume.held).toBe(false);
  });
});

describe('createOffer / parseAnswer (late offer and outbound calls)', () => {
  it('offers PCMU, PCMA and telephone-event 101 at 20 ms, sendrecv', () => {
    const { sdp, origin } = createOffer(local);
    const d = parse(sdp);
    expect(d.media).toHaveLength(1);
    const m = d.media[0]!;
    expect(m.port).toBe(20000);
    expect(m.protocol).toBe('RTP/AVP');
    expect(String(m.payloads)).toBe('0 8 101');
    expect(m.rtp.map((r) => r.codec)).toEqual(['PCMU', 'PCMA', 'telephone-event']);
    expect(m.ptime).toBe(20);
    expect(m.direction).toBe('sendrecv');
    expect(origin.sessionVersion).toBe(1);
    // A re-offer with hold (late-offer re-INVITE) moves the version.
    const held = createOffer({ ...local, direction: 'sendonly', previous: origin });
    expect(held.origin.sessionVersion).toBe(2);
    expect(held.sdp).toContain('a=sendonly');
    expect(createOffer({ ...local, previous: origin }).sdp).toBe(sdp);
  });

  it('reads the answer in the ACK / 2xx', () => {
    const answer = negotiate(createOffer({ address: '198.51.100.1', port: 30000 }).sdp, local).answerSdp;
    const r = parseAnswer(answer, { address: '198.51.100.1', port: 30000 });
    expect(r).toEqual({
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPt: 101,
      ptime: 20,
      remote: { address: '203.0.113.1', port: 20000, rtcpPort: 20001 },
      direction: 'sendrecv',
      held: false,
    });
    const pcma = parseAnswer(F.PCMA_ONLY, local);
    expect(pcma.codec).toBe('PCMA');
    expect(pcma.telephoneEventPt).toBeUndefined();
    expect(parseAnswer(F.HOLD_SENDONLY, local).direction).toBe('recvonly');
    expect(codeOf(() => parseAnswer(F.G729_ONLY, local))).toBe('no_codec');
  });

  it('handles IPv6 local addresses', () => {
    const { sdp } = createOffer({ address: '2001:db8::10', port: 20002 });
    expect(sdp).toContain('c=IN IP6 2001:db8::10');
    expect(sdp).toMatch(/^o=- \d+ 1 IN IP6 2001:db8::10\r$/m);
    expect(sdp).toMatch(/^s=-\r$/m);
  });
});
