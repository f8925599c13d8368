import type { Settings } from '../config/settings.js';
import { loadFlowsFile } from '../config/flows.js';
import type { Logger } from '../lib/logger.js';
import { systemClock } from '../lib/clock.js';
import { createApp } from '../app.js';
import { startHttpServer } from '../api/server.js';
import { openStore } from './open-store.js';

/** `hookline serve`: runs until SIGINT/SIGTERM, then closes everything and returns 0. */
export async function serveCommand(settings: Settings, logger: Logger, o: { demo: boolean; out(line: string): void }): Promise<number> {
  const flows = loadFlowsFile(settings.flowsPath);
  const store = await openStore(settings);
  const app = createApp({ settings, flows, store, clock: systemClock, logger });
  let ready = false;
  const http = await startHttpServer({ host: settings.sipHost, port: settings.httpPort, metrics: app.metrics, demo: o.demo, isReady: () => ready });
  ready = true;
  o.out(`hookline ${flows.ivrs.size} IVRs from ${settings.flowsPath}; HTTP on http://${settings.sipHost}:${http.port} (GET /healthz, /metrics)`);
  for (const number of flows.numbers.keys()) o.out(`  call sip:${number}@${settings.sipHost}:${settings.sipPort}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  ready = false;
  await http.close();
  await store.close();
  return 0;
}
