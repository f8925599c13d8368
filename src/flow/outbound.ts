import type { IvrConfig } from '../config/types.js';
import type { FlowDeps } from './deps.js';
import type { CallState } from './state.js';
import { ivrWebhookParams, sendIvrWebhook } from './webhook-step.js';

/**
 * An outbound call meant for an IVR (Click-to-IVR) that was not answered: the IVR's webhook is still
 * sent once, with `ivr_completed=0` and `ivr_call_result` saying why (docs/webhook.md), and the
 * call is kept in the store like any other.
 */
export async function reportUnansweredIvr(ivr: IvrConfig, state: CallState, deps: FlowDeps): Promise<void> {
  const now = new Date(deps.clock.now());
  await deps.store.calls.create({
    sessionId: state.sessionId,
    direction: 'outbound',
    from: state.callerId,
    to: state.numberCalled,
    startedAt: now,
    endedAt: now,
    endReason: state.callResult || 'failed',
    passThrough: state.passThrough,
    monitoredSeconds: 0,
  });
  const responseId = await deps.store.interactions.start({ sessionId: state.sessionId, ivrId: ivr.id, startedAt: now });
  await deps.store.interactions.finish(responseId, { completed: false, optedOut: false, endedAt: now });
  if (!ivr.webhook) return;
  const run = { responseId, startedAt: now, completed: false, optedOut: false, answers: new Map<number, string>() };
  await sendIvrWebhook(ivr.webhook, ivrWebhookParams(ivr, ivr.webhook, run, state, deps), state, deps);
}
