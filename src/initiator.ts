import { performance } from 'node:perf_hooks';
import type { App } from './app.js';
import type { Logger } from './lib/logger.js';
import { newSessionId } from './lib/ids.js';
import type { CallInitiator, InitiateRequest, InitiateResult } from './api/initiate-types.js';
import type { AdmissionRefusal, CallAdmission } from './calls/telephony/admission.js';
import type { Trunk } from './calls/telephony/trunk.js';
import { TelephonyCall } from './calls/telephony/call.js';
import { OutboundLeg } from './calls/telephony/outbound-leg.js';
import type { CallEntry } from './flow/runner.js';
import type { CallState } from './flow/state.js';
import { reportUnansweredIvr } from './flow/outbound.js';
import { dynamicFindMe } from './flow/webhook-step.js';

/** How long the first leg may ring before the API reports no answer. */
const FIRST_LEG_RING_MS = 30_000;

/** The node's count of calls (calls/telephony/admission.ts): a place for each call placed, or why not. */
export type CallSlots = Pick<CallAdmission, 'acquire'>;

/** What the API's caller is told when the node takes no new call, by the reason it gave. */
const UNAVAILABLE: Record<AdmissionRefusal, string> = {
  max_calls: 'hookline is at its call limit (HOOKLINE_MAX_CALLS); try again shortly',
  overload: 'hookline is overloaded (its media clock runs late); try again shortly',
  database: 'the database is unavailable; try again shortly',
  draining: 'hookline is restarting; try again shortly',
};

/**
 * Places the calls the Call Initiation API asks for: dials the first number through the trunk and,
 * once it answers, runs the requested building block on it (the HTTP answer, "Call Connected.", goes
 * out then, as the original's). An IVR call that is not answered still sends that IVR's webhook once
 * with `ivr_call_result`.
 */
export function createCallInitiator(o: { app: App; trunk: Trunk | undefined; logger: Logger; slots?: CallSlots }): CallInitiator {
  return {
    async initiate(req: InitiateRequest): Promise<InitiateResult> {
      const { app, trunk } = o;
      if (!trunk) return { outcome: 'failed', reason: 'no outbound trunk is configured (HOOKLINE_TRUNK)' };
      const entry = entryOf(req, app);
      if (typeof entry === 'string') return { outcome: 'refused', reason: entry };
      for (const n of [req.firstNumber, ...(req.kind === 'call' ? [req.secondNumber] : [])]) {
        const refused = app.checkDial(n);
        if (refused) {
          o.logger.warn({ destination: n, source: req.source }, `call initiation refused: ${refused}`);
          return { outcome: 'refused', reason: refused };
        }
      }
      // Counted from before the first leg is dialled, as an incoming call is from its INVITE: a burst of
      // requests cannot overshoot HOOKLINE_MAX_CALLS while their legs ring.
      const slot = o.slots?.acquire() ?? { release: () => undefined };
      if ('refusal' in slot) return { outcome: 'unavailable', reason: UNAVAILABLE[slot.refusal], retryAfterS: slot.retryAfterS };
      try {
        return await place(req, entry, trunk, slot.release);
      } catch (err) {
        slot.release();
        throw err;
      }
    },
  };

  async function place(req: InitiateRequest, entry: CallEntry, trunk: Trunk, release: () => void): Promise<InitiateResult> {
    const { app } = o;
    const sessionId = newSessionId();
    const log = o.logger.child({ sessionId, source: req.source });
    const initial: Partial<CallState> = {
      direction: 'outbound',
      // For Click-to-Call the presented number on the second leg is the one the flow dials with.
      callerId: (req.kind === 'call' ? req.secondCallerId : req.firstCallerId) ?? '',
      numberCalled: req.firstNumber,
      userParameters: { ...req.userParameters },
      ...(req.passThrough !== undefined ? { passThrough: req.passThrough } : {}),
    };
    const r = await trunk.dial({ sessionId, destination: req.firstNumber, callerId: req.firstCallerId ?? '', timeoutMs: FIRST_LEG_RING_MS, logger: log, startedAt: performance.now() });
    if (!(r.leg instanceof OutboundLeg)) {
      release();
      // busy and no_answer are reported as such; anything else (canceled, refused by the trunk) failed.
      const callResult = r.outcome === 'busy' || r.outcome === 'no_answer' || r.outcome === 'canceled' ? r.outcome : 'failed';
      const result = callResult === 'canceled' ? 'failed' : callResult;
      if (req.kind === 'ivr') {
        const ivr = app.flows().ivrs.get(req.blockId);
        const state: CallState = { sessionId, direction: 'outbound', callerId: initial.callerId ?? '', numberCalled: req.firstNumber, passThrough: req.passThrough ?? '', userParameters: { ...req.userParameters }, monitoredSeconds: 0, callResult, visited: [], answers: [] };
        if (ivr) await reportUnansweredIvr(ivr, state, app.flowDeps()).catch((err: unknown) => log.error({ err }, 'unanswered IVR webhook failed'));
      }
      return { outcome: result, sessionId, reason: `first leg: ${r.outcome}` };
    }
    const call = TelephonyCall.fromAnsweredLeg(r.leg, initial.callerId ?? '', log, trunk);
    void call.ended.then(release);
    void app.runCall(call, undefined, { entry, initial: { ...initial, callResult: 'answered' } }).catch((err: unknown) => log.error({ err }, 'initiated call failed'));
    return { outcome: 'connected', sessionId };
  }
}

/** The building block the request names, or why it cannot run (an id that names nothing). */
function entryOf(req: InitiateRequest, app: App): CallEntry | string {
  const flows = app.flows();
  switch (req.kind) {
    case 'ivr':
      return flows.ivrs.has(req.blockId) ? { kind: 'ivr', id: req.blockId } : `no IVR with id ${req.blockId}`;
    case 'vr':
      return flows.vrs.has(req.blockId) ? { kind: 'vr', id: req.blockId } : `no Virtual Receptionist with id ${req.blockId}`;
    case 'voicemail':
      return flows.voicemails.has(req.blockId) ? { kind: 'voicemail', id: req.blockId } : `no voicemail box with id ${req.blockId}`;
    case 'findme':
      return flows.findmes.has(req.blockId) ? { kind: 'findme', id: req.blockId } : `no Find Me with id ${req.blockId}`;
    case 'call':
      return { kind: 'transfer', destination: req.secondNumber };
    case 'findme_list': {
      const s = req.findMe;
      const nextaction = s.nextAction && s.nextAction >= 1 && s.nextAction <= 7 ? (s.nextAction as 1 | 2 | 3 | 4 | 5 | 6 | 7) : 1;
      const config = dynamicFindMe({
        phoneList: s.list,
        simultaneous: 1,
        nextaction,
        ...(s.nextActionItem !== undefined ? { nextactionitem: s.nextActionItem } : {}),
        record: s.record ? 1 : 0,
        screenMethod: s.whisperPhrase ? 1 : 3,
        whisperPhrase: s.whisperPhrase ?? '',
        autoAccept: 0,
      });
      return {
        kind: 'dynamic_findme',
        config: { ...config, loopCount: s.loopCount ?? 1, randomize: s.randomize ?? false, timeoutS: s.timeoutS ?? 30, holdmusic: s.holdMusic ?? 'ringback' },
      };
    }
  }
}
