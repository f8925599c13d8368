import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleSessions } from '../admin/sessions.js';
import { silentLogger } from '../lib/logger.js';
import { consoleRoutes, CONTENT_SECURITY_POLICY } from './console.js';
import { adminTestKit, CONSOLE_PASSWORD, type AdminTestKit } from './admin/testing.js';
import { ADMIN_API_BASE } from './admin/paths.js';

const INDEX = '<!doctype html><title>hookline</title><script type="module" src="/assets/index-abc123.js"></script>';

async function builtConsole(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hookline-console-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), INDEX);
  await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

/** The server as serve.ts mounts it: the Administration API, then the console at `/`. */
function mount(kit: AdminTestKit, sessions: ConsoleSessions, assetsDir: string, consoleFirst = false): Hono {
  const app = new Hono();
  const ui = consoleRoutes({ sessions, assetsDir, logger: silentLogger, clientAddress: (c) => c.req.header('X-Test-Client') ?? 'a' });
  if (consoleFirst) app.route('/', ui);
  app.route('/', kit.app);
  if (!consoleFirst) app.route('/', ui);
  return app;
}

function cookieOf(res: Response): string {
  const set = res.headers.get('Set-Cookie') ?? '';
  return set.split(';')[0] ?? '';
}

async function login(app: Hono, headers: Record<string, string> = {}, password = CONSOLE_PASSWORD): Promise<Response> {
  return app.request('/console/login', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ user: 'admin', password }) });
}

describe('console routes', () => {
  let kit: AdminTestKit;
  let dir: string;
  let app: Hono;
  beforeEach(async () => {
    kit = await adminTestKit();
    dir = await builtConsole();
    app = mount(kit, kit.sessions, dir);
  });
  afterEach(() => kit.close());

  it('serves the page for every console route, with headers that forbid inline script and framing', async () => {
    for (const p of ['/', '/ivrs/10', '/calls/abc']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('Cache-Control')).toBe('no-cache');
    }
    const res = await app.request('/');
    expect(res.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    expect(res.headers.get('Content-Security-Policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('X-Frame-Options')).toBe('DENY');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('serves hashed assets for a year, and a missing one is a 404, not the page', async () => {
    const res = await app.request('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('Content-Type')).toMatch(/javascript/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(await res.text()).toBe('console.log(1)');
    expect((await app.request('/assets/nope.js')).status).toBe(404);
    expect((await app.request('/assets/../index.html')).status).toBe(404);
  });

  it('answers unknown API paths with a 404, not the page, in either mounting order', async () => {
    expect((await app.request(`${ADMIN_API_BASE}/nope`)).status).toBe(404);
    const first = mount(kit, kit.sessions, dir, true);
    expect((await first.request(`${ADMIN_API_BASE}/nope`)).status).toBe(404);
    const keys = await first.request(`${ADMIN_API_BASE}/keys`, { headers: { Authorization: 'Bearer test-env-key-0123456789' } });
    expect(keys.status).toBe(200);
    expect((await first.request('/ivrs')).status).toBe(200);
  });

  it('logs in with a cookie no script can read, and the session works the API with its CSRF token', async () => {
    expect((await app.request('/console/session')).status).toBe(401);
    const res = await login(app);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: string; csrf_token: string };
    expect(body.user).toBe('admin');
    const set = res.headers.get('Set-Cookie') ?? '';
    expect(set).toMatch(/^hookline_session=[A-Za-z0-9_-]{43};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).not.toContain('Secure');
    const cookie = cookieOf(res);

    const session = await app.request('/console/session', { headers: { Cookie: cookie } });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { csrf_token: string }).csrf_token).toBe(body.csrf_token);

    expect((await app.request(`${ADMIN_API_BASE}/keys`, { headers: { Cookie: cookie } })).status).toBe(200);
    const make = (headers: Record<string, string>) =>
      app.request(`${ADMIN_API_BASE}/keys`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ name: 'x', scopes: ['read'] }) });
    expect((await make({})).status).toBe(403);
    expect((await make({ 'X-CSRF-Token': 'wrong' })).status).toBe(403);
    expect((await make({ 'X-CSRF-Token': body.csrf_token })).status).toBe(201);
  });

  it('marks the cookie Secure when the request came over https through a proxy', async () => {
    const res = await login(app, { 'X-Forwarded-Proto': 'https' });
    expect(res.headers.get('Set-Cookie')).toContain('Secure');
  });

  it('refuses a wrong password, then rate-limits the client after 5 with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await login(app, {}, 'wrong-password');
      expect(res.status).toBe(401);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    }
    const limited = await login(app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(800);
    // Another client is not blocked by the first one's failures.
    expect((await login(app, { 'X-Test-Client': 'b' })).status).toBe(200);
  });

  it('accepts a plain HTML form and lands on the console', async () => {
    const res = await app.request('/console/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user: 'admin', password: CONSOLE_PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/');
    expect(res.headers.get('Set-Cookie')).toContain('hookline_session=');
  });

  it('refuses a login body without the fields, or in another encoding', async () => {
    const missing = await app.request('/console/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"user":"admin"}' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe('password');
    expect((await app.request('/console/login', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status).toBe(415);
  });

  it('logs out only with the CSRF token, and the cookie then opens nothing', async () => {
    const res = await login(app);
    const cookie = cookieOf(res);
    const { csrf_token } = (await res.json()) as { csrf_token: string };
    expect((await app.request('/console/logout', { method: 'POST', headers: { Cookie: cookie } })).status).toBe(403);
    const out = await app.request('/console/logout', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf_token } });
    expect(out.status).toBe(204);
    expect(out.headers.get('Set-Cookie')).toMatch(/hookline_session=;.*Max-Age=0/);
    expect((await app.request('/console/session', { headers: { Cookie: cookie } })).status).toBe(401);
    expect((await app.request(`${ADMIN_API_BASE}/keys`, { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('without HOOKLINE_ADMIN_PASSWORD says how to turn the login on', async () => {
    const off = mount(kit, new ConsoleSessions(kit.store.sessions, undefined, kit.clock), dir);
    const session = await off.request('/console/session');
    expect(session.status).toBe(401);
    const body = (await session.json()) as { login_enabled: boolean; detail: string };
    expect(body.login_enabled).toBe(false);
    expect(body.detail).toContain('HOOKLINE_ADMIN_PASSWORD');
    expect((await login(off)).status).toBe(503);
    // With a password the same endpoint says a login form is wanted.
    expect(((await (await app.request('/console/session')).json()) as { login_enabled: boolean }).login_enabled).toBe(true);
  });

  it('says how to build the console when it is not built', async () => {
    const bare = mount(kit, kit.sessions, path.join(dir, 'missing'));
    const res = await bare.request('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});
