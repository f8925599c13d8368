export { SdpError, type SdpErrorCode } from './errors.js';
export { negotiate, createOffer, parseAnswer } from './negotiate.js';
export type { Codec, Direction, LocalMedia, MediaParams, NegotiateResult, OfferResult, RemoteEndpoint, SdpOrigin } from './types.js';
