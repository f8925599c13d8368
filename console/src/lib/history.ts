/**
 * Call history and webhook log shapes as the Administration API sends them (GET /calls, /calls/{id},
 * /calls/active, /calls/events, /webhooks, /stats), and the live list of calls kept from the event stream.
 */
export interface CallSummary {
  session_id: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  end_reason: string | null;
  in_progress: boolean;
  blocks: string[];
  pass_through: string;
  monitored_seconds: number;
}

export interface LiveCall {
  session_id: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  started_at: string;
  current_block: string | null;
  bridged_to: string | null;
  ended_at?: string | null;
  end_reason?: string | null;
}

export interface WebhookSummary {
  id: number;
  session_id: string | null;
  kind: 'ivr' | 'transcription' | 'post_call' | 'voicemail';
  method: 'GET' | 'POST';
  url: string;
  sent_at: string;
  ok: boolean | null;
  status: number | null;
  latency_ms: number | null;
  failure: string | null;
  attempt: number;
  replay_of: number | null;
}

export interface Webhook extends WebhookSummary {
  params: Array<{ name: string; value: string }>;
  response_body: string | null;
}

export interface Recording {
  id: number;
  session_id: string;
  kind: 'question' | 'voicemail' | 'call' | 'name';
  file: string;
  duration_ms: number;
  caller_id: string;
  created_at: string;
  response_id: number | null;
  question_no: number | null;
  voicemail_id: number | null;
  audio_url: string;
}

export interface TimelineItem {
  at: string;
  offset_ms: number;
  type: string;
  leg: string | null;
  summary: string;
  data: Record<string, unknown>;
}

export interface CallDetail extends CallSummary {
  current_block: string | null;
  timeline: TimelineItem[];
  interactions: Array<{
    response_id: number;
    ivr_id: number;
    started_at: string;
    ended_at: string | null;
    completed: boolean;
    opted_out: boolean;
    answers: Array<{ question_no: number; question_type: string; value: string; keys: string | null; duration_ms: number | null; at: string }>;
  }>;
  webhooks: Webhook[];
  recordings: Recording[];
}

export interface Stats {
  generated_at: string;
  calls_in_progress: number;
  window: { since: string; until: string };
  calls: { total: number; by_end_reason: Array<{ end_reason: string | null; calls: number }>; per_hour: Array<{ hour: string; calls: number }> };
  webhooks: { requests: number; failures: number; by_kind: Array<{ kind: string; requests: number; failures: number }> };
}

/** The live list after one event of GET /calls/events; `ended` keeps the call briefly, marked. */
export function applyLiveEvent(list: LiveCall[], name: string, data: unknown): LiveCall[] {
  if (name === 'snapshot') return (data as { items: LiveCall[] }).items;
  const call = data as LiveCall;
  if (name === 'call.started') return [call, ...list.filter((c) => c.session_id !== call.session_id)];
  if (name === 'call.updated') return list.map((c) => (c.session_id === call.session_id ? call : c));
  if (name === 'call.ended') return list.filter((c) => c.session_id !== call.session_id);
  return list;
}

/** `12` -> `12 s`, `75` -> `1 min 15 s`. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
}

/** How calls end (flow/ and the runner); the filter also offers those seen in the last day. */
export const END_REASONS = [
  'caller_hangup',
  'ivr_end',
  'read_text',
  'webhook_hangup',
  'webhook_failure',
  'voicemail_left',
  'findme_unanswered',
  'vr_no_choice',
  'transfer_refused',
  'not_in_service',
  'too_many_steps',
  'failed',
  'shutdown',
  'interrupted',
];
