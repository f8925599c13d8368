/**
 * Call history at scale: GET /api/v1/calls?limit=50 through the real Administration API (hono app,
 * router, zod validation, auth, SQLite store in a file) with 100,000 calls in the store, against the
 * same requests on an empty store. Each case is timed over N requests (default 300) in process
 * (app.request), and the unfiltered page once more over a real HTTP socket on 127.0.0.1.
 *
 * Cases: no filter, each filter (number, caller, block, end_reason, direction, a one-day time range),
 * a block plus end reason, and paging deep (the cursor of page 100). Also one call's detail
 * (GET /calls/{id}, timeline merged), and the event loop time the call tracker's timeline writer costs
 * per event (queueing plus its share of the batched INSERT).
 *
 *   node --import tsx bench/history.ts [--calls 100000] [--requests 300]
 *
 * The store is filled with realistic rows: a month of calls over 24 dialed numbers and 20,000 callers,
 * 1-3 building blocks each, ~12 timeline events, one or two webhook log entries and an IVR interaction
 * with answers. Prints a table; writes JSON to bench/results/history-<date>-<sha>.json. Under 3 minutes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';
import { ApiKeys } from '../src/admin/keys.js';
import { LiveCalls } from '../src/admin/live-calls.js';
import { ConsoleSessions } from '../src/admin/sessions.js';
import { TimelineWriter } from '../src/admin/timeline-writer.js';
import { createAdminApi } from '../src/api/admin/index.js';
import { registerCallRoutes } from '../src/api/admin/calls-routes.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import type { CallFilter, CallPageKey, Store } from '../src/store/types.js';

const { values: opt } = parseArgs({ options: { calls: { type: 'string', default: '100000' }, requests: { type: 'string', default: '300' } } });
const CALLS = Number(opt.calls);
const N = Math.max(200, Number(opt.requests));
const KEY = 'bench-key-0123456789abcdef';
const started = performance.now();

const NUMBERS = Array.from({ length: 24 }, (_, i) => `80055501${String(i).padStart(2, '0')}`);
const BLOCKS = [...Array.from({ length: 20 }, (_, i) => `ivr/${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `findme/${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `voicemail/${i + 1}`), 'transfer/3125550101', 'transfer/3125550102'];
const END_REASONS: Array<[string, number]> = [['caller_hangup', 0.55], ['hangup', 0.2], ['bridge_ended_by_callee', 0.1], ['voicemail_left', 0.07], ['webhook_failure', 0.03], ['transfer_busy', 0.03], ['too_many_steps', 0.02]];
const DAY = 86_400_000;
const T_END = Date.UTC(2026, 11, 6, 12, 0, 0);

/** Deterministic, so every run measures the same store. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function fill(file: string, calls: number): { sampleCaller: string; sampleSession: string } {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const r = rng(42);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const reason = (): string => {
    let x = r();
    for (const [name, p] of END_REASONS) if ((x -= p) < 0) return name;
    return 'caller_hangup';
  };
  const call = db.prepare('insert into calls (session_id, direction, from_addr, to_addr, started_at, ended_at, end_reason, pass_through, monitored_seconds) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const block = db.prepare('insert or ignore into call_blocks (session_id, block, call_started_at, at) values (?, ?, ?, ?)');
  const event = db.prepare('insert into call_events (session_id, at, type, data) values (?, ?, ?, ?)');
  const hook = db.prepare('insert into webhook_log (session_id, kind, method, url, params, sent_at, status, latency_ms, response_body, failure, attempt) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)');
  const interaction = db.prepare('insert into interactions (session_id, ivr_id, started_at, ended_at, completed, opted_out) values (?, ?, ?, ?, 1, 0)');
  const answer = db.prepare('insert into answers (response_id, question_no, question_type, value, keys, at) values (?, ?, ?, ?, ?, ?)');
  let sampleCaller = '';
  let sampleSession = '';
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const sid = i.toString(16).padStart(32, '0');
      const start = T_END - 30 * DAY + Math.floor((i / calls) * 30 * DAY + r() * 1000);
      const dur = 10_000 + Math.floor(r() * 170_000);
      const caller = `+1312${String(Math.floor(r() * 20_000)).padStart(7, '0')}`;
      if (i === Math.floor(calls / 2)) [sampleCaller, sampleSession] = [caller, sid];
      const ended = i > calls - 20 ? null : start + dur;
      call.run(sid, r() < 0.9 ? 'inbound' : 'outbound', caller, pick(NUMBERS), start, ended, ended === null ? null : reason(), '', 0);
      const blocks = new Set([pick(BLOCKS), ...(r() < 0.5 ? [pick(BLOCKS)] : []), ...(r() < 0.2 ? [pick(BLOCKS)] : [])]);
      let t = start;
      event.run(sid, t, 'answered', '{}');
      for (const b of blocks) {
        t += 500;
        block.run(sid, b, start, t);
        event.run(sid, t, 'transition', JSON.stringify({ from: null, to: b }));
        event.run(sid, t + 10, 'prompt', JSON.stringify({ text: 'Please enter your account number followed by the pound key.', parts: [{ text: 'Please enter your account number followed by the pound key.' }] }));
        event.run(sid, t + 4000, 'keys', JSON.stringify({ digits: '1234', terminator: '#', reason: 'terminator' }));
      }
      const rid = Number(interaction.run(sid, 1, start + 500, start + 5000).lastInsertRowid);
      answer.run(rid, 1, 'keypad', '1234', '1234#', start + 4500);
      const failed = r() < 0.04;
      const logId = Number(hook.run(sid, 'ivr', 'POST', 'https://crm.example.com/ivr', '[["ivr_id","1"],["account","1234"]]', start + 5000, failed ? 500 : 200, 40 + Math.floor(r() * 200), '<action><app>hangup</app></action>', failed ? 'http_status: HTTP status 500' : null).lastInsertRowid);
      event.run(sid, start + 5200, 'webhook', JSON.stringify({ log_id: logId, ok: !failed, status: failed ? 500 : 200, latency_ms: 120, failure: null }));
      if (r() < 0.5) hook.run(sid, 'post_call', 'GET', 'https://crm.example.com/after?x=1', '[["x","1"]]', start + dur + 100, 200, 30, 'ok', null);
      event.run(sid, start + dur, 'hangup', JSON.stringify({ by: 'caller' }));
    }
  });
  for (let i = 0; i < calls; i += 10_000) insert(i, Math.min(calls, i + 10_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('analyze');
  db.close();
  return { sampleCaller, sampleSession };
}

function admin(store: Store): Hono {
  const clock = systemClock;
  const { app: api } = createAdminApi({
    keys: new ApiKeys(store.apiKeys, KEY, clock),
    sessions: new ConsoleSessions(store.sessions, undefined, clock),
    logger: silentLogger,
    version: 'bench',
    modules: [(r) => void registerCallRoutes(r, { store, live: new LiveCalls(), clock })],
  });
  const app = new Hono();
  app.route('/api/v1', api);
  return app;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
interface Row { case: string; store: string; transport: string; items: number; p50_ms: number; p99_ms: number; max_ms: number }

async function measure(name: string, storeName: string, transport: string, get: (url: string) => Promise<Response>, url: string): Promise<Row> {
  let items = 0;
  for (let i = 0; i < 20; i++) await (await get(url)).arrayBuffer(); // warm-up: prepared statements, JIT
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const res = await get(url);
    const body = (await res.json()) as { items?: unknown[] };
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${name}: ${url} gave ${res.status} ${JSON.stringify(body)}`);
    items = body.items?.length ?? 1;
  }
  times.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { case: name, store: storeName, transport, items, p50_ms: round(pct(times, 50)), p99_ms: round(pct(times, 99)), max_ms: round(times.at(-1)!) };
}

async function cases(store: Store, app: Hono, storeName: string, sample: { caller: string; session: string }): Promise<Row[]> {
  const headers = { Authorization: `Bearer ${KEY}` };
  const get = (url: string): Promise<Response> => Promise.resolve(app.request(url, { headers }));
  const base = '/api/v1/calls?limit=50';
  const day = (d: number): string => new Date(T_END - d * DAY).toISOString();
  // The cursor of page 100: walk there once, as a client would.
  let cursor: string | null = null;
  for (let page = 1; page < 100; page++) {
    const body = (await (await get(`${base}${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { next_cursor: string | null };
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  const caller = sample.caller || '+13125550000';
  const after = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [number, string]) : undefined;
  const list: Array<[string, string, CallFilter, CallPageKey | undefined]> = [
    ['no filter', base, {}, undefined],
    ['number', `${base}&number=${NUMBERS[3]}`, { number: NUMBERS[3]! }, undefined],
    ['caller', `${base}&caller=${encodeURIComponent(caller)}`, { caller }, undefined],
    ['block', `${base}&block=ivr/7`, { block: 'ivr/7' }, undefined],
    ['end_reason', `${base}&end_reason=webhook_failure`, { endReason: 'webhook_failure' }, undefined],
    ['direction', `${base}&direction=outbound`, { direction: 'outbound' }, undefined],
    ['time range (1 day)', `${base}&since=${day(15)}&until=${day(14)}`, { since: new Date(day(15)), until: new Date(day(14)) }, undefined],
    ['block + end_reason', `${base}&block=findme/2&end_reason=transfer_busy`, { block: 'findme/2', endReason: 'transfer_busy' }, undefined],
    ['page 100 (cursor)', cursor ? `${base}&cursor=${cursor}` : base, {}, after && { startedAt: new Date(after[0]), sessionId: after[1] }],
  ];
  const rows: Row[] = [];
  for (const [name, url] of list) rows.push(await measure(name, storeName, 'in-process', get, url));
  // The SQL alone (the page and its calls' blocks), to tell the query's cost from the HTTP layer's.
  for (const [name, , filter, key] of list) {
    rows.push(await measure(name, storeName, 'store only', async () => {
      const calls = await store.history.search(filter, key, 51);
      await store.history.blocks(calls.map((c) => c.sessionId));
      return Response.json({ items: calls.slice(0, 50) });
    }, ''));
  }
  if (sample.session) rows.push(await measure('one call (detail)', storeName, 'in-process', get, `/api/v1/calls/${sample.session}`));
  // Once over a real socket: HTTP parsing and the loopback hop on top.
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as { port: number };
  rows.push(await measure('no filter', storeName, 'http socket', (u) => fetch(`http://127.0.0.1:${port}${u}`, { headers }), base));
  await new Promise<void>((r) => server.close(() => r()));
  return rows;
}

async function writerCost(store: Store, sessions: string[]): Promise<{ events: number; us_per_event: number; flushes: number }> {
  const w = new TimelineWriter({ repo: store.history, clock: systemClock, logger: silentLogger, flushMs: 1e9 });
  const n = 50_000;
  let flushes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    w.add(sessions[i % sessions.length]!, 'prompt', { text: 'Please enter your account number followed by the pound key.', parts: [{ text: 'Please enter your account number followed by the pound key.' }] });
    // Every 100 ms at ~5,000 events/s across all calls would be ~500 per flush.
    if (i % 500 === 499) {
      await w.flush();
      flushes++;
    }
  }
  await w.flush();
  return { events: n, us_per_event: Math.round(((performance.now() - t0) * 1000) / n * 100) / 100, flushes: flushes + 1 };
}

const dir = await mkdtemp(path.join(tmpdir(), 'hookline-history-bench-'));
try {
  const fullFile = path.join(dir, 'full.sqlite');
  (await createSqliteStore(fullFile)).close(); // migrate
  const t0 = performance.now();
  const sample = fill(fullFile, CALLS);
  const fillS = Math.round((performance.now() - t0) / 100) / 10;
  const full = await createSqliteStore(fullFile);
  const empty = await createSqliteStore(path.join(dir, 'empty.sqlite'));
  const rows = [
    ...(await cases(full, admin(full), `${CALLS} calls`, { caller: sample.sampleCaller, session: sample.sampleSession })),
    ...(await cases(empty, admin(empty), 'empty', { caller: '', session: '' })),
  ];
  const writer = await writerCost(full, Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(32, '0')));
  await full.close();
  await empty.close();

  const w = { case: 22, store: 14, transport: 13, items: 6, p50: 9, p99: 9, max: 9 };
  const line = (c: string, s: string, t: string, i: string, a: string, b: string, m: string): string =>
    `${c.padEnd(w.case)}${s.padEnd(w.store)}${t.padEnd(w.transport)}${i.padStart(w.items)}${a.padStart(w.p50)}${b.padStart(w.p99)}${m.padStart(w.max)}`;
  console.log(`GET /api/v1/calls?limit=50, ${N} requests per case (store filled in ${fillS} s)`);
  console.log(line('case', 'store', 'transport', 'items', 'p50 ms', 'p99 ms', 'max ms'));
  for (const r of rows) console.log(line(r.case, r.store, r.transport, String(r.items), r.p50_ms.toFixed(3), r.p99_ms.toFixed(3), r.max_ms.toFixed(3)));
  console.log(`timeline writer: ${writer.us_per_event} µs of event-loop time per event (${writer.events} events, ${writer.flushes} batched INSERTs)`);
  console.log(`total ${Math.round((performance.now() - started) / 1000)} s`);

  let sha = 'nogit';
  try {
    sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  const out = path.join(import.meta.dirname, 'results', `history-${new Date().toISOString().slice(0, 10)}-${sha}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ bench: 'history', sha, at: new Date().toISOString(), calls: CALLS, requests: N, fill_s: fillS, rows, writer }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
