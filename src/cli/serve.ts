import type { Settings } from '../config/settings.js';
import type { Logger } from '../lib/logger.js';
import { installProcessNet } from '../lib/fault-net.js';
import { ConfigError } from '../config/errors.js';
import { createServer, type HooklineServer } from '../server/index.js';
import { asStartupError } from '../server/startup-error.js';
import { secondSignal, shutdownRequested } from './shutdown.js';
import { demoPassword, printBanner } from './banner.js';

/**
 * `hookline serve`: runs until SIGINT/SIGTERM (or npm, its parent, is gone), then drains (new calls are
 * refused, calls in progress may end on their own for HOOKLINE_DRAIN_S), closes everything and returns 0.
 * A second signal ends the calls at once; a third is not caught, and ends the process.
 */
export async function serveCommand(settings: Settings, logger: Logger, o: { demo: boolean; out(line: string): void }): Promise<number> {
  // A fault nobody caught ends the call it happened in, not the server (see src/lib/fault-net.ts).
  const removeNet = installProcessNet({ logger });
  const consolePassword = settings.adminPassword ?? (o.demo ? demoPassword() : undefined);
  let server: HooklineServer | undefined;
  try {
    server = await createServer(settings, { logger, demo: o.demo, consolePassword });
    const up = await server.start();
    printBanner(o.out, { settings, flows: up.flows, sip: up.sip, ttsName: up.ttsName, httpPort: up.httpPort, consolePassword });
  } catch (err) {
    await server?.close();
    removeNet();
    throw asStartupError(err);
  }
  const removeHangup = reloadOnHangup(server, settings.flowsPath, logger);
  const why = await shutdownRequested({ exitWithParent: settings.exitWithParent === true });
  logger.info({ why }, 'shutting down');
  const force = new AbortController();
  const stopWatching = secondSignal(() => {
    logger.warn('second signal: ending every call now (a third one ends the process at once)');
    force.abort();
  });
  try {
    await server.drain({ force: force.signal });
  } finally {
    stopWatching();
    removeHangup();
    await server.close();
    removeNet();
  }
  return 0;
}

/**
 * SIGHUP reads the flows file again, as daemons do: a good file takes effect for new calls, a bad one
 * is logged (file, line and key) and the running configuration stays. Returns the handler's remover.
 */
function reloadOnHangup(server: HooklineServer, file: string, logger: Logger): () => void {
  const reload = (): void => {
    try {
      const revision = server.reloadFlowsFile();
      logger.info({ file, revision }, 'flows file reloaded');
    } catch (err) {
      logger.error({ file, err: err instanceof ConfigError ? err.message : err }, 'flows file not reloaded: the running configuration stays');
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
