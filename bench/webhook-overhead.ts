/**
 * Webhook overhead (issue 3): time from the moment an IVR ends (the caller's last answer is in) to the
 * webhook request arriving at a local receiver, over N simulated calls run through the real flow, the
 * real SQLite store (in a temp data dir) and the real HTTP client. Arrival at the receiver includes the
 * loopback hop and the receiver's HTTP parsing, so it bounds "request on the wire" from above.
 *
 *   npx tsx bench/webhook-overhead.ts [calls=1000] [concurrency=1] [--one-off-connections]
 *
 * By default webhooks share kept-alive connections as `hookline serve` does; --one-off-connections
 * opens one per webhook (the design before), to compare.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFlows } from '../src/config/flows.js';
import { createApp } from '../src/app.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { newSessionId } from '../src/lib/ids.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { SimulatedCall } from '../src/calls/simulator.js';
import { WebhookReceiver } from '../src/testkit/webhook-receiver.js';
import { WebhookAgents } from '../src/webhook/agents.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const calls = Number(args[0] ?? 1000);
const concurrency = Number(args[1] ?? 1);
const webhookAgents = process.argv.includes('--one-off-connections') ? undefined : new WebhookAgents();

const receiver = new WebhookReceiver(() => ({ body: '<action><app>hangup</app></action>' }));
const arrivals = new Map<string, number>();
receiver.setHandler((r) => {
  const sid = new URLSearchParams(r.body).get('ivr_session_id');
  if (sid) arrivals.set(sid, performance.now());
  return { body: '<action><app>hangup</app></action>' };
});
const base = await receiver.start();
const dir = await mkdtemp(path.join(tmpdir(), 'hookline-bench-'));
const flows = parseFlows(
  `numbers: { "100": ivr/1 }
ivrs:
  - id: 1
    questions:
      - { type: keypad, prompt: "Account?", min_digits: 4, max_digits: 8 }
      - { type: menu, prompt: "1 or 2", options: { "1": a, "2": b } }
    webhook:
      url: ${base}/hook
      parameters: [{ name: account, value: question.1 }, { name: dept, value: question.2 }]
`,
  'bench.yaml',
);
const store = await createSqliteStore(path.join(dir, 'hookline.db'));
const app = createApp({ settings: { dataDir: dir, dialAllow: [], webhookNetworks: 'all' }, flows, store, clock: systemClock, logger: silentLogger, ...(webhookAgents ? { webhookAgents } : {}) });

const overheads: number[] = [];
async function one(): Promise<void> {
  const sessionId = newSessionId();
  let ivrEnd = 0;
  const call = new SimulatedCall({ sessionId, from: '3125550199', to: '100', keys: '12345#2', clock: systemClock, writeRecording: async () => undefined });
  await app.runCall(call, (e) => {
    if (e.type === 'ivr_end') ivrEnd = e.at;
  });
  const arrived = arrivals.get(sessionId);
  if (arrived === undefined || !ivrEnd) throw new Error(`call ${sessionId}: no webhook arrived`);
  overheads.push(arrived - ivrEnd);
}

// Warm-up: JIT, the first connection, SQLite's first statements.
for (let i = 0; i < 20; i++) await one();
overheads.length = 0;
const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next++ < calls) await one();
}));
const wall = performance.now() - started;
overheads.sort((a, b) => a - b);
const q = (p: number): number => overheads[Math.min(overheads.length - 1, Math.floor(p * overheads.length))] as number;
const result = {
  bench: 'webhook-overhead',
  calls: overheads.length,
  concurrency,
  connections: webhookAgents ? 'kept-alive' : 'one-off',
  p50_ms: +q(0.5).toFixed(3),
  p99_ms: +q(0.99).toFixed(3),
  max_ms: +(overheads.at(-1) as number).toFixed(3),
  calls_per_s: +((overheads.length / wall) * 1000).toFixed(1),
};
console.log(JSON.stringify(result));
await webhookAgents?.close();
await store.close();
await receiver.stop();
await rm(dir, { recursive: true, force: true });
