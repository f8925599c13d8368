import path from 'node:path';
import type { Flows } from './config/types.js';
import type { Settings } from './config/settings.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import type { Store } from './store/types.js';
import type { FlowDeps, VoicemailMessage } from './flow/deps.js';
import { voicemailParams } from './webhook/voicemail.js';
import type { FlowEventSink } from './flow/events.js';
import type { WebhookSender } from './flow/webhook-step.js';
import type { WebhookAgents } from './webhook/agents.js';
import { deliverReported } from './webhook/report.js';
import type { SelfUrl } from './lib/self-url.js';
import { compileDialPolicy } from './config/dial-policy.js';
import { VERSION } from './version.js';
import type { CallControl } from './calls/types.js';
import { DEFAULT_DIAL_LIMITS, withFindMeFloor, type DialLimits } from './calls/dial-limits.js';
import { runCall, type CallEntry } from './flow/runner.js';
import type { CallState } from './flow/state.js';
import type { OutboxWorker } from './webhook/outbox-worker.js';
import { postCallRequests, type CallSummary } from './webhook/postcall.js';
import type { CallTracker } from './admin/call-tracker.js';
import { RunningCalls } from './calls/running.js';
import type { SourceTrak } from './sourcetrak/service.js';

export interface AppOptions {
  settings: Pick<Settings, 'dataDir' | 'webhookNetworks' | 'dialAllow'> & Partial<Pick<Settings, 'dialPerCall' | 'dialSimultaneous'>>;
  /**
   * The configuration: fixed, or a getter of the live one (admin/config-service.ts). Each call takes
   * the snapshot current when it starts and keeps it to its end, so a change affects new calls only.
   */
  flows: Flows | (() => Flows);
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Durable deliveries (post-call actions); without it post-call actions are not sent. */
  outbox?: OutboxWorker;
  /** Kept-alive connections for the IVR webhooks; without it each webhook opens its own. */
  webhookAgents?: WebhookAgents;
  /** The own HTTP server, for webhook URLs written as paths (`/demo/hook`); without it they fail. */
  self?: SelfUrl;
  /** Records each call's timeline and lists calls in progress (admin/call-tracker.ts); without it, neither. */
  tracker?: Pick<CallTracker, 'track'>;
  /** Matches inbound calls on a SourceTrak pool's number to visits (docs/sourcetrak.md); without it, no st_* data. */
  sourcetrak?: Pick<SourceTrak, 'matchCall'>;
  /** Told when a recorded answer asks for an engine transcription (webhook/transcription-worker.ts); without it the job waits for the next poll. */
  transcriber?: { wake(): void };
}

export interface App {
  /** The configuration new calls start with now. */
  flows(): Flows;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** Flow dependencies for one call, over one configuration snapshot; `events` lets a caller (the simulator) watch it. */
  flowDeps(events?: FlowEventSink, flows?: Flows): FlowDeps;
  /**
   * Runs a call, counting it in the metrics: from the block its dialed number routes to, or (calls we
   * place) from the given entry with the given starting state.
   */
  runCall(call: CallControl, events?: FlowEventSink, start?: { entry: CallEntry; initial?: Partial<CallState> }): Promise<void>;
  /** The dial-out policy: undefined when allowed, else why not. */
  checkDial(destination: string): string | undefined;
  /**
   * Per-call limits on outbound legs: the settings, raised to what the configuration's Find Mes ring
   * at once. A live view: each read follows the current configuration.
   */
  dialLimits: DialLimits;
  /** The calls runCall is running now: a shutdown waits for them, then ends them (server/drain.ts). */
  running: RunningCalls;
  /** Queues the post-call actions of a call that has ended (also for calls closed after a crash). */
  callEnded(summary: CallSummary): Promise<void>;
  /** Queues the notification of a voicemail message (also for one a crash cut off). */
  voicemailLeft(message: VoicemailMessage): Promise<void>;
}

