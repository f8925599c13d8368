/**
 * What the store costs one call of the benchmark's IVR (ivr/10 in bench/lib/flows.ts), apart from
 * everything else the server does: the same writes and reads the server makes for it, one call after
 * another on a fresh SQLite file, with the process's CPU time (user and system) per call for each round.
 * The first round includes V8 compiling the store's code and Kysely's, as a fresh server's first thousand
 * calls do; the later ones are a warm server's.
 *
 *   npx tsx bench/store-cost.ts [--calls 2000] [--rounds 3]
 *
 * The statements: the call's row, its first block, the interaction, its two answers (the first question
 * only speaks), the interaction's end, the webhook log's request and outcome, the call's end, the call
 * read back, and the timeline's events in one insert. Each is its own commit, as on the server (src/store/kysely-store.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);

const TIMELINE = ['answered', 'prompt', 'prompt', 'keys', 'prompt', 'keys', 'prompt', 'keys', 'webhook', 'hangup'];

async function oneCall(store: Store, i: number): Promise<void> {
  const sessionId = i.toString(16).padStart(32, '0');
  const caller = String(3_100_000_000 + i);
  const at = new Date();
  await store.calls.create({ sessionId, direction: 'inbound', from: caller, to: '8005550100', startedAt: at, passThrough: '', monitoredSeconds: 0 });
  await store.history.addBlock({ sessionId, block: 'ivr/10', at });
  const responseId = await store.interactions.start({ sessionId, ivrId: 10, startedAt: at });
  // The first question only speaks; the account number and the menu are answers.
  await store.interactions.addAnswer({ responseId, questionNo: 2, questionType: 'keypad', value: '12345', keys: '12345#', durationMs: 4100, at });
  await store.interactions.addAnswer({ responseId, questionNo: 3, questionType: 'menu', value: 'support', keys: '2', durationMs: 900, at });
  await store.interactions.finish(responseId, { completed: true, optedOut: false, endedAt: at });
  const params: Array<[string, string]> = [['ivr_caller_id', caller], ['account', '12345'], ['dept', 'support']];
  const logId = await store.webhooks.logRequest({ sessionId, kind: 'ivr', method: 'POST', url: 'http://127.0.0.1:8080/hook?ivr=10', params, sentAt: at, attempt: 1 });
  await store.webhooks.logOutcome(logId, { status: 200, latencyMs: 3, responseBody: '<action><app>hangup</app></action>' });
  await store.calls.update(sessionId, { endedAt: at, endReason: 'hangup', monitoredSeconds: 12 });
  await store.calls.get(sessionId);
  await store.history.appendEvents(TIMELINE.map((type) => ({ sessionId, at, type, data: { n: i } })));
}

const dir = await mkdtemp(path.join(tmpdir(), 'hookline-store-cost-'));
const store = await createSqliteStore(path.join(dir, 'hookline.db'));
try {
  for (let round = 0; round < rounds; round++) {
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < calls; i++) await oneCall(store, round * calls + i);
    const cpu = process.cpuUsage(t0);
    const per = (us: number): number => Math.round(us / calls);
    console.log(JSON.stringify({ round, calls, cpu_us_per_call: per(cpu.user + cpu.system), user_us: per(cpu.user), system_us: per(cpu.system), wall_us_per_call: Math.round(((performance.now() - w0) * 1000) / calls) }));
  }
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
