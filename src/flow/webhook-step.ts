import type { IvrConfig, WebhookConfig, FindMeConfig, Flows } from '../config/types.js';
import type { CallControl } from '../calls/types.js';
import type { Action, DynamicFindMe } from '../webhook/action.js';
import { buildIvrParams } from '../webhook/params.js';
import { parseNextAction } from '../webhook/response.js';
import { htmlToText } from '../webhook/html.js';
import type { FlowDeps } from './deps.js';
import { say } from './deps.js';
import type { IvrRun } from './ivr.js';
import type { CallState, Next } from './state.js';

export interface WebhookRequest {
  sessionId: string;
  method: 'GET' | 'POST';
  url: string;
  params: Array<[string, string]>;
  secret?: string;
  timeoutMs: number;
}

/** The outcome of one webhook delivery; `logId` is its webhook-log entry, for adding a later failure reason. */
export type WebhookReply =
  | { ok: true; logId: number; status: number; body: string; latencyMs: number }
  | { ok: false; logId: number; status?: number; body?: string; latencyMs: number; failure: string };

/** Sends a webhook and records it in the webhook log; injected so the flow never opens sockets. */
export type WebhookSender = (req: WebhookRequest) => Promise<WebhookReply>;

/**
 * Sends the IVR's webhook as soon as the IVR ends and turns the response into the call's next step
 * (docs/webhook.md). Every failure kind goes to the IVR's failure route and its reason is logged.
 */
export async function afterIvr(call: CallControl, ivr: IvrConfig, run: IvrRun, state: CallState, deps: FlowDeps): Promise<Next> {
  const cfg = ivr.webhook;
  if (!cfg) return call.hungUp ? { kind: 'ended' } : { kind: 'hangup', reason: 'ivr_end' };

  const params = ivrWebhookParams(ivr, cfg, run, state, deps);
  const reply = await sendIvrWebhook(cfg, params, state, deps);
  // A caller who hung up part-way still gets their answers sent; the response is logged, not acted on.
  if (call.hungUp) return { kind: 'ended' };
  if (!reply.ok) return failureRoute(call, cfg, deps, reply.failure, state.sessionId);

  if (cfg.action === 'read_text') {
    const text = htmlToText(reply.body);
    if (text) await call.play(say(text), { bargeIn: false });
    return { kind: 'hangup', reason: 'read_text' };
  }

  let action: Action;
  try {
    const parsed = parseNextAction(reply.body);
    action = parsed.action;
    for (const w of parsed.warnings) deps.logger.warn({ sessionId: state.sessionId, ivrId: ivr.id }, `webhook response: ${w}`);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await deps.store.webhooks.logOutcome(reply.logId, { status: reply.status, latencyMs: reply.latencyMs, responseBody: reply.body, failure: reason });
    return failureRoute(call, cfg, deps, reason, state.sessionId);
  }
  const next = actionToNext(action, deps.flows);
  if (typeof next === 'string') {
    await deps.store.webhooks.logOutcome(reply.logId, { status: reply.status, latencyMs: reply.latencyMs, responseBody: reply.body, failure: next });
    return failureRoute(call, cfg, deps, next, state.sessionId);
  }
  if (action.passThrough !== undefined) state.passThrough = action.passThrough;
  Object.assign(state.userParameters, action.userParameters);
  return next;
}

/** The IVR webhook's parameters for a run of `ivr` in this call (automatic, SourceTrak, dynamic). */
export function ivrWebhookParams(ivr: IvrConfig, cfg: WebhookConfig, run: Pick<IvrRun, 'responseId' | 'startedAt' | 'completed' | 'optedOut' | 'answers'>, state: CallState, deps: Pick<FlowDeps, 'flows'>): Array<[string, string]> {
  return buildIvrParams(
    {
      numberCalled: state.numberCalled,
      callerId: state.callerId,
      ivrId: ivr.id,
      responseId: run.responseId,
      startedAt: run.startedAt,
      timezone: deps.flows.timezone,
      passThrough: state.passThrough,
      callResult: state.callResult,
      completed: run.completed,
      optedOut: run.optedOut,
      sessionId: state.sessionId,
      monitoredSeconds: state.monitoredSeconds,
      answers: run.answers,
      userParameters: state.userParameters,
      ...(state.sourcetrak ? { sourcetrak: state.sourcetrak } : {}),
    },
    cfg,
  );
}

