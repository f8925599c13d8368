import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { loadFlowsFile } from '../config/flows.js';
import type { Logger } from '../lib/logger.js';
import { systemClock } from '../lib/clock.js';
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
import { staticPromptTexts } from '../flow/prompts.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';

/** `hookline serve`: runs until SIGINT/SIGTERM, then closes everything and returns 0. */
export async function serveCommand(settings: Settings, logger: Logger, o: { demo: boolean; out(line: string): void }): Promise<number> {
  const flows = loadFlowsFile(settings.flowsPath);
  const store = await openStore(settings);
  const outbox = new OutboxWorker({ outbox: store.outbox, log: store.webhooks, networks: settings.webhookNetworks, userAgentVersion: VERSION, clock: systemClock, logger });
  outbox.start();
  const app = createApp({ settings, flows, store, clock: systemClock, logger, outbox });
  const dataDir = path.resolve(settings.dataDir);
  const tts = await createTtsEngine(settings.tts);
  const prompts = new PromptCache({ dataDir, engine: tts });
  const renderer = new PromptRenderer(prompts, new AudioLibrary({ dataDir }), dataDir);
  // Warm the prompt cache in the background: calls can start meanwhile, later ones never wait on synthesis.
  void prompts.prefetch(staticPromptTexts(flows).map((text) => ({ text }))).then(
    () => logger.info('prompt cache warm'),
    (err: unknown) => ready && logger.error({ err }, 'prompt cache warm-up failed'),
  );
  const pacer = new Pacer({ onError: (err) => logger.error({ err }, 'media tick failed') });
  let ready = false;
  const http = await startHttpServer({ host: settings.sipHost, port: settings.httpPort, metrics: app.metrics, demo: o.demo, isReady: () => ready });
  const sip = await TelephonyServer.start({
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
    onCall: (call) => {
      app.runCall(call).catch((err: unknown) => logger.error({ err, sessionId: call.sessionId }, 'call failed'));
    },
  });
  ready = true;
  const host = settings.sipAdvertise ?? settings.sipHost;
  o.out(`hookline ${VERSION}: ${flows.ivrs.size} IVRs from ${settings.flowsPath}`);
  o.out(`HTTP on http://${settings.sipHost}:${http.port} (GET /healthz, /metrics)`);
  o.out(`SIP on ${host}:${sip.port('UDP')} (UDP and TCP), RTP ports ${settings.rtpPorts.min}-${settings.rtpPorts.max}, text-to-speech ${tts.name}`);
  o.out(sip.trunk ? `Outbound trunk: ${sip.trunk.describe()}` : 'No outbound trunk (HOOKLINE_TRUNK): Find Me and transfers will fail');
  for (const [number, ref] of flows.numbers) o.out(`  ${ref.kind}/${ref.id}: sip:${number}@${host}:${sip.port('UDP')}`);
  const first = flows.numbers.keys().next().value;
  if (first !== undefined) {
    o.out(`Call it with a softphone at the URI above, or: sipp -sn uac -s ${first} ${host}:${sip.port('UDP')} -m 1`);
    o.out(`  or: baresip, then type  /dial sip:${first}@${host}:${sip.port('UDP')}`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  ready = false;
  await sip.close();
  pacer.close();
  await tts.close?.();
  await http.close();
  await outbox.stop();
  await store.close();
  return 0;
}
