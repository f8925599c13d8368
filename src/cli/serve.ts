import path from 'node:path';
import type { Settings } from '../config/settings.js';
import type { Flows } from '../config/types.js';
import { loadFlowsFile } from '../config/flows.js';
import type { Logger } from '../lib/logger.js';
import { systemClock } from '../lib/clock.js';
import { installProcessNet } from '../lib/fault-net.js';
import { createApp } from '../app.js';
import { startHttpServer } from '../api/server.js';
import { Pacer } from '../media/pacer.js';
import { createTtsEngine } from '../speech/engines.js';
import { PromptCache } from '../speech/prompt-cache.js';
import { AudioLibrary } from '../speech/audio-library.js';
import { PromptRenderer } from '../calls/telephony/renderer.js';
import { TelephonyServer } from '../calls/telephony/server.js';
import { parseTrunk } from '../calls/telephony/trunk.js';
import { VERSION } from '../version.js';
import { openStore } from './open-store.js';
import { createCallInitiator } from '../initiator.js';
import { staticPromptTexts } from '../flow/prompts.js';
import { WebhookAgents } from '../webhook/agents.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';
import { TranscriptionWorker } from '../webhook/transcription-worker.js';
import { createSttEngine } from '../speech/transcribe/index.js';
import { createAdminApi } from '../api/admin/index.js';
import { ApiKeys } from '../admin/keys.js';
import { ConsoleSessions } from '../admin/sessions.js';
import { ConfigService } from '../admin/config-service.js';
import { adminModules } from '../api/admin/modules.js';
import { createIbpAdminApi } from '../api/ibp-admin/index.js';
import { TestCalls } from '../admin/test-calls.js';
import { AudioFiles } from '../admin/audio.js';
import { audioUsedBy } from '../admin/audio-uses.js';
import { CallTracker } from '../admin/call-tracker.js';
import { ConfigError } from '../config/errors.js';
import { consoleRoutes } from '../api/console.js';
import { Metrics } from '../lib/metrics.js';
import { SelfUrl } from '../lib/self-url.js';
import { shutdownRequested } from './shutdown.js';
import { asStartupError, checkRtpPorts, startStep, StartupError } from './startup-error.js';
import { demoPassword, printBanner } from './banner.js';

