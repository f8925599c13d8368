/**
 * Reading the peer's SDP (an offer or an answer) into the few facts offer/answer needs.
 * Parsing is sdp-transform's; the rules for what the fields mean are RFC 4566 and RFC 3264.
 */
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { SdpError } from './errors.js';
import type { Codec, Direction } from './types.js';

export interface RemoteFormat {
  pt: number;
  /** Encoding name in upper case ("PCMU", "TELEPHONE-EVENT"); "" for an unknown dynamic type without a=rtpmap. */
  name: string;
  rate: number;
  channels: number;
}

export interface RemoteAudio {
  /** Index of the m= line in the description (the answer must keep every line, RFC 3264 §6). */
  index: number;
  protocol: string;
  address: string;
  port: number;
  rtcpPort: number;
  /** Formats in the order of the m= line, which is the writer's preference (RFC 3264 §5.1). */
  formats: RemoteFormat[];
  /** As written (media level over session level, RFC 4566 §6), default sendrecv. */
  direction: Direction;
  /** c= 0.0.0.0: the RFC 2543 way to put a call on hold (RFC 3264 §8.4). */
  nullAddress: boolean;
  ptime?: number;
  maxptime?: number;
}

/** RFC 3551 §6 Table 4: static payload types that may appear without a=rtpmap. */
const STATIC: Record<number, [name: string, rate: number]> = {
  0: ['PCMU', 8000],
  3: ['GSM', 8000],
  4: ['G723', 8000],
  8: ['PCMA', 8000],
  9: ['G722', 8000],
  13: ['CN', 8000],
  18: ['G729', 8000],
};

/** RTP profiles we can speak: plain RTP. AVPF is AVP plus feedback we may ignore; SAVP needs SRTP, which we lack. */
const PROTOCOLS = new Set(['RTP/AVP', 'RTP/AVPF']);

export function parseSdp(text: string): SessionDescription {
  let desc: SessionDescription;
  try {
    desc = parse(text);
  } catch (cause) {
    throw new SdpError('parse', 'SDP could not be parsed', { cause });
  }
  // RFC 4566 §5: v=0 and o= are mandatory; sdp-transform returns { media: [] } for anything else.
  if (desc.version !== 0 || !desc.origin) throw new SdpError('parse', 'not an SDP body (no v=0 / o= line)');
  if (!Array.isArray(desc.media) || desc.media.length === 0) throw new SdpError('no_audio', 'SDP has no m= line');
  return desc;
}

export function formatsOf(m: MediaDescription): RemoteFormat[] {
  const pts = String(m.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  return pts.map((pt) => {
    const map = m.rtp.find((r) => r.payload === pt);
    if (map) return { pt, name: map.codec.toUpperCase(), rate: map.rate ?? 0, channels: map.encoding ?? 1 };
    const fixed = STATIC[pt];
    return fixed ? { pt, name: fixed[0], rate: fixed[1], channels: 1 } : { pt, name: '', rate: 0, channels: 1 };
  });
}

export function isCodec(f: RemoteFormat, codec: Codec): boolean {
  return f.name === codec && f.rate === 8000 && f.channels === 1;
}

export function isTelephoneEvent(f: RemoteFormat): boolean {
  // RFC 4733 §7.1.1: the event clock must match the audio clock, so only the 8 kHz variant goes with G.711.
  return f.name === 'TELEPHONE-EVENT' && f.rate === 8000;
}

function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
}

function readAudio(desc: SessionDescription, m: MediaDescription, index: number): RemoteAudio {
  const conn = m.connection ?? desc.connection;
  if (!conn?.ip) throw new SdpError('parse', `m= line ${index + 1} has no c= line at media or session level`);
  const address = conn.ip.split('/')[0] ?? conn.ip; // multicast TTL suffix, RFC 4566 §5.7
  return {
    index,
    protocol: m.protocol,
    address,
    port: m.port,
    rtcpPort: m.rtcp?.port ?? m.port + 1,
    formats: formatsOf(m),
    direction: m.direction ?? desc.direction ?? 'sendrecv',
    nullAddress: address === '0.0.0.0' || address === '::',
    ptime: positiveInt(m.ptime ?? (desc as { ptime?: unknown }).ptime),
    maxptime: positiveInt(m.maxptime ?? (desc as { maxptime?: unknown }).maxptime),
  };
}

/**
 * The first active plain-RTP audio stream that carries one of `codecs`.
 * Throws `no_audio` when there is no active RTP audio stream, `no_codec` when none has a usable codec.
 */
export function pickAudio(desc: SessionDescription, codecs: readonly Codec[]): { audio: RemoteAudio; codec: RemoteFormat & { name: Codec } } {
  const offered: string[] = [];
  let sawAudio = false;
  for (let i = 0; i < desc.media.length; i++) {
    const m = desc.media[i]!;
    // RFC 3264 §5.1/§6: port 0 means the stream is disabled or rejected.
    if (m.type !== 'audio' || m.port === 0 || !PROTOCOLS.has(m.protocol)) continue;
    sawAudio = true;
    const audio = readAudio(desc, m, i);
    const codec = audio.formats.find((f) => codecs.some((c) => isCodec(f, c)));
    if (codec) return { audio, codec: codec as RemoteFormat & { name: Codec } };
    offered.push(...audio.formats.map((f) => f.name || String(f.pt)));
  }
  if (!sawAudio) {
    const savp = desc.media.some((m) => m.type === 'audio' && m.port !== 0 && /SAVP/.test(m.protocol));
    throw new SdpError('no_audio', savp ? 'only SRTP audio offered (RTP/SAVP is not supported)' : 'no active RTP audio stream');
  }
  throw new SdpError('no_codec', `no common codec: we take ${codecs.join(', ')}; offered ${offered.join(', ') || 'none'}`);
}