/** Sends the IVR webhook and reports it to the event sink. */
export async function sendIvrWebhook(cfg: WebhookConfig, params: Array<[string, string]>, state: CallState, deps: FlowDeps): Promise<WebhookReply> {
  deps.events?.({ type: 'webhook_request', method: cfg.method, url: cfg.url, params });
  const reply = await deps.sendWebhook({
    sessionId: state.sessionId,
    method: cfg.method,
    url: cfg.url,
    params,
    ...(cfg.secret ? { secret: cfg.secret } : {}),
    timeoutMs: cfg.timeoutS * 1000,
  });
  deps.events?.({
    type: 'webhook_response',
    latencyMs: reply.latencyMs,
    logId: reply.logId,
    ...(reply.status !== undefined ? { status: reply.status } : {}),
    ...(reply.body !== undefined ? { body: reply.body } : {}),
    ...(reply.ok ? {} : { failure: reply.failure }),
  });
  return reply;
}

async function failureRoute(call: CallControl, cfg: WebhookConfig, deps: FlowDeps, reason: string, sessionId: string): Promise<Next> {
  deps.events?.({ type: 'error', message: `webhook failed: ${reason}` });
  // The delivery's own log line says how the request went; this one says why the call leaves the IVR
  // (also a 200 whose body is no usable <action>).
  deps.logger.warn({ sessionId, url: cfg.url, reason }, 'webhook failure route');
  await call.play(cfg.onFailure.map((p) => ('text' in p ? { text: p.text } : { audioPath: p.audio })), { bargeIn: false });
  return { kind: 'hangup', reason: 'webhook_failure' };
}

/** Maps an action to the next step, or returns why it cannot be followed (an id that names nothing). */
export function actionToNext(action: Action, flows: Flows): Next | string {
  switch (action.app) {
    case 'survo':
      return flows.ivrs.has(action.id) ? { kind: 'block', ref: { kind: 'ivr', id: action.id } } : `no IVR with id ${action.id}`;
    case 'findme':
      if (action.dynamic) return { kind: 'dynamic_findme', config: dynamicFindMe(action.dynamic) };
      return flows.findmes.has(action.id) ? { kind: 'block', ref: { kind: 'findme', id: action.id } } : `no Find Me with id ${action.id}`;
    case 'vr':
      return flows.vrs.has(action.id) ? { kind: 'block', ref: { kind: 'vr', id: action.id } } : `no Virtual Receptionist with id ${action.id}`;
    case 'voicemail':
      return flows.voicemails.has(action.id) ? { kind: 'block', ref: { kind: 'voicemail', id: action.id } } : `no voicemail box with id ${action.id}`;
    case 'hangup':
      return { kind: 'hangup', reason: 'webhook_hangup' };
    case 'transfer':
      return { kind: 'transfer', destination: action.destination };
  }
}

/** Dynamic Find Me: the response's options plus the spec's defaults (20 s ring time, one pass, ringback). */
export function dynamicFindMe(d: DynamicFindMe): FindMeConfig {
  return {
    id: 0,
    phoneList: d.phoneList,
    simultaneous: d.simultaneous,
    timeoutS: 20,
    screenMethod: d.screenMethod,
    whisperPhrase: d.whisperPhrase,
    ...(d.whisperAudio ? { whisperAudio: d.whisperAudio } : {}),
    record: d.record,
    autoAccept: d.autoAccept,
    nextaction: d.nextaction,
    ...(d.nextactionitem !== undefined ? { nextactionitem: d.nextactionitem } : {}),
    loopCount: 1,
    randomize: false,
    holdmusic: 'ringback',
  };
}
