/**
 * The legacy Call Initiation form: `GET|POST /click_to_xyz.php` with `app` and `key`
 * (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by § §0, §1, §5.0), answered in plain text.
 */
import type { Context } from 'hono';
import { formCredentials, formCredentialsValid, type KeyCheck } from './auth.js';
import { errorText, InitiateError, outcomeText, RESTARTING_TEXT } from './initiate-errors.js';
import { LEGACY_APPS, parseFormRequest, type Fields } from './initiate-form.js';
import { readFields, refusedAsUnavailable, refusedWhileDraining, runInitiation, type InitiationDeps } from './initiate-http.js';
import type { InitiateRequest, InitiateResult } from './initiate-types.js';

export const CLICK_TO_XYZ_PATH = '/click_to_xyz.php';

/**
 * Responses "are generally strings of text" (§5.0). HTTP 200: the original's status codes did not
 * survive, and a script that reads the body with PHP's file_get_contents gets nothing at all on a 4xx,
 * so the text is the status, as it was. The one exception is 503 (a restart, or a node that takes no
 * new call), the status a retrying script is told to come back on.
 */
export function plainText(c: Context, body: string, status: 200 | 503 = 200): Response {
  return c.text(body, status);
}

/** The text for an attempted call: "Call Connected." or hookline's Call Not Connected texts. */
export function resultText(r: InitiateResult | undefined): string {
  return outcomeText(r?.outcome ?? 'failed');
}

/** Auth, then parse, for the legacy form; throws InitiateError in the order the checks run. */
export async function parseLegacyRequest(f: Fields, authorize: KeyCheck): Promise<InitiateRequest> {
  const app = f.get('app')?.trim().toLowerCase();
  // "Missing Application Specification" if you forget to include the "app" parameter (§5.0).
  if (!app) throw new InitiateError('missing_app', 'missing app');
  const kind = LEGACY_APPS.get(app);
  if (kind === undefined) throw new InitiateError('unknown_app', `unknown app ${app}`, 'app');
  // `key` (Public key), or the Access key pair on "hidden & secured pages" (§5.0 item 4, §5.3).
  if (!(await formCredentialsValid(authorize, formCredentials(f, ['key'])))) {
    throw new InitiateError('unauthorized', 'missing or wrong key', 'key');
  }
  return parseFormRequest(kind, f, 'click_to_xyz');
}

export function clickToXyzHandler(deps: InitiationDeps) {
  return async (c: Context): Promise<Response> => {
    if (refusedWhileDraining(c, deps)) return plainText(c, RESTARTING_TEXT, 503);
    const fields = await readFields(c, deps.logger);
    let req: InitiateRequest;
    try {
      req = await parseLegacyRequest(fields, deps.authorize);
    } catch (e) {
      if (!(e instanceof InitiateError)) throw e;
      deps.logger.info({ source: 'click_to_xyz', code: e.code, param: e.param }, 'call initiation refused');
      return plainText(c, errorText(e));
    }
    const r = await runInitiation(deps, req);
    return plainText(c, resultText(r), refusedAsUnavailable(c, r) ? 503 : 200);
  };
}
