/**
 * The composition root of `hookline serve`: builds every part of the running server (store, call
 * tracking, the outbox, speech, telephony, the HTTP APIs and the console) and owns their lifecycle:
 *
 *   const server = await createServer(settings, deps);  // opens the store, closes calls a crash left open
 *   const up = await server.start();                    // binds SIP, RTP and HTTP; starts the outbox
 *   ...                                                 // a signal
 *   await server.drain({ force });                      // refuses new calls; lets calls in progress end
 *   await server.close();                               // closes everything, in reverse order
 *
 * The CLI (cli/serve.ts) only parses, calls these, prints the banner and waits for signals; app.ts wires
 * the flow layer (runCall, webhooks, post-call actions) that this builds around.
 */
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import type { Flows } from '../config/types.js';
import { loadFlowsFile } from '../config/flows.js';
import type { Logger } from '../lib/logger.js';
import { systemClock, type Clock } from '../lib/clock.js';
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
import { createCallInitiator } from '../initiator.js';
import { staticPromptTexts } from '../flow/prompts.js';
import { WebhookAgents } from '../webhook/agents.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';
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
import { consoleRoutes } from '../api/console.js';
import { TranscriptionWorker } from '../webhook/transcription-worker.js';
import { createSttEngine } from '../speech/transcribe/index.js';
import { SourceTrak } from '../sourcetrak/service.js';
import { sourcetrakRoutes } from '../api/sourcetrak-routes.js';
import { Metrics } from '../lib/metrics.js';
import { SelfUrl } from '../lib/self-url.js';
import { RESTART_RETRY_AFTER_S } from '../api/initiate-http.js';
import { openStore } from './open-store.js';
import { resilientStore } from '../store/resilient.js';
import type { NodeLoad } from '../store/types.js';
import { startHeartbeat } from './node-presence.js';
import { StartupError, checkRtpPorts, startStep } from './startup-error.js';
import { recoverInterruptedCalls } from './recover.js';
import { drainCalls, RESTARTING, type DrainReport } from './drain.js';
import { onPreemptionPoint } from '../lib/preempt.js';
import { chooseRtpSender, rtpThreadReport } from '../rtp/native-send.js';

/** How often a node asks the store whether the configuration changed on another node. */
const CONFIG_POLL_MS = 3_000;

export interface ServerDeps {
  logger: Logger;
  clock?: Clock;
  /** --demo: also serve the demo webhook at /demo/hook. */
  demo: boolean;
  /** The console's password: the setting, or one made up for this run (--demo); the login is off without one. */
  consolePassword: string | undefined;
}

/** What start() brought up: what the banner tells. */
export interface Started {
  flows: Flows;
  sip: TelephonyServer;
  httpPort: number;
  ttsName: string;
}

export interface HooklineServer {
  start(): Promise<Started>;
  /** Refuses new calls and waits for those in progress (HOOKLINE_DRAIN_S), then ends the rest; `force` ends them at once. */
  drain(o?: { force?: AbortSignal }): Promise<DrainReport>;
  /** Closes everything opened so far, in reverse order; safe after a failed start. */
  close(): Promise<void>;
  /** Reads the flows file again (SIGHUP): a good one applies to new calls, a bad one throws ConfigError and changes nothing. */
  reloadFlowsFile(): number;
}

