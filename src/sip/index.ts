/** hookline's SIP stack (RFC 3261): knows nothing of IVRs. */
export { SipError, type PartialMessage, type SipErrorCode } from './errors.js';
export { SipRequest, SipResponse, isRequest, type HeaderField, type HeaderInit, type SipMessage } from './message.js';
export { parseMessage, type ParseOptions } from './parse.js';
export { serialize } from './serialize.js';
export { canonicalName, splitList, parseParams, quote, type Params } from './headers.js';
export {
  formatNameAddr,
  formatVia,
  parseCSeq,
  parseNameAddr,
  parseVia,
  tagOf,
  viaBranch,
  viaSentBy,
  type CSeq,
  type ContactValue,
  type NameAddr,
  type Via,
} from './header-values.js';
export {
  formatUri,
  isSipUri,
  parseSipUri,
  parseUri,
  unescapeUriPart,
  uriTarget,
  type AbsoluteUri,
  type SipUri,
  type Uri,
} from './uri.js';
export {
  MAGIC_COOKIE,
  createCancel,
  createNon2xxAck,
  createRequest,
  createResponse,
  newBranch,
  randomToken,
  reasonPhrase,
  type RequestInit,
  type ResponseOptions,
} from './builders.js';
export { DEFAULT_TIMERS, type SipTimerConfig } from './timers.js';
export {
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ClientTransaction,
  type ClientTransactionHandlers,
  type InviteClientState,
  type NonInviteClientState,
  type TransactionEnv,
} from './transaction-client.js';
export {
  InviteServerTransaction,
  NonInviteServerTransaction,
  type InviteServerState,
  type NonInviteServerState,
  type ServerTransaction,
  type ServerTransactionEnv,
} from './transaction-server.js';
export { Retransmitter2xx, type Retransmit2xxOptions } from './retransmit-2xx.js';
export type { Destination, ReceiveQueue, RemoteInfo, Transport, TransportProtocol } from './transport.js';
export { createUdpTransport } from './transport-udp.js';
export { createTcpTransport } from './transport-tcp.js';
export { nextHop } from './routing.js';
export {
  SipEndpoint,
  createSipEndpoint,
  type AckHandler,
  type OutgoingRequest,
  type RequestHandler,
  type SipEndpointCoreOptions,
  type SipEndpointOptions,
} from './endpoint.js';
export { Dialog, type DialogState, type InDialogRequestOptions, type RequestCheck } from './dialog.js';
export { MemoryTransport, type SentMessage } from './memory-transport.js';
export * from './digest.js';
export * from './digest-server.js';
export * from './auth-client.js';
export { Registration, type RegistrationOptions, type RegistrationState } from './register.js';
export {
  DEFAULT_CALL_RATE,
  DEFAULT_GUARD_LIMITS,
  DEFAULT_MESSAGE_RATE,
  DEFAULT_TCP_LIMITS,
  REFUSAL_ANSWERS,
  SipGuard,
  startsDialog,
  type GuardLimits,
  type RefusalAction,
  type RefusalReason,
  type SipGuardOptions,
  type TcpLimits,
  type Verdict,
} from './guard.js';
export { SCANNER_AGENTS, scannerName } from './scanners.js';
