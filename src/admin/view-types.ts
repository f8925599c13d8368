/**
 * The shapes the Administration API answers with for calls, webhooks, recordings and the audio
 * library: snake_case, ISO
 * 8601 UTC times, `null` for what is unknown (never a missing key, so a table can render every column).
 *
 * Types only, and nothing imported but types: the web console imports this file with `import type`
 * (erased when it is built, so no server code reaches the browser bundle), and the console's pages
 * and the server can then not disagree about a field. The builders are in views.ts and history.ts;
 * the zod schemas that document them in the OpenAPI document are typed against these in calls-routes.ts.
 */
import type { CallRecord, RecordingRecord, WebhookLogEntry } from '../store/types.js';

/** A page of a list that goes on: `next_cursor` (null on the last page) reads the next one. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface WebhookSummaryView {
  id: number;
  session_id: string | null;
  kind: WebhookLogEntry['kind'];
  method: WebhookLogEntry['method'];
  url: string;
  sent_at: string;
  /** null: no response recorded (still in flight, or the process stopped while it was). */
  ok: boolean | null;
  status: number | null;
  latency_ms: number | null;
  failure: string | null;
  attempt: number;
  replay_of: number | null;
}

export interface WebhookView extends WebhookSummaryView {
  params: Array<{ name: string; value: string }>;
  response_body: string | null;
}

export interface RecordingView {
  id: number;
  session_id: string;
  kind: RecordingRecord['kind'];
  /** The WAV file, relative to the data dir. */
  file: string;
  duration_ms: number;
  caller_id: string;
  created_at: string;
  response_id: number | null;
  question_no: number | null;
  voicemail_id: number | null;
  /** GET this for the WAV (Range requests work, so an <audio> element can seek). */
  audio_url: string;
}

export interface VoicemailMessageView {
  id: number;
  voicemail_id: number;
  session_id: string;
  /** Who left it; empty when the caller id was withheld. */
  caller_id: string;
  received_at: string;
  duration_ms: number;
  duration_s: number;
  audio_url: string;
}

/** A file of the audio library (GET /audio). */
export interface AudioEntryView {
  name: string;
  size_bytes: number;
  /** Null when the file is not a WAV this server can read. */
  duration_ms: number | null;
  sample_rate: number | null;
  channels: number | null;
  modified_at: string;
  /** Why a file put into the folder by hand cannot be played. */
  problem?: string;
}

/** What an upload answers: the stored file, and the format recognised in the upload. */
export interface UploadedAudioView extends AudioEntryView {
  converted_from: string;
}

export interface CallSummaryView {
  session_id: string;
  direction: CallRecord['direction'];
  /** Caller id; '' when withheld. */
  from: string;
  /** The dialed number. */
  to: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  end_reason: string | null;
  /** Running now, on this node or on another sharing the database (see GET /calls/active). */
  in_progress: boolean;
  /** The building blocks the call entered, in order (`ivr/10`, `transfer/3125550101`...). */
  blocks: string[];
  pass_through: string;
  monitored_seconds: number;
  /** Run from the console's Test panel or POST /test-calls. */
  test: boolean;
  /** The node that runs (ran) the call (HOOKLINE_NODE_ID); null for calls from before nodes were recorded. */
  node: string | null;
}

export interface TimelineItem {
  at: string;
  /** Milliseconds since the call started. */
  offset_ms: number;
  type: string;
  /** The dialled destination for events on a far leg; null for the caller's side. */
  leg: string | null;
  /** One line saying what happened, ready to show. */
  summary: string;
  data: Record<string, unknown>;
}

export interface InteractionView {
  response_id: number;
  ivr_id: number;
  started_at: string;
  ended_at: string | null;
  completed: boolean;
  opted_out: boolean;
  answers: Array<{ question_no: number; question_type: string; value: string; keys: string | null; duration_ms: number | null; at: string }>;
}

