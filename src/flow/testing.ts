import { tmpdir } from 'node:os';
import type { FindMeConfig, Flows, IvrConfig, VoicemailConfig, VrConfig } from '../config/types.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { SimulatedCall, type SimEvent } from '../calls/simulator.js';
import { parseFarEnds, type FarEnd } from '../calls/sim-script.js';
import type { DialLimits } from '../calls/dial-limits.js';
import type { FlowDeps } from './deps.js';
import type { FlowEvent } from './events.js';
import { runCall } from './runner.js';
import type { WebhookReply, WebhookRequest } from './webhook-step.js';
import { compileDialPolicy, DEFAULT_DIAL_ALLOW } from '../config/dial-policy.js';

/** Builds a Flows model directly (no YAML), for flow unit tests. */
export function makeFlows(p: { ivrs?: IvrConfig[]; findmes?: FindMeConfig[]; vrs?: VrConfig[]; voicemails?: VoicemailConfig[]; numbers?: Flows['numbers'] }): Flows {
  return {
    file: 'test.yaml',
    timezone: 'UTC',
    numbers: p.numbers ?? new Map(),
    ivrs: new Map((p.ivrs ?? []).map((x) => [x.id, x])),
    findmes: new Map((p.findmes ?? []).map((x) => [x.id, x])),
    vrs: new Map((p.vrs ?? []).map((x) => [x.id, x])),
    voicemails: new Map((p.voicemails ?? []).map((x) => [x.id, x])),
  };
}

export function findMe(over: Partial<FindMeConfig>): FindMeConfig {
  return {
    id: 4, phoneList: [], simultaneous: 1, timeoutS: 20, screenMethod: 3, whisperPhrase: '', record: 0,
    autoAccept: 0, nextaction: 1, loopCount: 1, randomize: false, holdmusic: 'ringback', ...over,
  };
}

export interface SimRun {
  events: Array<SimEvent | FlowEvent>;
  requests: WebhookRequest[];
  store: Store;
  prompts(): string[];
}

/**
 * Runs one simulated call on a FakeClock (time advances only as the test drives it, so timeouts are
 * exact and instant), an in-memory store and a scripted webhook.
 */
export async function simulateCall(
  flows: Flows,
  o: { to: string; keys: string; farEnd?: string; reply?: (req: WebhookRequest) => Omit<WebhookReply, 'logId'>; dataDir?: string; dialLimits?: DialLimits;
    /** The caller hangs up at this time whatever the call is doing (the key script only ends a call that is asked for keys). */
    callerHangsUpAtMs?: number;
    /** Far ends as objects, for what the `farEnd` string cannot say (keys with `,` pauses); wins over `farEnd`. */
    farEnds?: Map<string, FarEnd>;
    /** Wraps the in-memory store (to make a repository fail, say). */
    wrapStore?: (store: Store) => Store },
): Promise<SimRun> {
  const clock = new FakeClock();
  const store = o.wrapStore ? o.wrapStore(await createSqliteStore(':memory:')) : await createSqliteStore(':memory:');
  const events: Array<SimEvent | FlowEvent> = [];
  const requests: WebhookRequest[] = [];
  const deps: FlowDeps = {
    flows, store, clock, logger: silentLogger, dataDir: o.dataDir ?? tmpdir(),
    checkDial: (n) => (compileDialPolicy(DEFAULT_DIAL_ALLOW).allows(n) ? undefined : `${n} refused`),
    sendWebhook: async (req) => {
      requests.push(req);
      const logId = await store.webhooks.logRequest({ kind: 'ivr', method: req.method, url: req.url, params: req.params, sentAt: new Date(clock.now()), attempt: 1 });
      const r = o.reply?.(req) ?? { ok: true as const, status: 200, body: '<action><app>hangup</app></action>', latencyMs: 1 };
      return { ...r, logId } as WebhookReply;
    },
    events: (e) => events.push(e),
  };
  const call = new SimulatedCall({
    sessionId: 'a'.repeat(32), from: '3125550199', to: o.to, keys: o.keys, clock,
    farEnds: o.farEnds ?? parseFarEnds(o.farEnd ?? ''),
    ...(o.dialLimits ? { dialLimits: o.dialLimits } : {}),
    writeRecording: async () => undefined,
    onEvent: (e) => events.push(e),
  });
  if (o.callerHangsUpAtMs !== undefined) clock.setTimer(o.callerHangsUpAtMs, () => call.remoteHangup());
  let done = false;
  const running = runCall(call, flows.numbers.get(o.to), deps).finally(() => (done = true));
  for (let i = 0; !done && i < 10_000; i++) await clock.advanceAsync(100, 100);
  await running;
  return {
    events,
    requests,
    store,
    prompts: () => events.flatMap((e) => (e.type === 'prompt' && !('leg' in e && e.leg) ? [e.text] : [])),
  };
}
