import { ApiKeys } from '../../admin/keys.js';
import { ConsoleSessions } from '../../admin/sessions.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { VERSION } from '../../version.js';
import { ADMIN_API_TAGS, createAdminApi } from './index.js';
import { adminModules, inertDeps } from './modules.js';
import { openApiDocument } from './openapi.js';
import { openApiMarkdown } from './openapi-markdown.js';

/** The OpenAPI document of every operation hookline serves, without a server. */
export function adminOpenApi(): Record<string, unknown> {
  const never = new Proxy({}, { get: () => { throw new Error('not for documentation'); } }) as never;
  const { router } = createAdminApi({ keys: new ApiKeys(never, undefined, systemClock), sessions: new ConsoleSessions(never, undefined, systemClock), logger: silentLogger, version: VERSION, modules: adminModules(inertDeps()) });
  // The version is left out of the reference so that a release does not change the docs.
  return openApiDocument(router.operations, { version: 'current', tags: ADMIN_API_TAGS });
}

/** docs/admin-api.md. */
export function adminApiMarkdown(): string {
  return openApiMarkdown(adminOpenApi());
}
