/**
 * A test kit for Administration API operation modules: an in-memory store, a fake clock, keys with
 * chosen scopes, and `request` to call the API as a client would (through hono's fetch, no socket).
 * `authFailures` sends every registered operation a request without a key and one with a key that
 * lacks its scope, so no module can forget either check.
 */
import { Hono } from 'hono';
import { ApiKeys, API_SCOPES, type ApiScope } from '../../admin/keys.js';
import { ConsoleSessions } from '../../admin/sessions.js';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { createSqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/types.js';
import { ADMIN_API_BASE, createAdminApi } from './index.js';
import type { AdminRouter } from './router.js';

export const ENV_KEY = 'test-env-key-0123456789';
export const CONSOLE_PASSWORD = 'console-password-for-tests';

export interface KitContext {
  store: Store;
  clock: FakeClock;
  logger: Logger;
}

export interface AdminTestKit extends KitContext {
  app: Hono;
  router: AdminRouter;
  keys: ApiKeys;
  sessions: ConsoleSessions;
  /** A stored key with exactly these scopes. */
  keyWith(scopes: ApiScope[]): Promise<string>;
  request(method: string, path: string, o?: { key?: string | null; json?: unknown; body?: string | Uint8Array | FormData; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export async function adminTestKit(modules: (ctx: KitContext) => Array<(router: AdminRouter) => void> = () => [], opts: { store?: Store; clock?: FakeClock; logger?: Logger } = {}): Promise<AdminTestKit> {
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 11, 6, 12, 0, 0));
  const store = opts.store ?? (await createSqliteStore(':memory:', { clock }));
  const logger = opts.logger ?? silentLogger;
  const keys = new ApiKeys(store.apiKeys, ENV_KEY, clock);
  const sessions = new ConsoleSessions(store.sessions, CONSOLE_PASSWORD, clock);
  const { app: api, router } = createAdminApi({ keys, sessions, logger, clock, version: 'test', modules: modules({ store, clock, logger }) });
  const app = new Hono();
  app.route(ADMIN_API_BASE, api);
  return {
    app,
    router,
    store,
    clock,
    logger,
    keys,
    sessions,
    keyWith: async (scopes) => (await keys.create(`test ${scopes.join('+')}`, scopes)).key,
    request: async (method, path, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? ENV_KEY : o.key;
      if (key !== null) headers['Authorization'] = `Bearer ${key}`;
      let body = o.body;
      if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers['Content-Type'] ??= 'application/json';
      }
      return app.request(ADMIN_API_BASE + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    close: () => store.close(),
  };
}

/** Every operation must answer 401 without a key and 403 with a key lacking its scope. Returns the misfits. */
export async function authFailures(kit: AdminTestKit): Promise<string[]> {
  const bad: string[] = [];
  for (const op of kit.router.operations) {
    const path = op.path.replace(/\{[^}]+\}/g, '1');
    const json = op.body && 'schema' in op.body ? {} : undefined;
    const none = await kit.request(op.method.toUpperCase(), path, { key: null, ...(json ? { json } : {}) });
    if (none.status !== 401 || !(none.headers.get('Content-Type') ?? '').startsWith('application/problem+json')) bad.push(`${op.id}: no key gave ${none.status}`);
    // Past the failed-authentication limit's window, so that the next operation's refusal is a 401 again.
    kit.clock.advance(60_000);
    const others = API_SCOPES.filter((s) => s !== op.scope);
    const wrong = await kit.request(op.method.toUpperCase(), path, { key: await kit.keyWith(others), ...(json ? { json } : {}) });
    if (wrong.status !== 403) bad.push(`${op.id}: a key without ${op.scope} gave ${wrong.status}`);
  }
  return bad;
}
