/**
 * RTP sender for the bridge benchmark, in its own process: one stream of 20 ms G.711 frames (a tone)
 * to each port it is given, paced by the project's Pacer. Runs until SIGTERM.
 *
 *   node --import tsx bench/rtp-source.ts PORT[,PORT...]
 */
import { PortAllocator } from '../src/rtp/ports.js';
import { RtpSession } from '../src/rtp/session.js';
import { Pacer } from '../src/media/pacer.js';
import { encodeUlaw } from '../src/media/g711.js';
import { tone } from '../src/media/tones.js';

const ports = (process.argv[2] ?? '').split(',').map(Number);
const allocator = new PortAllocator(36000, 37999);
const pacer = new Pacer();
const frame = encodeUlaw(tone([440], 20, { level: -12 }));
const sessions: RtpSession[] = [];
for (const port of ports) {
  const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port } });
  sessions.push(s);
  pacer.register({ tick: () => s.sendFrame(frame) });
}
process.send?.({ ready: true });
process.on('SIGTERM', () => {
  pacer.close();
  void Promise.all(sessions.map((s) => s.close())).then(() => process.exit(0));
});
