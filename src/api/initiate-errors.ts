/**
 * Why a Call Initiation request was not carried out, and the words each form answers with.
 * References are to docs/call-initiation.md, whose "Sources" appendix lists the original's pages by §.
 */
import { HooklineError } from '../lib/errors.js';
import type { InitiateOutcome } from './initiate-types.js';

export type InitiateErrorCode =
  /** No `app` (legacy form) or no `action` (ibp_api.php). */
  | 'missing_app'
  /** An `app` or `clickto.*` action that names no product. */
  | 'unknown_app'
  /** No credentials, or credentials that do not match the configured key. */
  | 'unauthorized'
  | 'missing_parameter'
  | 'invalid_parameter'
  /** A documented feature hookline does not implement (voice broadcast scheduling, Click-to-Agent). */
  | 'not_supported';

/** The api layer's error: a code, the offending parameter when there is one, and a message. */
export class InitiateError extends HooklineError {
  constructor(
    override readonly code: InitiateErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(code, message);
  }
}

export function missingParameter(name: string): InitiateError {
  return new InitiateError('missing_parameter', `missing required parameter ${name}`, name);
}

export function invalidParameter(name: string, why: string): InitiateError {
  return new InitiateError('invalid_parameter', `invalid ${name}: ${why}`, name);
}

/**
 * The original's own response texts. These three are every text of it that survives (§5.0 "Click-To
 * Smart Forms overview", "Responses"):
 * - "Call Connected." — "received immediately after the first leg of the call connects, regardless of
 *   whether the second call leg connects" (§5.0; also §5.7 "The client-side response is "Call Connected"").
 * - "Missing Application Specification" — "if you forget to include the "app" parameter" (§5.0).
 * - "The link you clicked to reach here was invalid" — the excerpt is cut after "fol[lowed by]" in
 *   every surviving copy (§5.0), so its tail and its exact cases are unknown. Hookline answers it when
 *   the request itself is not a valid link: an unknown `app`/action or a wrong or missing key.
 */
export const ORIGINAL_TEXT = {
  connected: 'Call Connected.',
  missingApp: 'Missing Application Specification',
  invalidLink: 'The link you clicked to reach here was invalid',
} as const;

/**
 * Hookline's own texts for the cases no surviving page words (§9 "GAPS"; §5.0 is truncated). They
 * follow the original's style (a short sentence, Title Case) so a customer's script that shows the
 * text to a visitor still reads well, and they never begin with "Call Connected".
 */
export const HOOKLINE_TEXT: Record<Exclude<InitiateOutcome, 'connected'>, string> = {
  busy: 'Call Not Connected: Busy.',
  no_answer: 'Call Not Connected: No Answer.',
  failed: 'Call Not Connected: Failed.',
  refused: 'Call Not Connected: Refused.',
  unavailable: 'Call Not Connected: Service Unavailable.',
};

/** The answer while the server shuts down (HTTP 503 with Retry-After: a client that retries reaches the restarted one). */
export const RESTARTING_TEXT = 'Call Not Connected: Service Restarting.';

/** The plain-text answer of the legacy and client-side forms to an error (see the tables above). */
export function errorText(e: InitiateError): string {
  switch (e.code) {
    case 'missing_app':
      return ORIGINAL_TEXT.missingApp;
    case 'unknown_app':
    case 'unauthorized':
      return ORIGINAL_TEXT.invalidLink;
    case 'missing_parameter':
      return `Missing Required Parameter: ${e.param ?? ''}`;
    case 'invalid_parameter':
      return `Invalid Parameter: ${e.param ?? ''}`;
    case 'not_supported':
      return `Not Supported: ${e.message}`;
  }
}

/** The plain-text answer to a call that was attempted. */
export function outcomeText(outcome: InitiateOutcome): string {
  return outcome === 'connected' ? ORIGINAL_TEXT.connected : HOOKLINE_TEXT[outcome];
}
