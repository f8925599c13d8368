import type { PostCallAction, PostCallField, PostCallScope, PostCallSource } from '../config/types.js';
import type { OutboxRequest } from './outbox-worker.js';
import { formatTimestamp } from './timestamp.js';

/** What the call runner knows once a call has ended: the data every post-call placeholder draws on. */
export interface CallSummary {
  /** 32 lowercase hex characters, the `ivr_session_id` of the call's IVR webhooks. */
  sessionId: string;
  /** '' when withheld. */
  callerId: string;
  /** DNIS as routed: digits with an optional leading `+`. */
  numberCalled: string;
  startedAt: Date;
  endedAt: Date;
  /** How the call ended, as CallRecord.endReason: caller_hangup, hangup, transfer, failed, busy, ... */
  endReason: string;
  /** The number the caller was last bridged to, when the call was transferred or found by Find Me. */
  transferTarget?: string;
  monitoredSeconds: number;
  recordingUrl?: string;
  /** The pass-through string at the end of the call, verbatim. */
  passThrough: string;
  /** Every building block the call entered, as `ivr/10`, `vr/3`, `findme/4`, `voicemail/7`. */
  blocksVisited: string[];
  /** Answers in the order given; an IVR run twice in the call contributes twice. */
  answers: Array<{ ivrId: number; questionNo: number; value: string }>;
  /** The call's SourceTrak match by `st_*` name; absent for a call not on a pool's number. */
  sourcetrak?: Record<string, string>;
}

const scopeText = (s: Exclude<PostCallScope, { kind: 'number' }>): string => `${s.kind}/${s.id}`;

/** An action with no `applies_to` fires for every call; otherwise the number or any visited block must match. */
export function postCallApplies(action: Pick<PostCallAction, 'appliesTo'>, call: Pick<CallSummary, 'numberCalled' | 'blocksVisited'>): boolean {
  if (action.appliesTo.length === 0) return true;
  return action.appliesTo.some((s) => (s.kind === 'number' ? s.number === call.numberCalled : call.blocksVisited.includes(scopeText(s))));
}

/** Whole seconds of a non-negative count; anything else (NaN, negative) reads as 0. */
const wholeSeconds = (s: number): string => String(Number.isFinite(s) && s > 0 ? Math.floor(s) : 0);

function callField(call: CallSummary, field: PostCallField, timezone: string): string {
  switch (field) {
    case 'session_id':
      return call.sessionId;
    case 'caller_id':
      return call.callerId;
    case 'number_called':
      return call.numberCalled;
    case 'start':
      return formatTimestamp(call.startedAt, timezone);
    case 'end':
      return formatTimestamp(call.endedAt, timezone);
    case 'duration':
      // From the whole seconds that start and end are sent with, so that end - start = duration exactly
      // for a receiver that checks (truncating the difference could be one less than the two stamps show).
      return wholeSeconds(Math.floor(call.endedAt.getTime() / 1000) - Math.floor(call.startedAt.getTime() / 1000));
    case 'end_reason':
      return call.endReason;
    case 'transfer_target':
      return call.transferTarget ?? '';
    case 'monitored_time':
      return wholeSeconds(call.monitoredSeconds);
    case 'recording_url':
      return call.recordingUrl ?? '';
    case 'pass_through':
      return call.passThrough;
    default:
      // st_*: own properties only, so a name like `constructor` can never find Object.prototype's.
      return call.sourcetrak !== undefined && Object.hasOwn(call.sourcetrak, field) ? (call.sourcetrak[field] ?? '') : '';
  }
}

/**
 * The value a placeholder takes for this call. As with the IVR webhook's parameters, every configured
 * name is always sent and what is unknown is the empty string: an IVR the call never reached, a
 * question not answered, no transfer, no recording. An IVR run twice answers with its last run.
 */
export function postCallValue(call: CallSummary, source: PostCallSource, timezone: string): string {
  if (source.kind === 'call') return callField(call, source.field, timezone);
  let value = '';
  for (const a of call.answers) if (a.ivrId === source.ivrId && a.questionNo === source.questionNo) value = a.value;
  return value;
}

/**
 * The requests to enqueue for an ended call: one per action that applies, in file order, each with its
 * dynamic parameters in configured order (after the URL's own static ones for GET, as the IVR webhook).
 * Times are ISO 8601 with the offset of `timezone` (the flows file's, default UTC).
 */
export function postCallRequests(call: CallSummary, actions: readonly PostCallAction[], timezone: string): OutboxRequest[] {
  return actions
    .filter((a) => postCallApplies(a, call))
    .map((a) => {
      const req: OutboxRequest = {
        method: a.method,
        url: a.url,
        params: a.parameters.map((p): [string, string] => [p.name, postCallValue(call, p.source, timezone)]),
      };
      if (a.secret !== undefined) req.secret = a.secret;
      return req;
    });
}
