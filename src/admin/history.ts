/**
 * The call history as the console shows it: pages of calls newest first with filters, one call with
 * its whole timeline, the calls in progress, and the home page's counts.
 *
 * A call's timeline is merged here from what the store keeps in different places: the events the call
 * tracker wrote (call_events), the webhook log, the IVR interactions with their answers, and the
 * recordings. Each lives where it belongs, and nothing is stored twice.
 */
import type { Clock } from '../lib/clock.js';
import { SOURCETRAK_PARAMS } from '../config/names.js';
import type { CallEventRecord, CallFilter, CallRecord, Store, WebhookLogEntry } from '../store/types.js';
import { AdminError } from './errors.js';
import type { LiveCall, LiveCalls } from './live-calls.js';
import type { CallDetailView, CallSummaryView, InteractionView, LiveCallView, Page, StatsView } from './view-types.js';
import { callSummaryView, decodeCursor, encodeCursor, iso, isoOrNull, pageOf, recordingView, webhookView } from './views.js';

/** A node whose heartbeat (server/node-presence.ts, every 2 s) is older than this is counted gone. */
export const NODE_GONE_MS = 10_000;

export const liveCallView = (c: LiveCall, node: string | null = null): LiveCallView => ({
  session_id: c.sessionId,
  node,
  direction: c.direction,
  from: c.from,
  to: c.to,
  started_at: iso(c.startedAt),
  current_block: c.block ?? null,
  bridged_to: c.bridgedTo ?? null,
  test: c.test === true,
});

const HOUR_MS = 3_600_000;

type Item = { at: number; type: string; data: Record<string, unknown> };
/** A record from another table, and which events of its millisecond it comes after ('all': the last). */
type Extra = Item & { after: string[] | 'all' };

/**
 * Inserts a record kept outside the timeline (an answer, a recording, the call's end) among the
 * events. Clocks tick in milliseconds, so a record often shares its millisecond with the events around
 * it; then it goes after the last of those that lead to it (an answer after the keys that gave it, an
 * IVR's start after the move into it) and before the rest (the IVR's end after its answers).
 */
function insertInPlace(items: Item[], x: Extra): void {
  let lo = 0;
  while (lo < items.length && items[lo]!.at < x.at) lo++;
  let hi = lo;
  while (hi < items.length && items[hi]!.at === x.at) hi++;
  let at = lo;
  if (x.after === 'all') at = hi;
  else for (let i = lo; i < hi; i++) if (x.after.includes(items[i]!.type)) at = i + 1;
  items.splice(at, 0, { at: x.at, type: x.type, data: x.data });
}

const secs = (ms: unknown): string => `${(Number(ms) / 1000).toFixed(1)} s`;
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));

