/**
 * SDP offer/answer (RFC 3264) for one G.711 audio stream with RFC 4733 telephone-events.
 * - Early offer (INVITE with SDP): `negotiate(offer, local)` gives the answer for the 200 OK.
 * - Late offer (INVITE without SDP, RFC 3261 §13.2.1): `createOffer(local)` for the 200 OK, then
 *   `parseAnswer(ack body, local)`. Outbound calls: `createOffer` in the INVITE, `parseAnswer` on the 2xx.
 * - Re-INVITEs: pass the `origin` returned last time as `local.previous`; the version moves per §8.
 * Any SdpError means "488 Not Acceptable Here" to the SIP layer.
 */
import { write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { SdpError } from './errors.js';
import { isTelephoneEvent, parseSdp, pickAudio, type RemoteAudio } from './read.js';
import type { Codec, Direction, LocalMedia, MediaParams, NegotiateResult, OfferResult, SdpOrigin } from './types.js';

const DEFAULT_CODECS: readonly Codec[] = ['PCMU', 'PCMA'];
const STATIC_PT: Record<Codec, number> = { PCMU: 0, PCMA: 8 };
const DEFAULT_TE_PT = 101;
/** DTMF 0-9, *, #, A-D (RFC 4733 §3.2); we neither send nor act on flash (16). */
const TE_EVENTS = '0-15';

const canSend = (d: Direction): boolean => d === 'sendrecv' || d === 'sendonly';
const canRecv = (d: Direction): boolean => d === 'sendrecv' || d === 'recvonly';
function direction(send: boolean, recv: boolean): Direction {
  return send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';
}

/**
 * Our direction given the peer's, as RFC 3264 §6.1 has the answerer reply: sendonly → recvonly,
 * recvonly → sendonly, inactive → inactive, sendrecv → sendrecv; narrowed by what we want ourselves.
 * A peer address of 0.0.0.0 (RFC 3264 §8.4) means the peer will not receive, whatever its attribute says.
 */
function ourDirection(peer: RemoteAudio, wanted: Direction): { direction: Direction; held: boolean } {
  const peerRecv = canRecv(peer.direction) && !peer.nullAddress;
  const peerSend = canSend(peer.direction);
  return { direction: direction(peerRecv && canSend(wanted), peerSend && canRecv(wanted)), held: !peerRecv };
}

/**
 * RFC 4566 §6: a=ptime is the packet time the writer wants to receive. We honour multiples of 10 ms up to
 * 60 ms (within a=maxptime); anything else gets the G.711 default of 20 ms (RFC 3551 §4.5).
 */
function packetTime(ptime: number | undefined, maxptime: number | undefined): number {
  const max = Math.min(60, maxptime ?? 60);
  if (ptime !== undefined && ptime % 10 === 0 && ptime >= 10 && ptime <= max) return ptime;
  return max >= 20 ? 20 : Math.max(10, max - (max % 10));
}

function teWanted(local: LocalMedia): number | undefined {
  if (local.telephoneEvent === false) return undefined;
  return typeof local.telephoneEvent === 'number' ? local.telephoneEvent : DEFAULT_TE_PT;
}

function audioLine(
  local: LocalMedia,
  protocol: string,
  codecs: { codec: Codec; pt: number }[],
  tePt: number | undefined,
  ptime: number,
  dir: Direction,
): MediaDescription {
  const rtp: MediaDescription['rtp'] = codecs.map((c) => ({ payload: c.pt, codec: c.codec, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  const pts = codecs.map((c) => c.pt);
  if (tePt !== undefined) {
    rtp.push({ payload: tePt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: tePt, config: TE_EVENTS });
    pts.push(tePt);
  }
  return { type: 'audio', port: local.port, protocol, payloads: pts.join(' '), rtp, fmtp, ptime, direction: dir };
}

function ipVer(address: string): number {
  return address.includes(':') ? 6 : 4;
}

/** Writes our description and applies the RFC 3264 §8 origin rules against `local.previous`. */
function finish(local: LocalMedia, media: MediaDescription[]): { sdp: string; origin: SdpOrigin } {
  const prev = local.previous;
  const random = local.random ?? Math.random;
  const sessionId = prev?.sessionId ?? String(1 + Math.floor(random() * 0x7fffffff));
  const render = (sessionVersion: number): string => {
    const desc: SessionDescription = {
      version: 0,
      origin: {
        // RFC 4566 §5.2 and §5.3: "-" when there is no user id or session name; a name would tell a
        // stranger which software answers (the SIP side names none either, unless the operator asks).
        username: local.username ?? '-',
        sessionId,
        sessionVersion,
        netType: 'IN',
        ipVer: ipVer(local.address),
        address: local.address,
      },
      name: '-',
      connection: { version: ipVer(local.address), ip: local.address },
      timing: { start: 0, stop: 0 },
      media,
    };
    return write(desc);
  };
  if (!prev) {
    const sdp = render(1);
    return { sdp, origin: { sessionId, sessionVersion: 1, sdp } };
  }
  // "If the version in the origin line does not increment, the SDP MUST be identical" (RFC 3264 §8).
  const same = render(prev.sessionVersion);
  if (same === prev.sdp) return { sdp: same, origin: prev };
  const sessionVersion = prev.sessionVersion + 1;
  const sdp = render(sessionVersion);
  return { sdp, origin: { sessionId, sessionVersion, sdp } };
}

/**
 * Answers an offer (RFC 3264 §6): the first of PCMU/PCMA in the offer's order, telephone-event with the
 * offer's payload type when offered, the offer's ptime, and the mirrored direction. Every other m= line is
 * rejected with port 0 (§6: the answer keeps the same number of m= lines).
 * @throws SdpError `parse`, `no_audio` or `no_codec` — answer 488.
 */
export function negotiate(offerSdp: string, local: LocalMedia): NegotiateResult {
  const desc = parseSdp(offerSdp);
  const { audio, codec } = pickAudio(desc, local.codecs ?? DEFAULT_CODECS);
  // §6.1: answer with the offer's payload type numbers; a single codec keeps the peer from switching mid-call.
  const te = teWanted(local) === undefined ? undefined : audio.formats.find(isTelephoneEvent);
  const ptime = packetTime(audio.ptime, audio.maxptime);
  const { direction: dir, held } = ourDirection(audio, local.direction ?? 'sendrecv');

  const media = desc.media.map((m, i): MediaDescription => {
    if (i === audio.index) return audioLine(local, audio.protocol, [{ codec: codec.name, pt: codec.pt }], te?.pt, ptime, dir);
    // §6: a rejected stream keeps its type, protocol and at least one format, with port 0.
    const first = String(m.payloads ?? '').trim().split(/\s+/)[0] || '0';
    return { type: m.type, port: 0, protocol: m.protocol, payloads: first, rtp: [], fmtp: [] };
  });
  const { sdp, origin } = finish(local, media);
  return {
    answerSdp: sdp,
    origin,
    codec: codec.name,
    payloadType: codec.pt,
    ...(te ? { telephoneEventPt: te.pt } : {}),
    ptime,
    remote: { address: audio.address, port: audio.port, rtcpPort: audio.rtcpPort },
    direction: dir,
    held,
  };
}

/**
 * Our offer (RFC 3264 §5): for a late offer (in the 200 OK to an INVITE without SDP, or a re-INVITE without
 * SDP) and for outbound calls. Static payload types for G.711, telephone-event on `local.telephoneEvent` (101).
 */
export function createOffer(local: LocalMedia): OfferResult {
  const codecs = (local.codecs ?? DEFAULT_CODECS).map((codec) => ({ codec, pt: STATIC_PT[codec] }));
  if (codecs.length === 0) throw new SdpError('no_codec', 'no codec to offer');
  const ptime = packetTime(local.ptime ?? 20, undefined);
  const media = [audioLine(local, 'RTP/AVP', codecs, teWanted(local), ptime, local.direction ?? 'sendrecv')];
  return finish(local, media);
}

/**
 * Reads the answer to our `createOffer` (in the ACK for a late offer, or in the 2xx of an outbound INVITE).
 * The codec is the answer's first one we offered; sending uses the answer's payload type numbers.
 * @throws SdpError — the call cannot go on: send BYE.
 */
export function parseAnswer(answerSdp: string, local: LocalMedia): MediaParams {
  const desc = parseSdp(answerSdp);
  const { audio, codec } = pickAudio(desc, local.codecs ?? DEFAULT_CODECS);
  const te = teWanted(local) === undefined ? undefined : audio.formats.find(isTelephoneEvent);
  const { direction: dir, held } = ourDirection(audio, local.direction ?? 'sendrecv');
  return {
    codec: codec.name,
    payloadType: codec.pt,
    ...(te ? { telephoneEventPt: te.pt } : {}),
    ptime: packetTime(audio.ptime, audio.maxptime),
    remote: { address: audio.address, port: audio.port, rtcpPort: audio.rtcpPort },
    direction: dir,
    held,
  };
}
