/**
 * Child process for crash.test.ts: writes the way the flow does (one awaited write per event), says
 * "ready" on stdout once every write has resolved, then idles until the parent kills it with SIGKILL.
 * No close(), no exit handler: whatever reaches the database must have done so by the time each
 * promise resolved.
 */
import BetterSqlite3 from 'better-sqlite3';
import { createSqliteStore } from '../sqlite.js';

const [path, sessionId, uncommittedSessionId] = process.argv.slice(2);
if (path === undefined || sessionId === undefined) {
  throw new Error('usage: crash-writer.ts <db path> <session id> [uncommitted session id]');
}

const store = await createSqliteStore(path);
await store.calls.create({
  sessionId,
  direction: 'inbound',
  from: '+15551230001',
  to: '+15559870002',
  startedAt: new Date(1_000),
  passThrough: 'crash=1',
  monitoredSeconds: 0,
});
const responseId = await store.interactions.start({ sessionId, ivrId: 7, startedAt: new Date(2_000) });
for (let q = 1; q <= 3; q++) {
  await store.interactions.addAnswer({
    responseId, questionNo: q, questionType: 'keypad', value: String(q * 11), keys: `${q * 11}#`, at: new Date(2_000 + q),
  });
}
const outboxId = await store.outbox.enqueue({
  kind: 'post_call', payload: '{}', nextAttemptAt: new Date(3_000), expiresAt: new Date(4_000),
});
await store.outbox.markDelivered(outboxId);
if (uncommittedSessionId !== undefined) {
  // The control case: a write inside a transaction that is never committed must be lost, which shows
  // the test can tell committed from uncommitted data (rather than passing because nothing is lost).
  const raw = new BetterSqlite3(path);
  raw.exec('begin immediate');
  raw
    .prepare('insert into calls (session_id, direction, from_addr, to_addr, started_at) values (?, ?, ?, ?, ?)')
    .run(uncommittedSessionId, 'inbound', 'a', 'b', 0);
}
process.stdout.write(`ready ${JSON.stringify({ responseId, outboxId })}\n`);
// Keep the event loop (and the open database) alive until killed.
setInterval(() => undefined, 60_000);
