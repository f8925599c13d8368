/**
 * The web console: the built single-page app (dist/console, made by `npm run build` from console/)
 * at `/`, and its login. The console is an ordinary client of the Administration API; the only
 * thing it has of its own is the session, a cookie that the browser sends by itself (HttpOnly, so no
 * script reads it; SameSite=Strict, so no other site's page sends it), plus a CSRF token that the
 * console's script sends back in a header on every change (see admin/auth.ts).
 *
 * Every response carries a Content-Security-Policy that allows only our own files (no inline script,
 * no framing), so text from the configuration or a webhook shown on a page can never run as code.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { z } from 'zod';
import { AdminError } from '../admin/errors.js';
import { CONSOLE_USER, type ConsoleSessions } from '../admin/sessions.js';
import type { Logger } from '../lib/logger.js';
import { CSRF_HEADER, SESSION_COOKIE } from './admin/auth.js';
import { ADMIN_API_BASE } from './admin/paths.js';
import { problem, problemBody, problemFromError } from './admin/problem.js';

/** Where `npm run build` puts the console, from this file in src/api or dist/api. */
export const DEFAULT_CONSOLE_DIR = path.resolve(import.meta.dirname, '../../dist/console');

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleRoutesOptions {
  sessions: ConsoleSessions;
  /** The built console; default dist/console of this package. */
  assetsDir?: string;
  logger: Logger;
  /**
   * The address failed logins are counted against. Default: the connection's peer address. Behind a
   * reverse proxy every client has the proxy's address; a deployment that trusts its proxy may pass
   * a function reading X-Forwarded-For instead (the overall limit applies either way).
   */
  clientAddress?: (c: Context) => string;
}

const loginBody = z.object({ user: z.string().max(200), password: z.string().max(1000) });

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}

function overHttps(c: Context): boolean {
  const forwarded = c.req.header('X-Forwarded-Proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:';
}

async function readLogin(c: Context): Promise<{ user: string; password: string; form: boolean }> {
  const type = c.req.header('Content-Type') ?? '';
  let raw: unknown;
  let form = false;
  if (/^application\/(.+\+)?json\b/i.test(type)) {
    try {
      raw = await c.req.json();
    } catch {
      throw new AdminError('bad_request', 'the body is not valid JSON');
    }
  } else if (/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    const body = await c.req.parseBody();
    raw = { user: body['user'], password: body['password'] };
    form = true;
  } else {
    throw new AdminError('unsupported_media', 'send user and password as JSON or as a form');
  }
  const parsed = loginBody.safeParse(raw);
  if (!parsed.success) {
    throw new AdminError('bad_request', 'send user and password', {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: 'required: text' })),
    });
  }
  return { ...parsed.data, form };
}

/** The headers every console response carries. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

function secure(c: Context): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
}

/**
 * Paths the console never answers with its page: the APIs and the server's own endpoints, so a
 * mistyped API URL gets a 404 rather than HTML.
 */
const NOT_PAGES = [`${ADMIN_API_BASE}/`, '/console/', '/assets/', '/demo/', '/healthz', '/metrics'];

export function consoleRoutes(o: ConsoleRoutesOptions): Hono {
  const dir = o.assetsDir ?? DEFAULT_CONSOLE_DIR;
  const clientOf = o.clientAddress ?? peerAddress;
  const app = new Hono();

  // Headers are set route by route, not by a `use('*')`: mounted at `/`, that would also run for the API's routes.
  // 401 either way; `login_enabled` tells the console whether to show the login form or how to enable it.
  app.get('/console/session', async (c) => {
    secure(c);
    c.header('Cache-Control', 'no-store');
    const session = await o.sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!session) {
      const body = o.sessions.enabled
        ? problemBody('unauthorized', 'not logged in')
        : problemBody('unauthorized', 'the console login is off: set HOOKLINE_ADMIN_PASSWORD (at least 8 characters) and restart hookline');
      return c.body(JSON.stringify({ ...body, login_enabled: o.sessions.enabled }), 401, { 'Content-Type': 'application/problem+json' });
    }
    return c.json({ user: session.principal.name, csrf_token: session.csrf, expires_at: session.expiresAt.toISOString() });
  });

  app.post('/console/login', async (c) => {
    secure(c);
    c.header('Cache-Control', 'no-store');
    try {
      const { user, password, form } = await readLogin(c);
      const s = await o.sessions.login(user, password, clientOf(c));
      setCookie(c, SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: 'Strict',
        secure: overHttps(c),
        path: '/',
        expires: s.expiresAt,
      });
      o.logger.info({ user }, 'console: logged in');
      // A plain HTML form (no script) lands on the console; the console's own login reads the JSON.
      if (form) return c.redirect('/', 303);
      return c.json({ user: CONSOLE_USER, csrf_token: s.csrf, expires_at: s.expiresAt.toISOString() });
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      if (err.code === 'rate_limited') {
        const seconds = /in ([0-9]+) s/.exec(err.message)?.[1];
        c.header('Retry-After', seconds ?? '900');
        o.logger.warn({ client: clientOf(c) }, 'console: login refused, too many failures');
      } else if (err.code === 'unauthorized') {
        o.logger.warn({ client: clientOf(c) }, 'console: wrong user name or password');
      }
      return problemFromError(c, err);
    }
  });

  app.post('/console/logout', async (c) => {
    secure(c);
    c.header('Cache-Control', 'no-store');
    const token = getCookie(c, SESSION_COOKIE);
    const session = await o.sessions.verify(token);
    // The CSRF header proves the request came from the console's own script, not another site's form.
    if (session && c.req.header(CSRF_HEADER) !== session.csrf) return problem(c, 'forbidden', `logging out needs the ${CSRF_HEADER} header of the session`);
    await o.sessions.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: overHttps(c), httpOnly: true, sameSite: 'Strict' });
    return c.body(null, 204);
  });

  // Vite names every asset by its content's hash: a changed file is a new name, so a browser may keep each for ever.
  // (serveStatic's onFound runs after the response is made, so the headers go on afterwards.)
  const files = (cache: string) => {
    const serve = serveStatic({ root: dir });
    return async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
      const res = await serve(c, async () => undefined);
      if (!res) return next();
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.headers.set(name, value);
      res.headers.set('Cache-Control', res.status === 200 || res.status === 206 ? cache : 'no-store');
      return res;
    };
  };
  app.get('/assets/*', files('public, max-age=31536000, immutable'));
  app.get('/favicon.svg', files('public, max-age=86400'));

  // Other paths pass on (`next`), so the routes work whatever order the server mounts them in.
  app.get('*', async (c, next) => {
    const p = c.req.path;
    if (NOT_PAGES.some((prefix) => p.startsWith(prefix)) || p === ADMIN_API_BASE || /\.[a-z0-9]+$/i.test(p)) return next();
    secure(c);
    let html: string;
    try {
      html = await readFile(path.join(dir, 'index.html'), 'utf8');
    } catch {
      return c.text(`The console is not built (no ${path.join(dir, 'index.html')}): run npm run build.\n`, 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  });

  return app;
}
