import { HooklineError } from '../lib/errors.js';

/**
 * Why a webhook request or its response counts as failed. Every code sends the call to the IVR's
 * failure route (docs/webhook.md "When the webhook fails"); the code is what the webhook log and
 * the metrics group by, the message is what an operator reads.
 */
export type WebhookErrorCode =
  | 'timeout' // no complete answer within the IVR's timeout
  | 'connection' // DNS failure, refused or reset connection (after the one retry)
  | 'http_status' // a non-2xx final status
  | 'too_large' // a response body over 64 KiB
  | 'bad_url' // a target or redirect URL that is not http(s) or does not parse
  | 'policy' // the outbound-request policy refused the address
  | 'redirects' // more than 3 redirects
  | 'xml_parse' // not well-formed XML
  | 'doctype' // a DOCTYPE, refused outright (entity expansion attacks)
  | 'no_action' // empty body, or no `<app>` in `<action>`
  | 'wrong_root' // the root element is not `<action>`
  | 'unknown_app' // `<app>` names no known application
  | 'missing_param' // a required parameter of the app is absent
  | 'bad_param'; // a parameter is present but out of range or malformed

export class WebhookError extends HooklineError {
  declare readonly code: WebhookErrorCode;

  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  /** The text kept in the webhook log's `failure` column. */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}