/** One line for a timeline event; unknown types (a newer server's) still get their name. */
function describe(type: string, d: Record<string, unknown>): string {
  const leg = d['leg'] ? `${str(d['leg'])}: ` : '';
  switch (type) {
    case 'answered': return 'Answered';
    case 'transition': return d['from'] ? `Moved from ${str(d['from'])} to ${str(d['to'])}` : `Entered ${str(d['to'])}`;
    case 'prompt': return `${leg}Played "${str(d['text'])}"`;
    case 'prompt_interrupted': return `${leg}Prompt interrupted by a key`;
    case 'keys': {
      const keys = `${str(d['digits'])}${str(d['terminator'])}`;
      if (d['reason'] === 'timeout') return `${leg}${keys ? `Pressed ${keys}, then` : 'No keys:'} timed out`;
      if (d['reason'] === 'hangup') return `${leg}${keys ? `Pressed ${keys}, then hung up` : 'Hung up instead of pressing keys'}`;
      return `${leg}Pressed ${keys}`;
    }
    case 'recording_started': return `${leg}Recording started`;
    case 'recording_ended': return `${leg}Recording ended after ${secs(d['duration_ms'])} (${d['reason'] === 'key' ? `key ${str(d['key'])}` : str(d['reason'])})`;
    case 'dial': return `Dialling ${str(d['destination'])}`;
    case 'dial_result': return d['by'] === 'dial_policy' ? `${str(d['destination'])}: refused by the dial-out policy` : `${str(d['destination'])}: ${str(d['outcome']).replace('_', ' ')}`;
    case 'bridge_started': return `Connected to ${str(d['destination'])}${d['recording'] ? ' (recorded)' : ''}`;
    case 'bridge_ended': return `Disconnected from ${str(d['destination'])} after ${secs(d['duration_ms'])} (${d['ended_by'] === 'caller' ? 'caller' : 'callee'} hung up first)`;
    case 'hangup': return d['by'] === 'hookline' ? `${leg}hookline hung up` : d['by'] === 'failed' ? `${leg}Line failed` : d['leg'] ? `${str(d['leg'])} hung up` : 'Caller hung up';
    case 'ivr_end': return `IVR ${str(d['ivr_id'])} ${d['completed'] ? 'finished' : 'left before its last question'}`;
    case 'webhook': {
      const what = `${str(d['kind']) === 'ivr' || !d['kind'] ? 'Webhook' : `${str(d['kind'])} request`} ${str(d['method'])} ${str(d['url'])}`.replace(/\s+/g, ' ').trim();
      if (d['failure']) return `${what} failed: ${str(d['failure'])}`;
      return d['status'] === null || d['status'] === undefined ? `${what} (no response recorded)` : `${what} → ${str(d['status'])} in ${str(d['latency_ms'])} ms`;
    }
    case 'error': return `Error: ${str(d['message'])}`;
    case 'ivr_started': return `IVR ${str(d['ivr_id'])} started (ivr_response_id ${str(d['response_id'])})`;
    case 'answer': return `Answer to question ${str(d['question_no'])}: ${str(d['value'])}`;
    case 'recording_saved': return `Recording saved (${str(d['kind'])}, ${secs(d['duration_ms'])})`;
    case 'ended': return `Call ended: ${str(d['end_reason']) || 'unknown'}`;
    case 'sourcetrak': return d['pid'] ? `SourceTrak: matched to a visit of pool ${str(d['pool'])} (rank ${str(d['rank'])}${d['referer'] ? `, from ${str(d['referer'])}` : ''}${d['campaign'] ? `, campaign ${str(d['campaign'])}` : ''})` : `SourceTrak: a call to pool ${str(d['pool'])}, no visit to match (rank ${str(d['rank'])})`;
    case 'transcription': {
      const what = `Transcription of question ${str(d['question_no'])}`;
      if (d['state'] === 'done') return `${what} (${str(d['engine'])}): "${str(d['text'])}"`;
      if (d['state'] === 'pending') return `${what} waiting (${d['mode'] === 'human' ? 'for a person' : 'for the engine'})`;
      return `${what} ${str(d['state'])}: ${str(d['failure'])}`;
    }
    default: return type;
  }
}

function isCallCursor(p: unknown[]): p is [number, string] {
  return p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string' && /^[0-9a-f]{1,64}$/.test(p[1]);
}

export class CallHistory {
  constructor(private readonly o: { store: Store; live: LiveCalls; clock: Clock }) {}

  /** This process's node (HOOKLINE_NODE_ID); '' for a store nobody shares. */
  get nodeId(): string {
    return this.o.store.nodeId;
  }

  /** The other nodes sharing the database whose heartbeat is recent: their open calls are in progress. */
  private async otherLiveNodes(): Promise<Set<string>> {
    const since = this.o.clock.now() - NODE_GONE_MS;
    const nodes = await this.o.store.nodes.list();
    return new Set(nodes.filter((n) => n.seenAt.getTime() >= since && n.nodeId !== this.nodeId).map((n) => n.nodeId));
  }

