/**
 * Records turned into what the Administration API and the console show (the shapes are in
 * view-types.ts): snake_case, ISO 8601 UTC times, `null` for what is unknown, and the URLs a browser
 * needs (a recording's audio); and the opaque cursors of the lists.
 */
import { AdminError } from './errors.js';
import type { CallRecord, RecordingRecord, WebhookLogEntry } from '../store/types.js';
import type { CallSummaryView, Page, RecordingView, WebhookSummaryView, WebhookView } from './view-types.js';

/** Where the Administration API is mounted; the audio URLs in views point under it. */
export const API_BASE = '/api/v1';

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export function webhookSummaryView(e: WebhookLogEntry): WebhookSummaryView {
  const answered = e.latencyMs !== undefined || e.failure !== undefined;
  return {
    id: e.id,
    session_id: e.sessionId ?? null,
    kind: e.kind,
    method: e.method,
    url: e.url,
    sent_at: iso(e.sentAt),
    ok: answered ? e.failure === undefined : null,
    status: e.status ?? null,
    latency_ms: e.latencyMs ?? null,
    failure: e.failure ?? null,
    attempt: e.attempt,
    replay_of: e.replayOf ?? null,
  };
}

export function webhookView(e: WebhookLogEntry): WebhookView {
  return { ...webhookSummaryView(e), params: e.params.map(([name, value]) => ({ name, value })), response_body: e.responseBody ?? null };
}

export const audioUrl = (id: number): string => `${API_BASE}/recordings/${id}/audio`;

export function recordingView(r: RecordingRecord): RecordingView {
  return {
    id: r.id,
    session_id: r.sessionId,
    kind: r.kind,
    file: r.path,
    duration_ms: r.durationMs,
    caller_id: r.callerId,
    created_at: iso(r.createdAt),
    response_id: r.responseId ?? null,
    question_no: r.questionNo ?? null,
    voicemail_id: r.voicemailId ?? null,
    audio_url: audioUrl(r.id),
  };
}

export function callSummaryView(c: CallRecord, blocks: string[], inProgress: boolean): CallSummaryView {
  return {
    session_id: c.sessionId,
    direction: c.direction,
    from: c.from,
    to: c.to,
    started_at: iso(c.startedAt),
    ended_at: isoOrNull(c.endedAt),
    duration_s: c.endedAt ? Math.max(0, Math.round((c.endedAt.getTime() - c.startedAt.getTime()) / 1000)) : null,
    end_reason: c.endReason ?? null,
    in_progress: inProgress,
    blocks,
    pass_through: c.passThrough,
    monitored_seconds: c.monitoredSeconds,
    test: c.test === true,
    node: c.nodeId ?? null,
  };
}

/**
 * Opaque page cursors: base64url of a small JSON array. Opaque so clients pass them back unread, and
 * checked on the way in so a mangled one is a 400 naming `cursor`, not a 500.
 */
export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor<T extends Array<string | number>>(cursor: string, check: (parts: unknown[]) => parts is T): T {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || !check(parts)) {
    throw new AdminError('bad_request', 'cursor: not a cursor this API gave out (pass next_cursor back unchanged)', { issues: [{ path: 'cursor', message: 'not a valid cursor' }] });
  }
  return parts;
}

/** An id cursor (webhook log, recordings: newest first by id). */
export const idCursor = (id: number): string => encodeCursor([id]);
export const readIdCursor = (cursor: string | undefined): number | undefined =>
  cursor === undefined ? undefined : decodeCursor(cursor, (p): p is [number] => p.length === 1 && Number.isSafeInteger(p[0]) && (p[0] as number) > 0)[0];

/**
 * A page from rows read one past `limit` (the extra row tells that a next page exists without a
 * count): the first `limit` as views, and the cursor of the last one shown when there is more.
 */
export function pageOf<R, V>(rows: R[], limit: number, view: (r: R) => V, cursorOf: (last: R) => string): Page<V> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(view), next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
