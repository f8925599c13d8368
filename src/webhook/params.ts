import type { CallField, WebhookConfig } from '../config/types.js';
import { SOURCETRAK_PARAMS, reservedParamKind } from '../config/names.js';
import { formatTimestamp } from './timestamp.js';

export { formatTimestamp } from './timestamp.js';

/** What the IVR knows when it ends; the flow runner fills it, buildIvrParams turns it into the request. */
export interface IvrWebhookInput {
  /** DNIS as routed: digits with an optional leading `+`. */
  numberCalled: string;
  /** '' when withheld. */
  callerId: string;
  ivrId: number;
  responseId: number;
  startedAt: Date;
  /** IANA zone for `ivr_timestamp` (the flows file's `timezone`, default UTC). */
  timezone: string;
  passThrough: string;
  /** '' for inbound calls. */
  callResult: '' | 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';
  completed: boolean;
  optedOut: boolean;
  /** 32 lowercase hex characters, the same in every request of the call. */
  sessionId: string;
  monitoredSeconds: number;
  /** Question number (from 1) -> answer value (keypad digits without terminator, menu option value). */
  answers: Map<number, string>;
  userParameters: Record<string, string>;
  /** SourceTrak data keyed by the full `st_*` name; undefined when the call did not come from a pool. */
  sourcetrak?: Record<string, string>;
}

// One source for the contract's names: the config loader refuses dynamic names that collide with them.
export { AUTOMATIC_PARAMS, SOURCETRAK_PARAMS } from '../config/names.js';

/**
 * True when a dynamic parameter name collides with an automatic or SourceTrak name (the config
 * loader reports such a name at load time, as the spec requires, not mid-call).
 */
export function isReservedParamName(name: string): boolean {
  return reservedParamKind(name) !== undefined;
}

/** Own properties only: a user parameter named `constructor` must not find Object.prototype's. */
function own(rec: Record<string, string> | undefined, key: string): string {
  return rec !== undefined && Object.hasOwn(rec, key) ? (rec[key] ?? '') : '';
}

const flag = (b: boolean): string => (b ? '1' : '0');

function callField(input: IvrWebhookInput, field: CallField): string {
  switch (field) {
    case 'caller_id':
      return input.callerId;
    case 'number_called':
      return input.numberCalled;
    case 'session_id':
      return input.sessionId;
    case 'pass_through':
      return input.passThrough;
    case 'timestamp':
      return formatTimestamp(input.startedAt, input.timezone);
    case 'ivr_id':
      return String(input.ivrId);
    case 'response_id':
      return String(input.responseId);
  }
}

/**
 * The IVR webhook's parameters in the order they are sent: automatic `ivr_*`, then `st_*` (only when
 * the option is on and the call has SourceTrak data), then the dynamic parameters in configured order.
 * Every automatic and SourceTrak name is always present; what is unknown is the empty string.
 */
export function buildIvrParams(
  input: IvrWebhookInput,
  cfg: Pick<WebhookConfig, 'parameters' | 'includeSourcetrak'>,
): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['ivr_number_called', input.numberCalled],
    ['ivr_caller_id', input.callerId],
    ['ivr_id', String(input.ivrId)],
    ['ivr_response_id', String(input.responseId)],
    ['ivr_timestamp', formatTimestamp(input.startedAt, input.timezone)],
    ['ivr_pass_through', input.passThrough],
    ['ivr_call_result', input.callResult],
    ['ivr_completed', flag(input.completed)],
    ['ivr_session_id', input.sessionId],
    // Whole seconds; a fraction would break receivers that parse it as an integer.
    ['ivr_monitored_time', String(Math.max(0, Math.floor(input.monitoredSeconds || 0)))],
    ['ivr_opted_out', flag(input.optedOut)],
  ];
  if (cfg.includeSourcetrak && input.sourcetrak !== undefined) {
    for (const name of SOURCETRAK_PARAMS) out.push([name, own(input.sourcetrak, name)]);
  }
  for (const p of cfg.parameters) {
    const s = p.source;
    let value: string;
    if (s.kind === 'question') value = input.answers.get(s.n) ?? '';
    else if (s.kind === 'user') value = own(input.userParameters, s.name);
    else value = callField(input, s.field);
    out.push([p.name, value]);
  }
  return out;
}
