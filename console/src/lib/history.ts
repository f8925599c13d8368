/**
 * Call history, webhook log and audio library shapes as the Administration API sends them (GET
 * /calls, /calls/{id}, /calls/active, /calls/events, /webhooks, /stats, voicemail messages, /audio),
 * and the live list of calls kept from the event stream.
 *
 * The shapes are the server's own (src/admin/view-types.ts), imported as types only: the import is
 * erased when the console is built, so no server code reaches the browser, and a field the server
 * adds or renames is a type error here rather than a page that quietly shows nothing.
 */
import type {
  AudioEntryView,
  CallDetailView,
  CallSummaryView,
  LiveCallEventView,
  LiveCallView,
  NodeView,
  RecordingView,
  StatsView,
  TranscriptionView,
  VoicemailMessageView,
  WebhookSummaryView,
  WebhookView,
} from '../../../src/admin/view-types';

export type { Page, TimelineItem } from '../../../src/admin/view-types';
export type CallSummary = CallSummaryView;
export type CallDetail = CallDetailView;
export type WebhookSummary = WebhookSummaryView;
export type Webhook = WebhookView;
export type Recording = RecordingView;
export type VoicemailMessage = VoicemailMessageView;
export type Transcription = TranscriptionView;
export type Stats = StatsView;
export type NodeInfo = NodeView;
export type AudioEntry = AudioEntryView;
/** A call of the live list: GET /calls/active's items carry no end; an event's call does. */
export type LiveCall = LiveCallView & Partial<Pick<LiveCallEventView, 'ended_at' | 'end_reason'>>;

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