  async list(filter: CallFilter, cursor: string | undefined, limit: number): Promise<Page<CallSummaryView>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, isCallCursor);
    const calls = await this.o.store.history.search(filter, after && { startedAt: new Date(after[0]), sessionId: after[1] }, limit + 1);
    const [blocks, others] = await Promise.all([this.o.store.history.blocks(calls.slice(0, limit).map((c) => c.sessionId)), this.otherLiveNodes()]);
    return pageOf(calls, limit, (c) => this.summary(c, blocks.get(c.sessionId) ?? [], others), (last) => encodeCursor([last.startedAt.getTime(), last.sessionId]));
  }

  async get(sessionId: string): Promise<CallDetailView> {
    const { store } = this.o;
    const call = await store.calls.get(sessionId);
    if (!call) throw new AdminError('not_found', `no call with session id ${sessionId}`);
    const [events, blocks, webhooks, interactions, recordings, match, transcriptions] = await Promise.all([
      store.history.events(sessionId),
      store.history.blocks([sessionId]),
      store.webhooks.forSession(sessionId),
      store.interactions.forSession(sessionId),
      store.recordings.forSession(sessionId),
      store.sourcetrak.matchOf(sessionId),
      store.transcriptions.forSession(sessionId),
    ]);
    const answers = await Promise.all(interactions.map((i) => store.interactions.answers(i.responseId)));
    const interactionViews: InteractionView[] = interactions.map((i, n) => ({
      response_id: i.responseId,
      ivr_id: i.ivrId,
      started_at: iso(i.startedAt),
      ended_at: isoOrNull(i.endedAt),
      completed: i.completed,
      opted_out: i.optedOut,
      answers: (answers[n] ?? []).map((a) => ({ question_no: a.questionNo, question_type: a.questionType, value: a.value, keys: a.keys ?? null, duration_ms: a.durationMs ?? null, at: iso(a.at) })),
    }));

    const start = call.startedAt.getTime();
    const logById = new Map(webhooks.map((w) => [w.id, w]));
    const referenced = new Set<number>();
    // Array.prototype.sort is stable: events of the same millisecond keep the order they happened in.
    const items = events.map((e) => this.eventItem(e, logById, referenced)).sort((a, b) => a.at - b.at);
    const extras: Extra[] = [];
    for (const [n, i] of interactions.entries()) {
      extras.push({ at: i.startedAt.getTime(), type: 'ivr_started', data: { response_id: i.responseId, ivr_id: i.ivrId }, after: ['transition'] });
      for (const a of answers[n] ?? []) {
        extras.push({ at: a.at.getTime(), type: 'answer', data: { response_id: i.responseId, ivr_id: i.ivrId, question_no: a.questionNo, question_type: a.questionType, value: a.value, keys: a.keys ?? null, duration_ms: a.durationMs ?? null }, after: ['keys', 'recording_ended', 'ivr_started', 'answer'] });
      }
    }
    for (const r of recordings) {
      extras.push({ at: r.createdAt.getTime(), type: 'recording_saved', data: { recording_id: r.id, kind: r.kind, file: r.path, duration_ms: r.durationMs, audio_url: recordingView(r).audio_url }, after: ['recording_ended', 'bridge_ended', 'answer'] });
    }
    if (match) {
      const p = match.params;
      extras.push({ at: match.matchedAt.getTime(), type: 'sourcetrak', data: { pool: match.pool, number: match.number, rank: match.rank, pid: p['st_pid'] ?? '', referer: p['st_referer'] ?? '', campaign: p['st_campaign'] ?? '' }, after: [] });
    }
    // Where a recorded answer's transcription stands: finished (often after the call), or still waiting.
    for (const t of transcriptions) {
      extras.push({
        at: (t.finishedAt ?? t.createdAt).getTime(),
        type: 'transcription',
        data: { transcription_id: t.id, response_id: t.responseId, question_no: t.questionNo, mode: t.mode, state: t.state, text: t.text ?? null, engine: t.engine ?? null, failure: t.lastError ?? null },
        after: ['recording_saved', 'answer'],
      });
    }
    if (call.endedAt) extras.push({ at: call.endedAt.getTime(), type: 'ended', data: { end_reason: call.endReason ?? null }, after: 'all' });
    // Requests the flow did not report (post-call actions, notifications, retries, redirect hops).
    for (const w of webhooks) if (!referenced.has(w.id)) extras.push({ at: w.sentAt.getTime(), type: 'webhook', data: this.webhookData(w), after: 'all' });
    extras.sort((a, b) => a.at - b.at);
    for (const x of extras) insertInPlace(items, x);

    const live = this.o.live.get(sessionId);
    return {
      ...this.summary(call, blocks.get(sessionId) ?? [], await this.otherLiveNodes()),
      current_block: live?.block ?? null,
      timeline: items.map(({ at, type, data }) => {
        const { leg, ...rest } = data;
        return { at: new Date(at).toISOString(), offset_ms: at - start, type, leg: typeof leg === 'string' ? leg : null, summary: describe(type, data), data: rest };
      }),
      interactions: interactionViews,
      webhooks: webhooks.map(webhookView),
      recordings: recordings.map(recordingView),
      sourcetrak: match
        ? { pool: match.pool, number: match.number, rank: match.rank, matched_at: iso(match.matchedAt), erased: match.erased, params: SOURCETRAK_PARAMS.map((name) => ({ name, value: match.params[name] ?? '' })) }
        : null,
    };
  }

  /** The calls this process runs, and `others` (from otherActive) after them; newest first. */
  active(others: LiveCallView[] = []): LiveCallView[] {
    const mine = this.o.live.list().map((c) => liveCallView(c, this.nodeId || null));
    return [...mine, ...others].sort((a, b) => b.started_at.localeCompare(a.started_at) || b.session_id.localeCompare(a.session_id));
  }

  /**
   * The calls in progress on the other nodes sharing the database, as the store has them (which block
   * a call is in is only known to its node). Calls of a node that stopped beating are not listed: that
   * node died with them, and its next start closes them.
   */
  async otherActive(): Promise<LiveCallView[]> {
    const others = await this.otherLiveNodes();
    if (others.size === 0) return [];
    const open = await this.o.store.history.inProgress(500);
    return open
      .filter((c) => c.nodeId !== undefined && others.has(c.nodeId))
      .map((c) => ({ session_id: c.sessionId, node: c.nodeId ?? null, direction: c.direction, from: c.from, to: c.to, started_at: iso(c.startedAt), current_block: null, bridged_to: null, test: c.test === true }));
  }

  async stats(): Promise<StatsView> {
    const now = this.o.clock.now();
    const since = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    const until = now + 1;
    const [calls, hooks] = await Promise.all([
      this.o.store.history.callStats(new Date(since), new Date(until)),
      this.o.store.history.webhookStats(new Date(since), new Date(until)),
    ]);
    return {
      generated_at: new Date(now).toISOString(),
      calls_in_progress: this.o.live.size,
      window: { since: new Date(since).toISOString(), until: new Date(now).toISOString() },
      calls: {
        total: calls.total,
        by_end_reason: Object.entries(calls.byEndReason)
          .map(([reason, n]) => ({ end_reason: reason === '' ? null : reason, calls: n }))
          .sort((a, b) => b.calls - a.calls || String(a.end_reason).localeCompare(String(b.end_reason))),
        per_hour: Array.from({ length: 24 }, (_, h) => ({ hour: new Date(since + h * HOUR_MS).toISOString(), calls: calls.perHour[h] ?? 0 })),
      },
      webhooks: {
        requests: hooks.reduce((n, k) => n + k.requests, 0),
        failures: hooks.reduce((n, k) => n + k.failures, 0),
        by_kind: hooks,
      },
    };
  }

  private summary(c: CallRecord, blocks: string[], otherLiveNodes: Set<string>): CallSummaryView {
    const elsewhere = c.endedAt === undefined && c.nodeId !== undefined && otherLiveNodes.has(c.nodeId);
    return callSummaryView(c, blocks, this.o.live.get(c.sessionId) !== undefined || elsewhere);
  }

  private webhookData(w: WebhookLogEntry): Record<string, unknown> {
    const v = webhookView(w);
    return { webhook_id: v.id, kind: v.kind, method: v.method, url: v.url, ok: v.ok, status: v.status, latency_ms: v.latency_ms, failure: v.failure, attempt: v.attempt };
  }

  /** A stored event; a webhook outcome is shown with its log entry, at the time the request left. */
  private eventItem(e: CallEventRecord, logById: Map<number, WebhookLogEntry>, referenced: Set<number>): Item {
    if (e.type === 'webhook' && typeof e.data['log_id'] === 'number') {
      const w = logById.get(e.data['log_id']);
      if (w) {
        referenced.add(w.id);
        return { at: w.sentAt.getTime(), type: 'webhook', data: this.webhookData(w) };
      }
    }
    return { at: e.at.getTime(), type: e.type, data: e.data };
  }
}
