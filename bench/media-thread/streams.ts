/**
 * The media side of the media-thread experiment: N RTP sessions, each a MediaChannel playing ringback
 * through one Pacer, sending to `sinkPort`. The same code runs on the main thread or in a worker.
 */
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import { RtpSession } from '../../src/rtp/session.js';
import { Pacer } from '../../src/media/pacer.js';
import { MediaChannel } from '../../src/calls/telephony/media-channel.js';
import type { PromptRenderer } from '../../src/calls/telephony/renderer.js';

export const RANGE = { min: 36000, max: 37999 };
const noRenderer = { render: async () => new Uint8Array(0) } as unknown as PromptRenderer;

export interface Streams {
  stop(): Promise<void>;
  /** The pacer's own view: tick start lateness and tick duration (ms). */
  pacer(): { lateness_ms: { p50: number; p99: number; max: number }; tick_ms: { p50: number; p99: number; max: number } };
}

export async function startStreams(n: number, sinkPort: number): Promise<Streams> {
  const allocator = new PortAllocator(RANGE.min, RANGE.max);
  const pacer = new Pacer({ spinMs: Number(process.env['SPIN_MS'] ?? 1), maxSlots: Number(process.env['SLOTS'] ?? 10) });
  const channels: MediaChannel[] = [];
  const sessions: RtpSession[] = [];
  for (let i = 0; i < n; i++) {
    const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: sinkPort } });
    sessions.push(s);
    const ch = new MediaChannel(s, 'ulaw', { pacer, clock: systemClock, renderer: noRenderer, logger: silentLogger });
    ch.startHold('ringback');
    channels.push(ch);
  }
  pacer.resetStats();
  return {
    async stop() {
      await Promise.all(channels.map((c) => c.close()));
      await Promise.all(sessions.map((s) => s.close()));
      pacer.close();
    },
    pacer() {
      const st = pacer.stats();
      return {
        lateness_ms: { p50: st.lateness.p50Ms, p99: st.lateness.p99Ms, max: st.lateness.maxMs },
        tick_ms: { p50: st.tickDuration.p50Ms, p99: st.tickDuration.p99Ms, max: st.tickDuration.maxMs },
      };
    },
  };
}