/** The one place that wires the layers together. */
export function createApp(o: AppOptions): App {
  const metrics = o.metrics ?? new Metrics();
  const dataDir = path.resolve(o.settings.dataDir);
  const dialPolicy = compileDialPolicy(o.settings.dialAllow);
  const checkDial = (n: string): string | undefined =>
    dialPolicy.allows(n) ? undefined : `${n} is refused by the dial-out policy (HOOKLINE_DIAL_ALLOW=${o.settings.dialAllow.join(',')})`;
  const configured: DialLimits = {
    perCall: o.settings.dialPerCall ?? DEFAULT_DIAL_LIMITS.perCall,
    simultaneous: o.settings.dialSimultaneous ?? DEFAULT_DIAL_LIMITS.simultaneous,
  };
  const current = typeof o.flows === 'function' ? o.flows : ((f: Flows) => () => f)(o.flows);
  const largestFindMe = (): number => Math.max(0, ...[...current().findmes.values()].map((f) => f.simultaneous));
  const limitsNow = (): DialLimits => withFindMeFloor(configured, largestFindMe());
  const dialLimits: DialLimits = {
    get perCall() {
      return limitsNow().perCall;
    },
    get simultaneous() {
      return limitsNow().simultaneous;
    },
  };
  const atStart = limitsNow();
  if (atStart.simultaneous !== configured.simultaneous || atStart.perCall !== configured.perCall) {
    o.logger.info({ configured, dialLimits: atStart }, `per-call dial limits raised: a Find Me in ${current().file} rings ${largestFindMe()} numbers at once`);
  }

  const sendWebhook: WebhookSender = async (req) => {
    // Resolves a path URL, logs request and response, counts both in the metrics (webhook/report.ts).
    const r = await deliverReported(
      o.store.webhooks,
      { sessionId: req.sessionId, kind: 'ivr' },
      { method: req.method, url: req.url, params: req.params, userAgentVersion: VERSION, ...(req.secret ? { secret: req.secret } : {}) },
      { timeoutMs: req.timeoutMs, networks: o.settings.webhookNetworks, clock: o.clock, ...(o.webhookAgents ? { agents: o.webhookAgents } : {}) },
      { logger: o.logger, metrics, ...(o.self ? { self: o.self } : {}) },
    );
    if (r.ok) return { ok: true, logId: r.logId, status: r.status, body: r.body, latencyMs: r.latencyMs };
    return {
      ok: false,
      logId: r.logId,
      latencyMs: r.latencyMs,
      failure: r.failure.message,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
    };
  };

  const callEnded = async (summary: CallSummary, flows: Flows = current()): Promise<void> => {
    for (const req of postCallRequests(summary, flows.postCallActions ?? [], flows.timezone)) {
      await o.outbox?.enqueue('post_call', req, { sessionId: summary.sessionId });
    }
  };
  const voicemailLeft = async (m: VoicemailMessage, flows: Flows = current()): Promise<void> => {
    const notify = flows.voicemails.get(m.voicemailId)?.notify;
    if (!notify || !o.outbox) return;
    await o.outbox.enqueue('voicemail', { method: notify.method, url: notify.url, params: voicemailParams(m, flows.timezone), ...(notify.secret ? { secret: notify.secret } : {}) }, { sessionId: m.sessionId });
  };

  const flowDeps = (events?: FlowEventSink, flows: Flows = current(), sourcetrak?: Record<string, string>): FlowDeps => {
    // The call's own configuration snapshot, not whatever is current when it ends; and its SourceTrak match.
    const onCallEnded = (summary: CallSummary): Promise<void> => callEnded(sourcetrak ? { ...summary, sourcetrak } : summary, flows);
    const onVoicemail = (m: VoicemailMessage): Promise<void> => voicemailLeft(m, flows);
    // Only engine jobs wake the worker; human ones wait in the queue people work through.
    const onTranscriptionQueued = (job: { mode: 'standard' | 'human' }): void => {
      if (job.mode === 'standard') o.transcriber?.wake();
    };
    return {
      flows,
      store: o.store,
      clock: o.clock,
      logger: o.logger,
      dataDir,
      sendWebhook,
      checkDial,
      ...(events ? { events } : {}),
      ...(o.outbox ? { onCallEnded, onVoicemail } : {}),
      ...(o.transcriber ? { onTranscriptionQueued } : {}),
    };
  };

  const running = new RunningCalls();
  return {
    flows: current,
    store: o.store,
    metrics,
    logger: o.logger,
    flowDeps,
    checkDial,
    dialLimits,
    running,
    callEnded: (summary) => callEnded(summary),
    voicemailLeft: (m) => voicemailLeft(m),
    async runCall(call, events, start) {
      metrics.callsTotal.inc({ direction: call.direction });
      metrics.callsActive.inc();
      // The raw call, not the tracked one: a cut-off's goodbye is not a step of the flow.
      const run = running.add(call);
      const tracked = o.tracker?.track(call, events);
      try {
        const flows = current(); // one snapshot for the whole call
        // A call to a pool's number is matched to the visit that showed it, once, before the flow runs.
        const sourcetrak = !start && call.direction === 'inbound' && o.sourcetrak
          ? await o.sourcetrak.matchCall(flows, call.sessionId, call.to).catch((err: unknown) => {
              o.logger.error({ err, sessionId: call.sessionId }, 'SourceTrak match failed; the call goes on without st_* data');
              return undefined;
            })
          : undefined;
        const initial = start?.initial ?? (sourcetrak ? { sourcetrak } : undefined);
        const deps = { ...flowDeps(tracked?.events ?? events, flows, sourcetrak), cutOffReason: run.reason };
        await runCall(tracked?.call ?? call, start ? start.entry : flows.numbers.get(call.to), deps, initial);
      } finally {
        metrics.callsActive.dec();
        await tracked?.done();
        run.done();
      }
    },
  };
}
