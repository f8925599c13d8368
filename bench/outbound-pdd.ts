/**
 * Post-dial delay hookline adds (issue 5): time from the flow's dial() to our INVITE arriving at the
 * trunk, over N legs through the real TelephonyServer + Trunk (RTP port bound, SDP offer built, INVITE
 * serialised and sent over UDP) to a far end on 127.0.0.1 (our own SIP stack, answering 486 so every
 * attempt ends at once). Arrival is taken in the far end's request handler, after its parser: an upper
 * bound on "INVITE on the wire". `concurrency` legs are dialled at once, as a Find Me with that many
 * simultaneous numbers does.
 *
 *   npx tsx bench/outbound-pdd.ts [legs=500] [concurrency=1]
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { Pacer } from '../src/media/pacer.js';
import { createSipEndpoint } from '../src/sip/index.js';
import { TelephonyServer } from '../src/calls/telephony/server.js';
import type { PromptRenderer } from '../src/calls/telephony/renderer.js';

const legs = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 1);

const arrivals = new Map<string, number>();
const far = await createSipEndpoint({
  host: '127.0.0.1',
  udpPort: 0,
  onRequest(req, tx) {
    arrivals.set(req.from.uri && 'user' in req.from.uri ? (req.from.uri.user ?? '') : '', performance.now());
    tx.respond(486);
  },
});
const pacer = new Pacer();
const server = await TelephonyServer.start({
  host: '127.0.0.1',
  sipPort: 0,
  rtpPorts: { min: 18000, max: 18999 },
  clock: systemClock,
  logger: silentLogger,
  pacer,
  renderer: {} as PromptRenderer,
  userAgent: 'hookline-bench',
  onCall: () => undefined,
  trunk: { host: '127.0.0.1', port: far.transport('UDP')!.port, transport: 'UDP', maxLegs: 1000 },
});

const delays: number[] = [];
let n = 0;
async function one(): Promise<void> {
  // The caller id tells the legs apart at the far end.
  const id = String(3120000000 + n++);
  const t0 = performance.now();
  const r = await server.trunk!.dial({ sessionId: '0'.repeat(32), destination: '3125550101', callerId: id, timeoutMs: 5000, logger: silentLogger, startedAt: t0 });
  if (r.outcome !== 'busy') throw new Error(`leg ${id}: ${r.outcome}`);
  const at = arrivals.get(id);
  if (at === undefined) throw new Error(`leg ${id}: no INVITE arrived`);
  delays.push(at - t0);
}

for (let i = 0; i < 20; i++) await one(); // warm-up: JIT, first socket binds
delays.length = 0;
for (let done = 0; done < legs; done += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, legs - done) }, one));

delays.sort((a, b) => a - b);
const q = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]!.toFixed(2);
const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
console.log(`outbound post-dial delay, dial() -> INVITE at the far end, ${delays.length} legs, ${concurrency} at once (ms):`);
console.log(`  mean ${mean.toFixed(2)}  p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${q(1)}`);

await server.close();
await far.close();
pacer.close();
