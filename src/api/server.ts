import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import type { Metrics } from '../lib/metrics.js';
import { demoHook } from './demo-hook.js';
import { createCallInitiationApi } from './initiate-api.js';
import type { CallInitiator } from './initiate-types.js';
import type { Logger } from '../lib/logger.js';
import { ADMIN_API_BASE } from './admin/index.js';
import type { KeyCheck } from './auth.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  /** Serve the demo webhook at /demo/hook (the demo flows point there). */
  demo: boolean;
  isReady(): boolean;
  /** Why a started server does not take calls now (its database away), said by /healthz with 503; undefined when it does. */
  unavailable?(): string | undefined;
  /** True once a shutdown has begun: /healthz says `draining` and no new call is placed. */
  isDraining?(): boolean;
  /** The Call Initiation API (click_to_xyz.php, ibp_api.php, /api/v1/calls). */
  callInitiation?: { apiKey: string | undefined; authorize?: KeyCheck; initiator: CallInitiator; logger: Logger };
  /** The Administration API (api/admin), mounted at /api/v1. */
  admin?: Hono;
  /** The original's Administration API on /ibp_api.php (api/ibp-admin): every action but clickto.*. */
  ibpAdmin?: Hono;
  /** SourceTrak's website tag and page-view endpoint (api/sourcetrak-routes.ts): /st.js, /st/visit. */
  sourcetrak?: Hono;
  /** The web console (api/console.ts): its login under /console/ and its pages at `/`. Mounted last. */
  console?: Hono;
}

export function createHttpApp(o: Omit<HttpServerOptions, 'host' | 'port'>): Hono {
  const app = new Hono();
  // A load balancer takes a draining server out of rotation while its calls in progress go on.
  app.get('/healthz', (c) => {
    if (o.isDraining?.()) return c.text('draining', 503);
    if (!o.isReady()) return c.text('starting', 503);
    const why = o.unavailable?.();
    return why === undefined ? c.text('ok') : c.text(why, 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', o.metrics.registry.contentType);
    return c.body(await o.metrics.registry.metrics());
  });
  if (o.demo) app.on(['GET', 'POST'], '/demo/hook', demoHook);
  if (o.callInitiation) {
    const draining = o.isDraining;
    app.route('/', createCallInitiationApi({ ...o.callInitiation, passOtherIbpActions: o.ibpAdmin !== undefined, ...(draining ? { draining: () => draining() } : {}) }));
  }
  if (o.ibpAdmin) app.route('/', o.ibpAdmin);
  if (o.admin) app.route(ADMIN_API_BASE, o.admin);
  if (o.sourcetrak) app.route('/', o.sourcetrak);
  if (o.console) app.route('/', o.console);
  return app;
}

/** Starts the HTTP server; resolves once it listens, with the bound port (0 picks a free one). */
export function startHttpServer(o: HttpServerOptions): Promise<{ server: ServerType; port: number; close(): Promise<void> }> {
  const app = createHttpApp(o);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, (info) => {
      resolve({
        server,
        port: info.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    server.once('error', reject);
  });
}
