/** The webhook layer's public surface (docs/webhook.md). */
export type { Action, ActionCommon, AppName, DynamicFindMe } from './action.js';
export { WebhookError, type WebhookErrorCode } from './errors.js';
export {
  AUTOMATIC_PARAMS,
  SOURCETRAK_PARAMS,
  buildIvrParams,
  formatTimestamp,
  isReservedParamName,
  type IvrWebhookInput,
} from './params.js';
export { encodeRequest, formEncode, pathAndQuery, type EncodedRequest, type WebhookMethod } from './encode.js';
export { SIGNATURE_HEADER, signatureHeader, verifySignature, type VerifyOptions } from './sign.js';
export { parseNextAction, type ParsedAction } from './response.js';
export { MAX_BODY_BYTES } from './xml.js';
export { htmlToText } from './html.js';
export { formatPassThrough, parsePassThrough } from './passthrough.js';
export { isPublicAddress, type NetworkPolicy } from './policy.js';
export {
  deliver,
  DEFAULT_MAX_REDIRECTS,
  type AttemptInfo,
  type AttemptOutcome,
  type DeliveryObserver,
  type DeliveryOptions,
  type DeliveryRequest,
  type DeliveryResult,
} from './client.js';
export { deliverLogged, type LogContext, type LoggedDeliveryResult } from './log.js';
export { MemoryWebhookLog } from './memory-log.js';
