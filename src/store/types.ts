/**
 * Repository interfaces the rest of the server uses. Async everywhere so that a Postgres
 * implementation can slot in without touching callers. Every write happens as the event happens
 * (not at the end of the call), so a crash loses nothing already said or pressed.
 */

import type { SourcetrakRepo } from './sourcetrak-types.js';
import type { TranscriptionRepo } from './transcription-types.js';
import type { ReportRepo, RegisteredNumberRepo } from './report-types.js';

export type * from './sourcetrak-types.js';
export type * from './transcription-types.js';
export type * from './report-types.js';

export interface CallRecord {
  sessionId: string; // 32 lowercase hex
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  startedAt: Date;
  endedAt?: Date;
  /** How the call ended: caller_hangup, hangup, transfer, failed, busy, no_answer, canceled, ... */
  endReason?: string;
  passThrough: string;
  monitoredSeconds: number;
  /** A test call (the console's Test panel); absent means false. */
  test?: boolean;
  /**
   * The node that runs (ran) the call (HOOKLINE_NODE_ID). On create, absent means the store's own node;
   * read back absent when none was recorded (calls from before nodes, a store without a node id).
   */
  nodeId?: string;
}

export interface InteractionRecord {
  /** The `ivr_response_id`: a unique positive integer handed out by the store. */
  responseId: number;
  sessionId: string;
  ivrId: number;
  startedAt: Date;
  endedAt?: Date;
  completed: boolean;
  optedOut: boolean;
}

export interface AnswerRecord {
  responseId: number;
  questionNo: number; // from 1
  questionType: 'keypad' | 'menu' | 'recorded';
  /** keypad digits (no terminator), the menu option's value, or the recording's path. */
  value: string;
  /** The raw keys pressed for keypad/menu. */
  keys?: string;
  durationMs?: number;
  at: Date;
}

export interface WebhookLogEntry {
  id: number;
  sessionId?: string;
  kind: 'ivr' | 'transcription' | 'post_call' | 'voicemail';
  method: 'GET' | 'POST';
  url: string; // as sent, query included
  /** Parameters as sent, in order. */
  params: Array<[string, string]>;
  sentAt: Date;
  status?: number;
  latencyMs?: number;
  /** First 64 KiB of the response body. */
  responseBody?: string;
  /** Why the request counts as failed; undefined on success. */
  failure?: string;
  attempt: number;
  /** The entry this request repeats, when it was sent again from the console or the API. */
  replayOf?: number;
}

export interface RecordingRecord {
  id: number;
  sessionId: string;
  kind: 'question' | 'voicemail' | 'call' | 'name';
  path: string; // relative to the data dir
  durationMs: number;
  callerId: string;
  createdAt: Date;
  responseId?: number;
  questionNo?: number;
  voicemailId?: number;
  /** The Find Me whose bridged call this is (kind `call`); absent for a dynamic Find Me. */
  findmeId?: number;
}

export interface CallRepo {
  create(call: CallRecord): Promise<void>;
  update(sessionId: string, patch: Partial<Omit<CallRecord, 'sessionId'>>): Promise<void>;
  get(sessionId: string): Promise<CallRecord | undefined>;
  list(limit: number): Promise<CallRecord[]>;
}

export interface InteractionRepo {
  /** Starts an interaction and returns the new `ivr_response_id`. */
  start(input: { sessionId: string; ivrId: number; startedAt: Date }): Promise<number>;
  addAnswer(answer: AnswerRecord): Promise<void>;
  finish(responseId: number, result: { completed: boolean; optedOut: boolean; endedAt: Date }): Promise<void>;
  get(responseId: number): Promise<InteractionRecord | undefined>;
  answers(responseId: number): Promise<AnswerRecord[]>;
  forSession(sessionId: string): Promise<InteractionRecord[]>;
}

export interface WebhookLogRepo {
  /** Records the request as it leaves; returns the entry id to complete with the outcome. */
  logRequest(entry: Omit<WebhookLogEntry, 'id' | 'status' | 'latencyMs' | 'responseBody' | 'failure'>): Promise<number>;
  logOutcome(id: number, outcome: { status?: number; latencyMs: number; responseBody?: string; failure?: string }): Promise<void>;
  forSession(sessionId: string): Promise<WebhookLogEntry[]>;
  recent(limit: number): Promise<WebhookLogEntry[]>;
  get(id: number): Promise<WebhookLogEntry | undefined>;
  /** Newest first (by id: the order requests left), entries with an id below `beforeId` when given. */
  list(filter: WebhookLogFilter, beforeId: number | undefined, limit: number): Promise<WebhookLogEntry[]>;
}

export interface WebhookLogFilter {
  sessionId?: string;
  kind?: WebhookLogEntry['kind'];
  /** Only requests that failed (a failure reason is recorded). */
  failed?: boolean;
  /** sent_at >= since */
  since?: Date;
  /** sent_at < until */
  until?: Date;
}

export interface RecordingFilter {
  sessionId?: string;
  kind?: RecordingRecord['kind'];
  voicemailId?: number;
}

