/**
 * The Administration API under /api/v1: every operation module registers on one AdminRouter, whose
 * operations also make the OpenAPI document at /api/v1/openapi.json (public: it holds no data).
 */
import { Hono } from 'hono';
import type { ApiKeys } from '../../admin/keys.js';
import type { ConsoleSessions } from '../../admin/sessions.js';
import type { Logger } from '../../lib/logger.js';
import type { Clock } from '../../lib/clock.js';
import { adminAuthenticator } from './auth.js';
import { registerKeyRoutes } from './keys-routes.js';
import { openApiDocument } from './openapi.js';
import { AdminRouter } from './router.js';

export { ADMIN_API_BASE } from './paths.js';

export const ADMIN_API_TAGS = [
  { name: 'ivrs', description: 'IVRs: questions and the IVR Web Hook, in the flows file\'s `ivrs` shape' },
  { name: 'findmes', description: 'Find Mes, in the flows file\'s `findmes` shape' },
  { name: 'vrs', description: 'Virtual Receptionists, in the flows file\'s `vrs` shape' },
  { name: 'voicemails', description: 'Voicemail boxes and their messages' },
  { name: 'numbers', description: 'Dialed numbers and the building block each routes to' },
  { name: 'post-call-actions', description: 'Requests sent after every call they apply to' },
  { name: 'sourcetrak', description: 'SourceTrak: pools of tracking numbers the website tag shows, and calls by source' },
  { name: 'config', description: 'The configuration as a whole: status and export' },
  { name: 'audio', description: 'The audio library: prompts, hold music, whisper audio' },
  { name: 'calls', description: 'Call history, timelines, calls in progress, placing calls' },
  { name: 'recordings', description: 'Recordings as WAV' },
  { name: 'transcriptions', description: 'Transcriptions of recorded answers: the queue people work through, and what engines made' },
  { name: 'webhooks', description: 'The webhook log, and replaying a request' },
  { name: 'test-calls', description: 'Running a call in the simulator from a browser or script' },
  { name: 'nodes', description: 'The nodes sharing the database: alive or gone, and their load' },
  { name: 'keys', description: 'API keys and their scopes' },
];

export interface AdminApiDeps {
  keys: ApiKeys;
  sessions: ConsoleSessions;
  logger: Logger;
  version: string;
  /** For the failed-authentication limit; the system clock by default. */
  clock?: Clock;
  /** Operation modules beyond the keys (each adds its operations to the router). */
  modules: Array<(router: AdminRouter) => void>;
}

export function createAdminApi(deps: AdminApiDeps): { app: Hono; router: AdminRouter } {
  const router = new AdminRouter(adminAuthenticator(deps.keys, deps.sessions), deps.logger, deps.clock);
  for (const register of deps.modules) register(router);
  registerKeyRoutes(router, deps.keys);
  const app = new Hono();
  let doc: unknown;
  app.get('/openapi.json', (c) => c.json((doc ??= openApiDocument(router.operations, { version: deps.version, tags: ADMIN_API_TAGS }))));
  app.route('/', router.app);
  return { app, router };
}
