/**
 * RTP receiver for the jitter benchmarks, run as its own process (on the other core) so that the
 * sender's event loop does not disturb its clock. For every stream (SSRC) it records the interval
 * between consecutive packets and, on SIGTERM, prints the distribution of |interval - 20 ms| and the
 * RFC 3550 interarrival jitter (§A.8) as JSON. Its own event-loop delay is reported too: that bounds
 * how much of the measured deviation is the receiver's noise rather than the sender's.
 *
 *   node --import tsx bench/rtp-sink.ts PORT
 */
import { createSocket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const port = Number(process.argv[2]);
const streams = new Map<number, { last: bigint; lastTs: number; transit: number; jitter: number; count: number }>();
const deviationsUs: number[] = [];
let packets = 0;
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();

const sock = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
sock.on('message', (msg) => {
  const now = process.hrtime.bigint();
  if (msg.length < 12) return;
  packets++;
  const ssrc = msg.readUInt32BE(8);
  const ts = msg.readUInt32BE(4);
  const s = streams.get(ssrc);
  const arrivalSamples = Number(now / 125_000n); // 8 kHz units
  if (!s) {
    streams.set(ssrc, { last: now, lastTs: ts, transit: arrivalSamples - ts, jitter: 0, count: 1 });
    return;
  }
  const intervalUs = Number(now - s.last) / 1000;
  deviationsUs.push(Math.abs(intervalUs - 20_000));
  const transit = arrivalSamples - ts;
  const d = Math.abs(transit - s.transit);
  s.jitter += (d - s.jitter) / 16;
  s.transit = transit;
  s.last = now;
  s.count++;
});
sock.bind(port, '127.0.0.1', () => process.send?.({ ready: true }));
// A sender that died (it once overflowed its stack) would leave this sink holding the port, and every later
// run's sink failing to bind: go when the parent's IPC channel goes.
process.on('disconnect', () => process.exit(0));

process.on('SIGTERM', () => {
  deviationsUs.sort((a, b) => a - b);
  const q = (p: number): number => (deviationsUs.length ? (deviationsUs[Math.min(deviationsUs.length - 1, Math.floor(p * deviationsUs.length))] as number) / 1000 : NaN);
  const jitters = [...streams.values()].map((s) => s.jitter / 8).sort((a, b) => a - b);
  const out = {
    streams: streams.size,
    packets,
    interval_deviation_ms: { p50: +q(0.5).toFixed(3), p99: +q(0.99).toFixed(3), max: +q(1).toFixed(3) },
    rfc3550_jitter_ms: { median_stream: +(jitters[Math.floor(jitters.length / 2)] ?? NaN).toFixed(3), worst_stream: +(jitters.at(-1) ?? NaN).toFixed(3) },
    receiver_loop_delay_ms: { p50: +(lag.percentile(50) / 1e6).toFixed(3), p99: +(lag.percentile(99) / 1e6).toFixed(3) },
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  sock.close();
  process.exit(0);
});
