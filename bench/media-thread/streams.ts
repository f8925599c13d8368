/**
 * The media side of the media-thread experiment: N RTP sessions, each a MediaChannel playing ringback
 * through one Pacer, sending to `sinkPort`. The same code runs on the main thread or in a worker.
 */
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import { RtpSession } from '../../src/rtp/session.js';
import { loadNativeSender, type PacketSender } from '../../src/rtp/native-send.js';
import { ringbackLoop } from '../../src/calls/telephony/hold-audio.js';
import { Pacer } from '../../src/media/pacer.js';
import { MediaChannel } from '../../src/calls/telephony/media-channel.js';
import { ULAW_SILENCE } from '../../src/media/g711.js';
import type { PromptRenderer } from '../../src/calls/telephony/renderer.js';

export const RANGE = { min: 36000, max: 37999 };
const noRenderer = { render: async () => new Uint8Array(0) } as unknown as PromptRenderer;

export interface Streams {
  stop(): Promise<void>;
  /** The pacer's own view: tick start lateness and tick duration (ms). */
  pacer(): { lateness_ms: { p50: number; p99: number; max: number }; tick_ms: { p50: number; p99: number; max: number } };
}

export async function startStreams(n: number, sinkPort: number, sender?: PacketSender): Promise<Streams> {
  const allocator = new PortAllocator(RANGE.min, RANGE.max);
  const pacer = new Pacer({ spinMs: Number(process.env['SPIN_MS'] ?? 1), maxSlots: Number(process.env['SLOTS'] ?? 10) });
  const channels: MediaChannel[] = [];
  const sessions: RtpSession[] = [];
  for (let i = 0; i < n; i++) {
    const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: sinkPort }, ...(sender && { sender }) });
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

/**
 * The same sessions, every frame (looped ringback) sent by the RTP addon's thread as the server sends a
 * call's idle frames (RtpSession.startIdle): JavaScript only opens the sessions.
 */
export async function startNativeStreams(n: number, sinkPort: number): Promise<{ stop(): Promise<unknown> }> {
  const sender = loadNativeSender();
  const allocator = new PortAllocator(RANGE.min, RANGE.max);
  const sessions: RtpSession[] = [];
  for (let i = 0; i < n; i++) {
    const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: sinkPort }, sender });
    sessions.push(s);
    if (!s.startIdle({ silence: ULAW_SILENCE, loop: ringbackLoop('ulaw') })) throw new Error('the addon\'s thread did not take the stream');
  }
  return {
    async stop() {
      const sent = sessions.reduce((a, s) => a + s.stats.packetsSent, 0);
      const errors = sessions.reduce((a, s) => a + s.stats.sendErrors, 0);
      await Promise.all(sessions.map((s) => s.close()));
      return { sent, errors };
    },
  };
}
