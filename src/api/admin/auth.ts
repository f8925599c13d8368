import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AdminError } from '../../admin/errors.js';
import type { ApiKeys } from '../../admin/keys.js';
import type { ConsoleSessions } from '../../admin/sessions.js';
import { bearerToken } from '../auth.js';
import type { Authenticator } from './router.js';

export const SESSION_COOKIE = 'hookline_session';
export const CSRF_HEADER = 'X-CSRF-Token';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who a request comes from: a bearer key (scripts, integrations) or the console's session cookie.
 * A cookie is sent by the browser whoever made the page, so with a cookie every change must also carry
 * the session's CSRF token in a header, which only our own script can read and set.
 */
export function adminAuthenticator(keys: ApiKeys, sessions: ConsoleSessions): Authenticator {
  return async (c: Context) => {
    const header = c.req.header('Authorization');
    if (header !== undefined) return keys.authenticate(bearerToken(header));
    const session = await sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!session) return undefined;
    if (!SAFE.has(c.req.method) && c.req.header(CSRF_HEADER) !== session.csrf) {
      throw new AdminError('forbidden', `a console change needs the ${CSRF_HEADER} header of the session (reload the page)`);
    }
    return session.principal;
  };
}
