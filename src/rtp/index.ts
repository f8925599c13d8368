export { RtpError, type RtpErrorCode } from './errors.js';
export { parseRtp, writeRtp, serializeRtp, rtpHeaderSize, looksLikeRtcp, seqDelta, type RtpHeader, type RtpPacket, type RtpExtension } from './packet.js';
export {
  TelephoneEventReceiver,
  digitPackets,
  parseTelephoneEvent,
  encodeTelephoneEvent,
  digitToEvent,
  eventToDigit,
  type TelephoneEvent,
  type DigitInfo,
  type EventPacket,
  type TelephoneEventReceiverOptions,
  type DigitPacketOptions,
} from './rfc4733.js';
export { buildRtcp, parseRtcp, ntpTime, ntpMiddle, type RtcpPacket, type ReportBlock, type SenderReport, type ReceiverReport } from './rtcp.js';
export { ReceptionStats } from './stats.js';
export { PortAllocator } from './ports.js';
export { RtpSession, type RtpSessionOptions, type RtpMediaParams, type RtpRemote, type RtpDirection, type RtpStats, type RtpSessionEvents } from './session.js';