/** Builds the server; nothing listens yet. Throws (after closing what it opened) when a part cannot be made. */
export async function createServer(settings: Settings, deps: ServerDeps): Promise<HooklineServer> {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const file = loadFlowsFile(settings.flowsPath);
  // Everything opened is closed in reverse order, on shutdown and when start-up fails half-way
  // (a SIP port in use must end the process with its error, not leave HTTP and the store running).
  const closers: Array<() => unknown> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const dataDir = path.resolve(settings.dataDir);
    // Losing the database while running holds the writes of calls in progress and refuses new calls.
    const store = resilientStore(await openStore(settings), { logger, clock });
    closers.push(() => store.close());
    const tracker = new CallTracker({ store, clock, logger, dataDir });
    closers.push(() => tracker.close()); // runs before the store closes
    // Shared by the IVR webhooks and the outbox: one /metrics, and URLs written as paths (`/demo/hook`)
    // go to the HTTP server once it listens (the outbox starts then).
    const metrics = new Metrics();
    metrics.collectProcessMetrics();
    const self = new SelfUrl();
    const outbox = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: settings.webhookNetworks, userAgentVersion: VERSION, clock, logger, metrics, self });
    // Transcriptions (docs/transcription.md): an engine that cannot work stops the start, naming the setting.
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
      dataDir,
      clock,
      logger,
      metrics,
    });
    const webhookAgents = new WebhookAgents();
    closers.push(() => webhookAgents.close());
    const config = await ConfigService.open({ file, repo: store.config, logger });
    const sourcetrak = new SourceTrak({ store, flows: () => config.current(), clock, logger, retentionDays: settings.sourcetrakRetentionDays });
    closers.push(sourcetrak.startRetention()); // stops before the store closes
    const app = createApp({ settings, flows: () => config.current(), store, clock, logger, outbox, webhookAgents, metrics, self, tracker, sourcetrak, transcriber });
    // Before anything can take a call: every call still open in the store is one a crash cut off.
    await recoverInterruptedCalls({ store, dataDir, logger, onCallEnded: (s) => app.callEnded(s), onVoicemail: (m) => app.voicemailLeft(m) });

    const tts = await startStep('tts', settings, () => createTtsEngine(settings.tts));
    closers.push(() => tts.close?.());
    const prompts = new PromptCache({ dataDir, engine: tts });
    const audioLibrary = new AudioLibrary({ dataDir });
    const renderer = new PromptRenderer(prompts, audioLibrary, dataDir);
    const pacer = new Pacer({ onError: (err) => logger.error({ err }, 'media tick failed'), onLateness: (s) => metrics.mediaLateness.observe(s) });
    closers.push(() => pacer.close());
    // HOOKLINE_MEDIA_PRIORITY=audio: due frames go out at the control plane's preemption points (lib/preempt.ts).
    if (settings.mediaPriority === 'audio') closers.push(onPreemptionPoint(() => pacer.runDue()));
    // /metrics: how late audio went out since the previous scrape.
    metrics.watchMedia(() => {
      const s = pacer.stats();
      pacer.resetStats();
      return { streams: s.sources, skipped: s.skipped, lateP99Ms: s.lateness.p99Ms, lateMaxMs: s.lateness.maxMs };
    });
    const rtpSender = chooseRtpSender(settings.rtpSend, logger, { threadPriority: settings.rtpThreadPriority, threadRealtime: settings.rtpThreadRealtime });
    if (rtpSender) metrics.watchRtpThread(() => rtpThreadReport(rtpSender));
    const testCalls = new TestCalls({ runCall: (c, e, s) => app.runCall(c, e, s), flows: app.flows, clock, logger, dataDir, dialLimits: app.dialLimits });
    const audio = new AudioFiles({ dataDir, library: audioLibrary, usedBy: (name) => audioUsedBy(config.current(), name) });
    closers.push(() => audio.close());
    const keys = new ApiKeys(store.apiKeys, settings.apiKey, clock);
    const sessions = new ConsoleSessions(store.sessions, deps.consolePassword, clock);
    const admin = createAdminApi({
      keys,
      sessions,
      logger,
      version: VERSION,
      modules: adminModules({
        config,
        testCalls,
        audio,
        history: { store, live: tracker.live, clock, logger, dataDir, flows: app.flows, networks: settings.webhookNetworks, userAgentVersion: VERSION, agents: webhookAgents },
        transcriptions: { store, outbox, clock, logger },
      }),
    });

    let ready = false;
    let draining = false;
    let sip: TelephonyServer | undefined;

    const start = async (): Promise<Started> => {
      // Each step that binds what a setting chooses fails as one line naming that setting (startup-error.ts).
      await startStep('rtp', settings, () => checkRtpPorts(settings));
      const telephony = await startStep('sip', settings, () => TelephonyServer.start({
        host: settings.sipHost,
        ...(settings.sipAdvertise ? { advertisedHost: settings.sipAdvertise } : {}),
        sipPort: settings.sipPort,
        sipUdpBuffer: settings.sipUdpBuffer,
        rtpPorts: settings.rtpPorts,
        clock,
        logger,
        pacer,
        ...(rtpSender && { rtpSender }),
        renderer,
        ...(settings.sipUserAgent ? { userAgent: settings.sipUserAgent } : {}),
        access: { allow: settings.sipAllow, messageRate: settings.sipMessageRate, callRate: settings.sipCallRate },
        ...(settings.trunk ? { trunk: parseTrunk(settings.trunk) } : {}),
        checkDial: app.checkDial,
        dialLimits: app.dialLimits,
        onCall: (call) => {
          app.runCall(call).catch((err: unknown) => logger.error({ err, sessionId: call.sessionId }, 'call failed'));
        },
        // Without the database a new call could not be recorded: 503, and a proxy in front tries another node.
        admitting: () => store.reachable,
        maxCalls: settings.maxCalls,
        overloadLateMs: settings.overloadLateMs,
      }));
      sip = telephony;
      closers.push(() => telephony.close());
      metrics.watchSip(() => ({
        refusals: [...telephony.access.guard.refusals(), ...telephony.admission.refusals().map((r) => ({ ...r, action: 'answered' }))],
        limits: { ...telephony.access.guard.limitValues(), max_calls: settings.maxCalls, overload_late_ms: settings.overloadLateMs },
      }));
      const sipQueue = telephony.sipReceiveQueue;
      if (sipQueue) metrics.watchSipReceiveQueue(sipQueue);
      closers.push(() => testCalls.close());
      const http = await startStep('http', settings, () => startHttpServer({ host: settings.httpHost, port: settings.httpPort, metrics: app.metrics, demo: deps.demo, isReady: () => ready, unavailable: () => (store.reachable ? undefined : 'database unreachable'), isDraining: () => draining,
        callInitiation: { apiKey: settings.apiKey, authorize: (key) => keys.mayPlaceCalls(key), initiator: createCallInitiator({ app, trunk: telephony.trunk, logger, slots: telephony.admission }), logger },
        admin: admin.app,
        ibpAdmin: createIbpAdminApi({ keys, config, store, dataDir, logger, clock, audio, uploads: { networks: settings.webhookNetworks } }),
        sourcetrak: sourcetrakRoutes({ sourcetrak, clock, logger }),
        console: consoleRoutes({ sessions, logger }),
      }));
      closers.push(() => http.close());
      self.listening(settings.httpHost, http.port);
      // Nodes sharing the database: say we are alive, and take in configuration changed on the others.
      const load = async (): Promise<NodeLoad> => {
        const drops = await sipQueue?.drops();
        return {
          calls: telephony.admission.calls,
          maxCalls: settings.maxCalls,
          mediaLateMs: pacer.recentLatenessMs(),
          loopLagMs: pacer.recentLoopLagMs(),
          refused: telephony.admission.refusals().reduce((n, r) => n + r.count, 0),
          ...(drops !== undefined ? { sipUdpDrops: drops } : {}),
        };
      };
      closers.push(startHeartbeat({ store, clock, logger, sip: `${settings.sipAdvertise ?? settings.sipHost}:${telephony.port('UDP')}`, http: `http://${settings.httpHost}:${http.port}`, load }));
      closers.push(config.watch({ everyMs: CONFIG_POLL_MS, setTimer: (ms, fn) => clock.setTimer(ms, fn) }));
      // Stopped before HTTP closes: a delivery in flight to our own /demo/hook still gets its answer.
      // stop() waits for the deliveries in flight; what was not sent stays in the store for the next start.
      closers.push(() => outbox.stop());
      outbox.start(); // deliveries left pending by a previous run may be addressed to this server
      // Stopped before the outbox, which takes their post-backs; jobs a previous run left pending resume.
      closers.push(() => transcriber.stop());
      transcriber.start();
      logger.info({ engine: transcriber.engineName }, transcriber.engineName === 'none' ? 'transcription engine: none (HOOKLINE_TRANSCRIBE_ENGINE); questions with transcribe: standard are not transcribed' : `transcription engine: ${transcriber.engineName}`);
      ready = true;
      // Warm the prompt cache in the background: calls can start meanwhile, later ones never wait on
      // synthesis. The drain's goodbye is among them: at shutdown nothing should wait on synthesis.
      const warm = (current: Flows): Promise<void> => prompts.prefetch([...staticPromptTexts(current), RESTARTING].map((text) => ({ text })));
      void warm(config.current()).then(
        () => logger.info('prompt cache warm'),
        (err: unknown) => ready && logger.error({ err }, 'prompt cache warm-up failed'),
      );
      // A change through the API or console: its new prompts are synthesized before a caller needs them.
      config.onChange((current) => void warm(current).catch((err: unknown) => logger.error({ err }, 'prompt synthesis after a configuration change failed')));
      return { flows: config.current(), sip: telephony, httpPort: http.port, ttsName: tts.name };
    };

    const drain = async (o: { force?: AbortSignal } = {}): Promise<DrainReport> => {
      draining = true;
      ready = false;
      sip?.refuseNewCalls(RESTART_RETRY_AFTER_S);
      testCalls.stopTaking();
      const report = await drainCalls({ calls: app.running, clock, logger, drainMs: settings.drainS * 1000, ...(o.force ? { force: o.force } : {}) });
      if (report.calls > 0) {
        const s = Math.round(report.ms / 100) / 10;
        logger.info(report, `drained in ${s} s: ${report.calls - report.cutOff} call(s) ended on their own, ${report.cutOff} ended by the shutdown${report.unfinished ? `, ${report.unfinished} not finished` : ''}`);
      }
      return report;
    };

    return {
      start,
      drain,
      close,
      reloadFlowsFile: () => {
        config.reloadFile(loadFlowsFile(settings.flowsPath));
        return config.status().revision;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
