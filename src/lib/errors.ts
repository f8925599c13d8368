/**
 * Base for the one error class each layer has (ConfigError, WebhookError, StoreError, SipError, ...):
 * a stable machine-readable `code`, a human message, and the underlying cause when there is one.
 */
export class HooklineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