/** `hookline serve`: runs until SIGINT/SIGTERM (or npm, its parent, is gone), then closes everything and returns 0. */
export async function serveCommand(settings: Settings, logger: Logger, o: { demo: boolean; out(line: string): void }): Promise<number> {
  const flows = loadFlowsFile(settings.flowsPath);
  // Everything opened is closed in reverse order, on shutdown and when start-up fails half-way
  // (a SIP port in use must end the process with its error, not leave HTTP and the store running).
  const closers: Array<() => unknown> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  let ready = false;
  // A fault nobody caught ends the call it happened in, not the server (see src/lib/fault-net.ts).
  closers.push(installProcessNet({ logger }));
  try {
    const store = await openStore(settings);
    closers.push(() => store.close());
    const tracker = new CallTracker({ store, clock: systemClock, logger, dataDir: path.resolve(settings.dataDir) });
    closers.push(() => tracker.close()); // runs before the store closes
    // Shared by the IVR webhooks and the outbox: one /metrics, and URLs written as paths (`/demo/hook`)
    // go to the HTTP server below once it listens (the outbox starts then, see below).
    const metrics = new Metrics();
    const self = new SelfUrl();
    const outbox = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: settings.webhookNetworks, userAgentVersion: VERSION, clock: systemClock, logger, metrics, self });
    closers.push(() => outbox.stop());
    // Transcriptions (docs/transcription.md): stopped before the outbox, which takes their post-backs.
    const stt = settings.transcribe ?? { engine: 'none', model: 'whisper-1', timeoutS: 120 };
    const sttEngine = createSttEngine(stt);
    await sttEngine?.check?.().catch((err: unknown) => {
      throw new StartupError(`cannot use the ${sttEngine.name} transcription engine: ${err instanceof Error ? err.message : String(err)} (set HOOKLINE_TRANSCRIBE_ENGINE)`, { cause: err });
    });
    const transcriber = new TranscriptionWorker({
      jobs: store.transcriptions,
      engine: sttEngine,
      attemptTimeoutMs: stt.timeoutS * 1000 + 30_000, // the engine's own timeout first; this one only for an engine that ignores it
      outbox,
      dataDir: path.resolve(settings.dataDir),
      clock: systemClock,
      logger,
      metrics,
    });
    closers.push(() => transcriber.stop());
    const webhookAgents = new WebhookAgents();
    closers.push(() => webhookAgents.close());
    const config = await ConfigService.open({ file: flows, repo: store.config, logger });
    const app = createApp({ settings, flows: () => config.current(), store, clock: systemClock, logger, outbox, webhookAgents, metrics, self, tracker, transcriber });
    const dataDir = path.resolve(settings.dataDir);
    const tts = await startStep('tts', settings, () => createTtsEngine(settings.tts));
    closers.push(() => tts.close?.());
    const prompts = new PromptCache({ dataDir, engine: tts });
    const audioLibrary = new AudioLibrary({ dataDir });
    const renderer = new PromptRenderer(prompts, audioLibrary, dataDir);
    const pacer = new Pacer({ onError: (err) => logger.error({ err }, 'media tick failed') });
    closers.push(() => pacer.close());
    // Each step that binds what a setting chooses fails as one line naming that setting (startup-error.ts).
    await startStep('rtp', settings, () => checkRtpPorts(settings));
    const sip = await startStep('sip', settings, () => TelephonyServer.start({
      host: settings.sipHost,
      ...(settings.sipAdvertise ? { advertisedHost: settings.sipAdvertise } : {}),
      sipPort: settings.sipPort,
      rtpPorts: settings.rtpPorts,
      clock: systemClock,
      logger,
      pacer,
      renderer,
      userAgent: `hookline/${VERSION}`,
      ...(settings.trunk ? { trunk: parseTrunk(settings.trunk) } : {}),
      checkDial: app.checkDial,
      dialLimits: app.dialLimits,
      onCall: (call) => {
        app.runCall(call).catch((err: unknown) => logger.error({ err, sessionId: call.sessionId }, 'call failed'));
      },
    }));
    closers.push(() => sip.close());
    const testCalls = new TestCalls({ runCall: (c, e, s) => app.runCall(c, e, s), flows: app.flows, clock: systemClock, logger, dataDir, dialLimits: app.dialLimits });
    closers.push(() => testCalls.close());
    const audio = new AudioFiles({ dataDir, library: audioLibrary, usedBy: (name) => audioUsedBy(config.current(), name) });
    closers.push(() => audio.close());
    const keys = new ApiKeys(store.apiKeys, settings.apiKey, systemClock);
    const consolePassword = settings.adminPassword ?? (o.demo ? demoPassword() : undefined);
    const sessions = new ConsoleSessions(store.sessions, consolePassword, systemClock);
    const admin = createAdminApi({
      keys,
      sessions,
      logger,
      version: VERSION,
      modules: adminModules({
        config,
        testCalls,
        audio,
        history: { store, live: tracker.live, clock: systemClock, logger, dataDir, flows: app.flows, networks: settings.webhookNetworks, userAgentVersion: VERSION, agents: webhookAgents },
        transcriptions: { store, outbox, clock: systemClock, logger },
      }),
    });
    const http = await startStep('http', settings, () => startHttpServer({ host: settings.httpHost, port: settings.httpPort, metrics: app.metrics, demo: o.demo, isReady: () => ready,
      callInitiation: { apiKey: settings.apiKey, authorize: (key) => keys.mayPlaceCalls(key), initiator: createCallInitiator({ app, trunk: sip.trunk, logger }), logger },
      admin: admin.app,
      ibpAdmin: createIbpAdminApi({ keys, config, store, dataDir, logger, clock: systemClock, audio, uploads: { networks: settings.webhookNetworks } }),
      console: consoleRoutes({ sessions, logger }),
    }));
    closers.push(() => http.close());
    self.listening(settings.httpHost, http.port);
    outbox.start(); // deliveries left pending by a previous run may be addressed to this server
    transcriber.start(); // and transcriptions a previous run left pending resume
    logger.info({ engine: transcriber.engineName }, transcriber.engineName === 'none' ? 'transcription engine: none (HOOKLINE_TRANSCRIBE_ENGINE); questions with transcribe: standard are not transcribed' : `transcription engine: ${transcriber.engineName}`);
    ready = true;
    // Warm the prompt cache in the background: calls can start meanwhile, later ones never wait on synthesis.
    const warm = (current: Flows): Promise<void> => prompts.prefetch(staticPromptTexts(current).map((text) => ({ text })));
    void warm(config.current()).then(
      () => logger.info('prompt cache warm'),
      (err: unknown) => ready && logger.error({ err }, 'prompt cache warm-up failed'),
    );
    // A change through the API or console: its new prompts are synthesized before a caller needs them.
    config.onChange((current) => void warm(current).catch((err: unknown) => logger.error({ err }, 'prompt synthesis after a configuration change failed')));
    closers.push(reloadOnHangup(settings.flowsPath, config, logger));
    printBanner(o.out, { settings, flows: config.current(), sip, ttsName: tts.name, httpPort: http.port, consolePassword });
  } catch (err) {
    await closeAll();
    throw asStartupError(err);
  }
  const why = await shutdownRequested({ exitWithParent: settings.exitWithParent === true });
  logger.info({ why }, 'shutting down');
  ready = false;
  await closeAll();
  return 0;
}

/**
 * SIGHUP reads the flows file again, as daemons do: a good file takes effect for new calls, a bad one
 * is logged (file, line and key) and the running configuration stays. Returns the handler's remover.
 */
function reloadOnHangup(file: string, config: ConfigService, logger: Logger): () => void {
  const reload = (): void => {
    try {
      config.reloadFile(loadFlowsFile(file));
      logger.info({ file, revision: config.status().revision }, 'flows file reloaded');
    } catch (err) {
      logger.error({ file, err: err instanceof ConfigError ? err.message : err }, 'flows file not reloaded: the running configuration stays');
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
