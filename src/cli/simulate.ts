import type { Flows } from '../config/types.js';
import { createApp } from '../app.js';
import { systemClock } from '../lib/clock.js';
import { newSessionId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import { SimulatedCall, type SimEvent } from '../calls/simulator.js';
import { parseFarEnds } from '../calls/sim-script.js';
import type { FlowEvent } from '../flow/events.js';
import { writeSilentWav } from '../calls/sim-audio.js';
import { OutboxWorker } from '../webhook/outbox-worker.js';
import { VERSION } from '../version.js';
import { SelfUrl } from '../lib/self-url.js';
import { serveDemoHook } from '../api/demo-hook.js';
import { CallTracker } from '../admin/call-tracker.js';

export interface SimulateEnv {
  flows: Flows;
  store: Store;
  logger: Logger;
  dataDir: string;
  dialAllow: string[];
  dialPerCall?: number;
  dialSimultaneous?: number;
  webhookNetworks: 'all' | 'public';
  out(line: string): void;
}

export interface SimulateOptions {
  to: string;
  from: string;
  keys: string;
  json: boolean;
  farEnd: string;
}

/** Human-readable line for one event (the default output of `hookline simulate`). */
export function formatEvent(e: SimEvent | FlowEvent): string {
  const leg = 'leg' in e && e.leg ? `[${e.leg}] ` : '';
  switch (e.type) {
    case 'answered': return 'answered';
    case 'answer': return `answer ${e.question}: ${e.value}`;
    case 'prompt': return `${leg}say: ${e.text}`;
    case 'digits': return `${leg}keys: ${e.digits}${e.terminator ?? ''}${e.timedOut ? ' (timeout)' : ''}`;
    case 'record': return `${leg}recorded ${e.durationMs} ms`;
    case 'ringing': return `ringing ${e.destination}`;
    case 'refused': return `not dialled ${e.destination}: ${e.reason}`;
    case 'cancel': return `cancel ${e.destination}`;
    case 'hold': return `${e.on ? 'start' : 'stop'} ${e.audio}`;
    case 'hangup': return `${leg}hangup by ${e.by}`;
    case 'transition': return `-> ${e.to}`;
    case 'webhook_request': return `webhook ${e.method} ${e.url} ${new URLSearchParams(e.params).toString()}`;
    case 'webhook_response': return `webhook response ${e.status ?? '-'} in ${e.latencyMs} ms${e.failure ? ` (failed: ${e.failure})` : ''}${e.body ? `: ${e.body.slice(0, 500)}` : ''}`;
    case 'dial': return `dial ${e.destination}: ${e.outcome}`;
    case 'bridge': return `bridged to ${e.destination} for ${e.durationMs} ms${e.recordedMs ? `, recorded ${e.recordedMs} ms` : ''}`;
    case 'recording': return `recording saved ${e.path} (${e.durationMs} ms)`;
    case 'error': return `error: ${e.message}`;
    case 'ivr_end': return `ivr ${e.ivrId} ended${e.completed ? '' : ' before its last question'}`;
    default: return JSON.stringify(e);
  }
}

/**
 * Runs one call without any phone (docs/flows.md, `hookline simulate`): prompts are printed, the keys
 * script plays the caller, webhooks really go out and are logged in the store like a real call's.
 */
export async function simulate(o: SimulateOptions, env: SimulateEnv): Promise<void> {
  const start = Date.now();
  const emit = (e: SimEvent | FlowEvent): void => {
    env.out(o.json ? JSON.stringify({ t: Date.now() - start, ...e }) : formatEvent(e));
  };
  // URLs written as paths (`/demo/hook?step=lookup`) mean "hookline's own HTTP server". A simulation
  // has none, so it hosts the demo webhook on a port of its own for them: the demo flows then run
  // without `npm start` in another shell, whatever port a server would use.
  const demo = await serveDemoHook();
  try {
    const self = new SelfUrl();
    self.listening('127.0.0.1', demo.port);
    await run(o, env, emit, self);
  } finally {
    await demo.close();
  }
}

async function run(o: SimulateOptions, env: SimulateEnv, emit: (e: SimEvent | FlowEvent) => void, self: SelfUrl): Promise<void> {
  const outbox = new OutboxWorker({ outbox: env.store.outbox, log: env.store.webhooks, networks: env.webhookNetworks, userAgentVersion: VERSION, logger: env.logger, self });
  outbox.start();
  const app = createApp({
    settings: {
      dataDir: env.dataDir,
      dialAllow: env.dialAllow,
      webhookNetworks: env.webhookNetworks,
      ...(env.dialPerCall !== undefined ? { dialPerCall: env.dialPerCall } : {}),
      ...(env.dialSimultaneous !== undefined ? { dialSimultaneous: env.dialSimultaneous } : {}),
    },
    flows: env.flows,
    store: env.store,
    clock: systemClock,
    logger: env.logger,
    outbox,
    self,
    // A simulated call's timeline goes to the data dir's store like a real call's, for the console.
    tracker: new CallTracker({ store: env.store, clock: systemClock, logger: env.logger, dataDir: env.dataDir }),
  });
  const call = new SimulatedCall({
    sessionId: newSessionId(),
    from: o.from,
    to: o.to,
    keys: o.keys,
    clock: systemClock,
    farEnds: parseFarEnds(o.farEnd),
    dialLimits: app.dialLimits,
    writeRecording: writeSilentWav,
    onEvent: emit,
  });
  await app.runCall(call, emit);
  // Post-call actions go out once the call has ended; a simulation waits for their first attempt
  // (failures stay queued in the data dir and are retried by the next serve or simulate).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([outbox.settled(), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
  clearTimeout(timer);
  await outbox.stop();
}
