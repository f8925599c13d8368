/**
 * The Call Initiation API as one hono app to mount at the root of the HTTP server:
 * - `GET|POST /click_to_xyz.php` — the legacy form (docs/call-initiation.md, whose "Sources" appendix lists the original's pages by § §1, §5.0);
 * - `GET|POST /ibp_api.php?action=clickto.*` — the newer form (§5.1-§5.7);
 * - `POST /api/v1/calls` — JSON for new integrations.
 * All three parse into one InitiateRequest (initiate-types.ts) for the injected CallInitiator.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../lib/logger.js';
import { CALLS_API_PATH, callsApiHandler, jsonError } from './calls-api.js';
import { CLICK_TO_XYZ_PATH, clickToXyzHandler } from './click-to-xyz.js';
import { IBP_API_PATH, ibpApiHandler } from './ibp-api.js';
import type { CallInitiator } from './initiate-types.js';
import { staticKeyCheck, type KeyCheck } from './auth.js';

export interface CallInitiationApiOptions {
  /** HOOKLINE_API_KEY (settings.apiKey). */
  apiKey: string | undefined;
  /** Which keys may place calls; default: HOOKLINE_API_KEY alone (the server adds keys with the `calls` scope). */
  authorize?: KeyCheck;
  initiator: CallInitiator;
  logger: Logger;
  /** Let `ibp_api.php` requests whose action is not `clickto.*` reach a later handler (the Administration API). */
  passOtherIbpActions?: boolean;
  /** True while the server shuts down: every form answers 503 with Retry-After. */
  draining?: () => boolean;
}

/** Far above any real request (a Find Me list of 100 numbers and user parameters fit in a few KiB). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export function createCallInitiationApi(o: CallInitiationApiOptions): Hono {
  const deps = { authorize: o.authorize ?? staticKeyCheck(o.apiKey), initiator: o.initiator, logger: o.logger, ...(o.draining ? { draining: o.draining } : {}) };
  if (!o.apiKey) {
    o.logger.warn(o.authorize ? 'HOOKLINE_API_KEY is not set: only keys made through the Administration API (scope calls) can place calls' : 'HOOKLINE_API_KEY is not set: the Call Initiation API refuses every request');
  }
  const app = new Hono();
  const limit = (json: boolean) =>
    bodyLimit({
      maxSize: MAX_REQUEST_BYTES,
      onError: (c) => (json ? jsonError(c, 413, 'invalid_request', 'the body is too large') : c.text('Request Too Large', 413)),
    });
  app.on(['GET', 'POST'], CLICK_TO_XYZ_PATH, limit(false), clickToXyzHandler(deps));
  app.on(['GET', 'POST'], IBP_API_PATH, limit(false), ibpApiHandler(deps, { passOtherActions: o.passOtherIbpActions ?? false }));
  app.post(CALLS_API_PATH, limit(true), callsApiHandler(deps));
  return app;
}