/** A call's SourceTrak match (docs/sourcetrak.md): the st_* values as sent, in the contract's order. */
export interface SourcetrakMatchView {
  pool: string;
  number: string;
  /** 1 (sure) to 5 (no visit): docs/sourcetrak.md. */
  rank: number;
  matched_at: string;
  /** The visitor's identifying values were blanked after the retention period. */
  erased: boolean;
  params: Array<{ name: string; value: string }>;
}

/** GET /sourcetrak/report: matched calls in a window by source, campaign, keyword and landing page. */
export interface SourcetrakReportView {
  since: string;
  until: string;
  /** Each most calls first; `value` null where the visit had none (a direct visit, no campaign...). */
  by_source: Array<{ value: string | null; calls: number }>;
  by_campaign: Array<{ value: string | null; calls: number }>;
  by_keyword: Array<{ value: string | null; calls: number }>;
  by_landing_page: Array<{ value: string | null; calls: number }>;
}

export interface CallDetailView extends CallSummaryView {
  /** While in progress: the block the call is in now. */
  current_block: string | null;
  timeline: TimelineItem[];
  interactions: InteractionView[];
  webhooks: WebhookView[];
  recordings: RecordingView[];
  /** Null for a call not on a SourceTrak pool's number. */
  sourcetrak: SourcetrakMatchView | null;
}

export interface LiveCallView {
  session_id: string;
  /** The node running it (HOOKLINE_NODE_ID). */
  node: string | null;
  direction: CallRecord['direction'];
  from: string;
  to: string;
  started_at: string;
  current_block: string | null;
  bridged_to: string | null;
  test: boolean;
}

/** A call.started / call.updated / call.ended event of GET /calls/events: the call, and how it ended. */
export interface LiveCallEventView extends LiveCallView {
  ended_at: string | null;
  end_reason: string | null;
}

export interface StatsView {
  generated_at: string;
  calls_in_progress: number;
  /** The current hour and the 23 before it. */
  window: { since: string; until: string };
  calls: {
    total: number;
    /** Most frequent first; `end_reason` null counts calls without an end (in progress, or cut short). */
    by_end_reason: Array<{ end_reason: string | null; calls: number }>;
    per_hour: Array<{ hour: string; calls: number }>;
  };
  webhooks: { requests: number; failures: number; by_kind: Array<{ kind: string; requests: number; failures: number }> };
}

/** A recorded answer's transcription (GET /transcriptions): what the engine or a person made of it. */
export interface TranscriptionView {
  id: number;
  session_id: string;
  ivr_id: number;
  /** The `ivr_response_id` of the run, `unique_id` in the post-back. */
  response_id: number;
  question_no: number;
  /** `standard`: an engine; `human`: people, through the console's Transcriptions page. */
  mode: 'standard' | 'human';
  /** pending, done, failed (with `failure`), skipped (with `failure` saying why). */
  state: 'pending' | 'done' | 'failed' | 'skipped';
  duration_ms: number;
  created_at: string;
  finished_at: string | null;
  text: string | null;
  /** What produced the text: `http`, `local` or `human`. */
  engine: string | null;
  /** Failed engine attempts so far. */
  attempts: number;
  /** Why the last attempt failed, or why the job was failed or skipped. */
  failure: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  /** Where the text is (or will be) posted; null when the IVR has no transcription_url. */
  transcription_url: string | null;
  /** The post-back is queued (it goes through the outbox; the webhook log shows its attempts). */
  postback_queued: boolean;
  /** The recording's WAV; null when the recording has been deleted. */
  audio_url: string | null;
}

/** A node sharing the database, from its heartbeat (GET /nodes). */
export interface NodeView {
  node_id: string;
  /** Its heartbeat is recent. */
  alive: boolean;
  /** The node that answered the request. */
  this_node: boolean;
  sip: string;
  http: string;
  started_at: string;
  seen_at: string;
  /** At its last heartbeat; null before the first that said. */
  load: {
    calls: number;
    max_calls: number;
    media_late_ms: number;
    loop_lag_ms: number | null;
    refused: number;
    sip_udp_drops: number | null;
  } | null;
}
