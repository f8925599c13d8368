import type { RtpSession } from '../../rtp/session.js';
import type { MediaParams } from '../../sdp/types.js';
import type { MediaChannel } from './media-channel.js';

/** Applies a negotiated SDP outcome to a call's RTP session and media channel (first offer or re-INVITE). */
export function applyMedia(session: RtpSession, media: MediaChannel | undefined, p: MediaParams): void {
  session.update({
    payloadType: p.payloadType,
    ptime: p.ptime,
    direction: p.direction,
    ...(p.telephoneEventPt !== undefined ? { telephoneEventPt: p.telephoneEventPt } : {}),
    // c=0.0.0.0 (RFC 2543 hold) names no address to send to.
    ...(p.remote.address !== '0.0.0.0' ? { remote: { address: p.remote.address, port: p.remote.port, rtcpPort: p.remote.rtcpPort } } : {}),
  });
  media?.setLaw(p.codec === 'PCMU' ? 'ulaw' : 'alaw');
}

/** SIP INFO DTMF: `application/dtmf-relay` (`Signal=5`) or `application/dtmf` (`5`). */
export function infoDigit(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let key: string | undefined;
  if (type === 'application/dtmf-relay') key = /^\s*signal\s*=\s*(\S)/im.exec(body)?.[1];
  else if (type === 'application/dtmf') key = body.trim()[0];
  if (key === undefined) return undefined;
  const k = key.toUpperCase();
  // Some phones send the RFC 4733 event numbers 10 and 11 for * and #.
  if (body.trim().startsWith('10') || /signal\s*=\s*10/i.test(body)) return '*';
  if (body.trim().startsWith('11') || /signal\s*=\s*11/i.test(body)) return '#';
  return /^[0-9*#A-D]$/.test(k) ? k : undefined;
}
