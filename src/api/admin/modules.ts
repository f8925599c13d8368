/**
 * Every operation module of the Administration API, in one list: `hookline serve` mounts them with
 * the real services, and the reference docs (docs/admin-api.md) are generated from the same list, so
 * an operation cannot be served without being documented or documented without being served.
 */
import type { ConfigService } from '../../admin/config-service.js';
import type { TestCalls } from '../../admin/test-calls.js';
import type { AudioFiles } from '../../admin/audio.js';
import { registerAudioRoutes } from './audio-routes.js';
import { registerCallRoutes, type CallRoutesDeps } from './calls-routes.js';
import { registerRecordingRoutes, type RecordingRoutesDeps } from './recordings-routes.js';
import { registerWebhookRoutes, type WebhookRoutesDeps } from './webhooks-routes.js';
import { registerConfigRoutes } from './config-routes.js';
import { registerTestCallRoutes } from './test-calls-routes.js';
import { registerSourcetrakRoutes } from './sourcetrak-routes.js';
import type { AdminRouter } from './router.js';
import { registerTranscriptionRoutes, type TranscriptionRoutesDeps } from './transcription-routes.js';
import { registerNodeRoutes } from './nodes-routes.js';

export interface AdminModuleDeps {
  config: ConfigService;
  testCalls: TestCalls;
  audio: AudioFiles;
  history: CallRoutesDeps & RecordingRoutesDeps & WebhookRoutesDeps;
  transcriptions: TranscriptionRoutesDeps;
}

export function adminModules(d: AdminModuleDeps): Array<(router: AdminRouter) => void> {
  return [
    (router) => registerConfigRoutes(router, d.config),
    (router) => registerAudioRoutes(router, { files: d.audio }),
    (router) => registerTestCallRoutes(router, { testCalls: d.testCalls }),
    (router) => void registerCallRoutes(router, d.history),
    (router) => void registerRecordingRoutes(router, d.history),
    (router) => void registerWebhookRoutes(router, d.history),
    (router) => registerSourcetrakRoutes(router, d.history),
    (router) => void registerTranscriptionRoutes(router, d.transcriptions),
    (router) => registerNodeRoutes(router, d.history),
  ];
}

/**
 * Stand-ins for documentation: registering an operation never touches its services (only handling a
 * request does), so each dependency is an object that fails loudly if anything does use it.
 */
export function inertDeps(): AdminModuleDeps {
  const inert = (name: string): never =>
    new Proxy({}, { get: (_t, prop) => { throw new Error(`${name}.${String(prop)} used while generating documentation`); } }) as never;
  return { config: inert('config'), testCalls: inert('testCalls'), audio: inert('audio'), history: inert('history'), transcriptions: inert('transcriptions') };
}