export interface RecordingRepo {
  add(rec: Omit<RecordingRecord, 'id'>): Promise<number>;
  forSession(sessionId: string): Promise<RecordingRecord[]>;
  get(id: number): Promise<RecordingRecord | undefined>;
  /** Newest first (by id), recordings with an id below `beforeId` when given. */
  list(filter: RecordingFilter, beforeId: number | undefined, limit: number): Promise<RecordingRecord[]>;
  /** Deletes the row (not the file); returns whether there was one. */
  delete(id: number): Promise<boolean>;
}

/** One event of a call's timeline: what was played, pressed, dialled... (see admin/call-tracker.ts). */
export interface CallEventRecord {
  id: number;
  sessionId: string;
  at: Date;
  type: string;
  /** The event's details, JSON-ready. */
  data: Record<string, unknown>;
}

/** Filters of the call history; all given ones must hold. */
export interface CallFilter {
  /** started_at >= since */
  since?: Date;
  /** started_at < until */
  until?: Date;
  /** The dialed number, exactly as routed. */
  number?: string;
  /** The caller id, exactly. */
  caller?: string;
  /** A building block the call entered, as `ivr/10`. */
  block?: string;
  endReason?: string;
  direction?: CallRecord['direction'];
  /** Only test calls (true) or none (false). */
  test?: boolean;
}

/** Where a page of the history starts: strictly after this call in newest-first order. */
export interface CallPageKey {
  startedAt: Date;
  sessionId: string;
}

export interface CallStats {
  total: number;
  /** Calls by end reason; calls without one yet (in progress, or cut by a crash) count under ''. */
  byEndReason: Record<string, number>;
  /** Calls by hour since `since`: index 0 is the hour starting at `since`. */
  perHour: number[];
}

export interface WebhookStats {
  kind: string;
  requests: number;
  failures: number;
}

