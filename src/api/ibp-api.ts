/**
 * The newer Call Initiation form: `GET|POST /ibp_api.php?action=clickto.call|findme|vr|survo`
 * (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by § §5.1, §5.2, §5.3b, §5.4b, §5.7), same parameters as the legacy
 * form with `action` in place of `app`.
 *
 * The response format follows the credentials (§5.6: "Some arguments and the response format vary
 * depending on the request type used"):
 * - client side, Public key (`public_key`, or `key` as §5.3b names it): plain text, "Call Connected"
 *   (§5.7 "The client-side response is "Call Connected" in text format");
 * - server side, `access_key` + `secret_access_key`: XML with `<result>` and, on failure,
 *   `<result_description>`, which is what the PHP client reads from ibp_api.php (§0, PHP
 *   Request.php `_processResult`: `$xml->result == 'failed'` → `$xml->result_description`).
 */
import type { Context, Next } from 'hono';
import { formCredentials, formCredentialsValid, type FormCredentials, type KeyCheck } from './auth.js';
import { plainText, resultText } from './click-to-xyz.js';
import { errorText, InitiateError, outcomeText, RESTARTING_TEXT } from './initiate-errors.js';
import { parseFormRequest, type Fields } from './initiate-form.js';
import { readFields, refusedAsUnavailable, refusedWhileDraining, runInitiation, type InitiationDeps } from './initiate-http.js';
import type { InitiateKind, InitiateRequest, InitiateResult } from './initiate-types.js';

export const IBP_API_PATH = '/ibp_api.php';

/** Public key names on ibp_api.php: `public_key` (§5.7), `key` (§5.3b). */
const PUBLIC_KEY_NAMES = ['public_key', 'key'] as const;

/** `clickto.findme` serves both Find Me and Find Me List: the list doc "Only accepts clickto.findme" (§5.3b). */
function actionKind(action: string, f: Fields): InitiateKind {
  switch (action) {
    case 'clickto.call':
      return 'call'; // §5.1
    case 'clickto.findme':
      return f.get('list') !== undefined ? 'findme_list' : 'findme'; // §5.2, §5.3b
    case 'clickto.vr':
      return 'vr'; // §5.4b
    case 'clickto.survo':
      return 'ivr'; // §5.7
    case 'clickto.agent':
      // Click-to-Agent dials a Call Distributor agent (§5.8); hookline has no Call Distributor.
      throw new InitiateError('not_supported', 'Click-to-Agent', 'action');
    default:
      throw new InitiateError('unknown_app', `unknown action ${action}`, 'action');
  }
}

/** Auth, then parse; throws InitiateError. `action` is lower-cased and known to be present. */
export async function parseIbpRequest(action: string, f: Fields, creds: FormCredentials, authorize: KeyCheck): Promise<InitiateRequest> {
  const kind = actionKind(action, f);
  if (!(await formCredentialsValid(authorize, creds))) throw new InitiateError('unauthorized', 'missing or wrong key', 'access_key');
  return parseFormRequest(kind, f, 'ibp_api');
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The server-side XML answer. The root element's name did not survive (the PHP client reads the
 * children of whatever the root is), so hookline names it `<response>`. `<sid>` carries the call's
 * session id, under the name the original uses for it elsewhere (`sid` in report.call_detail and
 * recording.download, §2).
 */
export function ibpXml(result: 'success' | 'failed', description: string, sessionId?: string): string {
  const sid = sessionId === undefined ? '' : `<sid>${escapeXml(sessionId)}</sid>`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<response><result>${result}</result><result_description>${escapeXml(description)}</result_description>${sid}</response>`
  );
}

export function ibpResultXml(r: InitiateResult | undefined): string {
  const outcome = r?.outcome ?? 'failed';
  // The initiator's reason rides along: result_description is what the PHP client puts in its exception.
  const description = r?.reason && outcome !== 'connected' ? `${outcomeText(outcome)} (${r.reason})` : outcomeText(outcome);
  return ibpXml(outcome === 'connected' ? 'success' : 'failed', description, r?.sessionId);
}

function xmlResponse(c: Context, body: string, status: 200 | 503 = 200): Response {
  // HTTP 200 whatever the result, but for 503: the result element is the status (see plainText in click-to-xyz.ts).
  return c.body(body, status, { 'Content-Type': 'text/xml; charset=utf-8' });
}

export interface IbpApiOptions {
  /**
   * Pass requests whose action is not `clickto.*` on to the next handler of the path (the
   * Administration API, §2, when one is mounted after this app). Otherwise they are answered as an
   * unknown action.
   */
  passOtherActions?: boolean;
}

export function ibpApiHandler(deps: InitiationDeps, opts: IbpApiOptions = {}) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const fields = await readFields(c, deps.logger);
    const action = fields.get('action')?.trim().toLowerCase() ?? '';
    if (opts.passOtherActions && !action.startsWith('clickto.')) return next();
    const creds = formCredentials(fields, PUBLIC_KEY_NAMES);
    const xml = creds.form !== 'public';
    if (refusedWhileDraining(c, deps)) {
      return xml ? xmlResponse(c, ibpXml('failed', RESTARTING_TEXT), 503) : plainText(c, RESTARTING_TEXT, 503);
    }
    let req: InitiateRequest;
    try {
      if (action === '') throw new InitiateError('missing_app', 'missing action', 'action');
      req = await parseIbpRequest(action, fields, creds, deps.authorize);
    } catch (e) {
      if (!(e instanceof InitiateError)) throw e;
      deps.logger.info({ source: 'ibp_api', code: e.code, param: e.param }, 'call initiation refused');
      return xml ? xmlResponse(c, ibpXml('failed', errorText(e))) : plainText(c, errorText(e));
    }
    const r = await runInitiation(deps, req);
    const status = refusedAsUnavailable(c, r) ? 503 : 200;
    return xml ? xmlResponse(c, ibpResultXml(r), status) : plainText(c, resultText(r), status);
  };
}
