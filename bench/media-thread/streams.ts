/**
 * The media side of the media-thread experiment: N RTP sessions, each a MediaChannel playing ringback
 * through one Pacer, sending to `sinkPort`. The same code runs on the main thread or in a worker.
 */
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import { RtpSession } from '../../src/rtp/session.js';
import { socketFd, type PacketSender } from '../../src/rtp/native-send.js';
import type { Socket } from 'node:dgram';
import { Pacer } from '../../src/media/pacer.js';
import { MediaChannel } from '../../src/calls/telephony/media-channel.js';
import { createRequire } from 'node:module';
import { linearToUlaw } from '../../src/media/g711.js';
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

interface NativeSender {
  add(fd: number, address: string, port: number, ssrc: number, pt: number, payload: Uint8Array): void;
  start(): void;
  stop(): { sent: number; errors: number; late_over_1ms: number };
}

/**
 * The same sessions, their frames sent by bench/native-sender's thread from each session's own socket
 * (its fd, so the source port is the session's): JavaScript only sets them up.
 */
export async function startNativeStreams(n: number, sinkPort: number): Promise<{ stop(): Promise<unknown> }> {
  const native = createRequire(import.meta.url)('../native-sender/build/Release/native_sender.node') as NativeSender;
  const allocator = new PortAllocator(RANGE.min, RANGE.max);
  const sessions: RtpSession[] = [];
  const ringback = new Uint8Array(8000).map((_, i) => linearToUlaw(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000))));
  for (let i = 0; i < n; i++) {
    const s = await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, symmetric: false, remote: { address: '127.0.0.1', port: sinkPort } });
    sessions.push(s);
    const fd = socketFd((s as unknown as { rtpSocket: Socket }).rtpSocket);
    if (fd === undefined) throw new Error('this Node keeps the socket descriptor out of reach');
    native.add(fd, '127.0.0.1', sinkPort, s.ssrc, 0, ringback);
  }
  native.start();
  return {
    async stop() {
      const figures = native.stop();
      await Promise.all(sessions.map((s) => s.close()));
      return figures;
    },
  };
}