/** The console's view of calls: timelines, the building blocks each call entered, searches, counts. */
export interface CallHistoryRepo {
  /** Appends events in order, in one statement. */
  appendEvents(events: Array<Omit<CallEventRecord, 'id'>>): Promise<void>;
  events(sessionId: string): Promise<CallEventRecord[]>;
  /** Records that a call entered a block; a second visit to the same block keeps the first. */
  addBlock(visit: { sessionId: string; block: string; at: Date }): Promise<void>;
  /** The blocks each of the given calls entered, in the order entered. */
  blocks(sessionIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Newest first by (startedAt, sessionId), after `after` when given. */
  search(filter: CallFilter, after: CallPageKey | undefined, limit: number): Promise<CallRecord[]>;
  callStats(since: Date, until: Date): Promise<CallStats>;
  /** Calls without an end, on every node, newest first. */
  inProgress(limit: number): Promise<CallRecord[]>;
  webhookStats(since: Date, until: Date): Promise<WebhookStats[]>;
}

/**
 * Durable deliveries (transcription post-backs, post-call actions, notifications): a request waits here
 * until it gets a 2xx or gives up, so retries survive a restart and a delivered request is never re-sent.
 */
export interface OutboxItem {
  id: number;
  kind: string;
  /** The request as JSON (method, url, params, headers...), opaque to the store. */
  payload: string;
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  /** Give up after this instant. */
  expiresAt: Date;
  state: 'pending' | 'delivered' | 'failed';
  lastError?: string;
  /** The node holding the item while it sends it, and until when (store/lease.ts); absent when free. */
  claimedBy?: string;
  leaseUntil?: Date;
}

export interface OutboxRepo {
  enqueue(item: { kind: string; payload: string; nextAttemptAt: Date; expiresAt: Date }): Promise<number>;
  /** Pending items whose next attempt is due at `now`, oldest first (claimed or not: a look, not a claim). */
  due(now: Date, limit: number): Promise<OutboxItem[]>;
  /**
   * Claims for this node up to `limit` pending items due at `now` that no running lease holds, for
   * `leaseMs`; oldest first. Nodes sharing the database never get the same item while its lease runs.
   */
  claim(now: Date, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** Frees the claims this node holds on pending items (at its start, when nothing of its own is in flight). */
  releaseClaims(): Promise<number>;
  /** Final, whoever holds the claim (a 2xx that arrives after the lease ran out still counts). */
  markDelivered(id: number): Promise<void>;
  /** These two free the claim; a no-op when another node holds it now (this node's lease ran out). */
  markRetry(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  get(id: number): Promise<OutboxItem | undefined>;
  /** Items still pending, due or not (the backlog /metrics shows). */
  pendingCount(): Promise<number>;
}

/** A call a process left open when it died (no `endedAt`), with the time of its last timeline event. */
export interface UnfinishedCall {
  call: CallRecord;
  lastEventAt?: Date;
}

/** What a start after a crash reads and writes: only this node's calls (src/store/recovery-repos.ts). */
export interface RecoveryRepo {
  /** This node's calls without an end (and those recorded without a node), oldest first. */
  unfinishedCalls(limit: number): Promise<UnfinishedCall[]>;
  /** Ends a call that is still open; false when it already had an end (or does not exist). */
  closeInterrupted(sessionId: string, endedAt: Date, endReason: string): Promise<boolean>;
}

/** One configuration item made through the API (see migrations/002_admin.ts). */
export interface ConfigItem {
  kind: string;
  key: string;
  /** The item's flows-file JSON, as text. */
  body: string;
  updatedAt: Date;
}

export interface ConfigItemRepo {
  all(): Promise<ConfigItem[]>;
  /**
   * Writes an item. `expected` makes it a compare-and-swap: `{ absent: true }` creates only if no item
   * has this kind and key; `{ body }` replaces only if the stored body is still that text. Returns
   * false when the expectation did not hold (somebody else wrote first), true when written.
   */
  put(item: { kind: string; key: string; body: string }, expected?: { absent: true } | { body: string }): Promise<boolean>;
  /** Deletes; with `expectedBody` only if unchanged. Returns whether a row was deleted. */
  delete(kind: string, key: string, expectedBody?: string): Promise<boolean>;
  /**
   * A counter that every write above moves (in the same transaction): a node that saw it at N and reads
   * N again knows its copy of the items is current, without reading them.
   */
  revision(): Promise<number>;
}

/** A node sharing the database, as its last heartbeat says (migration 009). */
export interface NodeRecord {
  nodeId: string;
  startedAt: Date;
  /** The last heartbeat. */
  seenAt: Date;
  /** Where it takes SIP (host:port) and HTTP (a base URL), as it advertises them; '' when unknown. */
  sip: string;
  http: string;
  /** What it carried at that heartbeat; absent before its first heartbeat that said. */
  load?: NodeLoad;
}

/** A node's load as its heartbeat reports it. */
export interface NodeLoad {
  /** Calls in progress, as HOOKLINE_MAX_CALLS counts them (incoming, and placed through the Call Initiation API). */
  calls: number;
  /** HOOKLINE_MAX_CALLS; 0 = no cap. */
  maxCalls: number;
  /** How late the media clock sent audio frames in the last one to two seconds, at most (ms). */
  mediaLateMs: number;
  /**
   * How long the event loop's other work kept the media clock's own timer waiting in the same window, at
   * most (ms): the control plane's backlog, which HOOKLINE_MEDIA_PRIORITY=audio keeps out of the frames'
   * lateness. Absent from heartbeats of versions that did not report it.
   */
  loopLagMs?: number;
  /** New calls answered 503 since the node started (full, overloaded, database away, draining). */
  refused: number;
  /** SIP datagrams the kernel dropped at its SIP socket since it started; absent where not known. */
  sipUdpDrops?: number;
}

export interface NodeRepo {
  /** Records that this node is alive at the clock's now (creating its row the first time), and its load. */
  heartbeat(info: { startedAt: Date; sip: string; http: string; load?: NodeLoad }): Promise<void>;
  /** Every node that ever beat, by id. */
  list(): Promise<NodeRecord[]>;
  /**
   * Deletes the row of a node whose last heartbeat is older than `seenBefore` (one that is gone for good);
   * false when there is no such row, or the node beat since. Should it start again, it writes a new one.
   */
  forget(nodeId: string, seenBefore: Date): Promise<boolean>;
}

export type ApiScope = 'read' | 'calls' | 'admin';
export const API_SCOPES: readonly ApiScope[] = ['read', 'calls', 'admin'];

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt?: Date;
}

export interface ApiKeyRepo {
  create(input: { name: string; prefix: string; hash: string; scopes: ApiScope[] }): Promise<ApiKeyRecord>;
  list(): Promise<ApiKeyRecord[]>;
  byHash(hash: string): Promise<ApiKeyRecord | undefined>;
  touch(id: number, at: Date): Promise<void>;
  delete(id: number): Promise<boolean>;
}

export interface ConsoleSession {
  tokenHash: string;
  csrf: string;
  userName: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ConsoleSessionRepo {
  create(s: ConsoleSession): Promise<void>;
  get(tokenHash: string): Promise<ConsoleSession | undefined>;
  delete(tokenHash: string): Promise<void>;
  /** Drops sessions that expired before `now`; returns how many. */
  purge(now: Date): Promise<number>;
}

export interface Store {
  calls: CallRepo;
  outbox: OutboxRepo;
  interactions: InteractionRepo;
  webhooks: WebhookLogRepo;
  recordings: RecordingRepo;
  config: ConfigItemRepo;
  apiKeys: ApiKeyRepo;
  sessions: ConsoleSessionRepo;
  reports: ReportRepo;
  registeredNumbers: RegisteredNumberRepo;
  history: CallHistoryRepo;
  recovery: RecoveryRepo;
  sourcetrak: SourcetrakRepo;
  transcriptions: TranscriptionRepo;
  nodes: NodeRepo;
  /** This process's node id as the store stamps it ('' when none was given). */
  readonly nodeId: string;
  close(): Promise<void>;
}
