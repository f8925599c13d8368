import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { FrameClock } from '../../media/pacer.js';
import { WavWriter } from '../../media/wav.js';
import type { BridgeOptions, BridgeResult, CallEndReason } from '../types.js';
import type { MediaChannel } from './media-channel.js';
import { Relay } from './bridge-relay.js';

const FRAME = 160;
/** Samples per channel handed to the WAV writer at once (1 s): one small allocation a second, not per frame. */
const BLOCK = 8000;

/** Either side of a bridge: the caller's call or an answered outbound leg. */
export interface BridgeParty {
  readonly media: MediaChannel;
  readonly hungUp: boolean;
  readonly ended: Promise<CallEndReason>;
  hangup(): Promise<void>;
  /** Set while bridged: keys that came by SIP INFO (RFC 4733 ones are heard on the RTP session). */
  infoTap: ((key: string) => void) | undefined;
}

export interface BridgeDeps {
  pacer: FrameClock;
  clock: Clock;
  logger: Logger;
}

/** Both channels of the recording, filled one 20 ms frame per tick so that they stay in step. */
class StereoRecorder {
  private left = new Int16Array(BLOCK);
  private right = new Int16Array(BLOCK);
  private off = 0;
  frames = 0;

  constructor(private readonly writer: WavWriter) {}

  add(caller: Int16Array, callee: Int16Array): void {
    this.left.set(caller, this.off);
    this.right.set(callee, this.off);
    this.off += FRAME;
    this.frames++;
    if (this.off === BLOCK) {
      // The writer keeps the arrays until it flushes: hand them over and start new ones.
      this.writer.write(this.left, this.right);
      this.left = new Int16Array(BLOCK);
      this.right = new Int16Array(BLOCK);
      this.off = 0;
    }
  }

  async close(): Promise<void> {
    if (this.off > 0) this.writer.write(this.left.subarray(0, this.off), this.right.subarray(0, this.off));
    await this.writer.close();
  }
}

/**
 * Connects two parties until either hangs up (RFC 3261 itself has nothing to say: this is media).
 * While bridged, one pacer source sends both sides' frames instead of their own channels (which would
 * send silence over the relayed audio), so each side gets exactly one frame per tick; keys go across
 * as RFC 4733 events, or as tones to a side without them. Keys heard in-band become events (tones muted)
 * for a side that takes events, and pass with the audio to one that does not.
 * When the caller hangs up the leg is hung up here; when the callee does, the caller is left to the
 * flow, which knows what to say or log before ending the call.
 */
export async function bridgeParties(caller: BridgeParty, callee: BridgeParty, deps: BridgeDeps, o: BridgeOptions = {}): Promise<BridgeResult> {
  const started = deps.clock.now();
  let recorder: StereoRecorder | undefined;
  if (o.recordPath) {
    try {
      recorder = new StereoRecorder(await WavWriter.open(o.recordPath, { channels: 2 }));
    } catch (err) {
      // A full disk must not keep two people apart: bridge unrecorded, and say so.
      deps.logger.error({ err, path: o.recordPath }, 'bridge recording could not be opened; bridging without it');
    }
  }
  const toCallee = new Relay(caller.media, callee.media, recorder !== undefined);
  const toCaller = new Relay(callee.media, caller.media, recorder !== undefined);
  const warn = (err: unknown): void => deps.logger.debug({ err }, 'key not passed on');
  const callerKey = (key: string): void => toCallee.key(key, warn);
  const calleeKey = (key: string): void => toCaller.key(key, warn);

  // Keys heard as tones go across as RFC 4733 events, with the tones muted, when the other side takes
  // events; to a side without them the tones pass with the audio as they are (sending both would double them).
  const inband = (from: BridgeParty, to: BridgeParty, relay: Relay, onKey: (key: string) => void): void => {
    const convert = to.media.session.hasTelephoneEvent;
    from.media.inboundTap = (_pcm, codes) => relay.push(codes, convert && from.media.toneActive);
    from.media.inbandTap = convert
      ? (key) => {
          relay.muteQueued();
          onKey(key);
        }
      : undefined;
  };
  inband(caller, callee, toCallee, callerKey);
  inband(callee, caller, toCaller, calleeKey);
  caller.media.session.on('dtmf', callerKey);
  callee.media.session.on('dtmf', calleeKey);
  caller.infoTap = callerKey;
  callee.infoTap = calleeKey;
  deps.pacer.unregister(caller.media);
  deps.pacer.unregister(callee.media);
  const stopTicking = deps.pacer.register({
    tick: () => {
      toCallee.tick();
      toCaller.tick();
      recorder?.add(toCallee.pcm, toCaller.pcm);
    },
  });

  const endedBy = await Promise.race([caller.ended.then(() => 'caller' as const), callee.ended.then(() => 'callee' as const)]);

  stopTicking();
  for (const p of [caller, callee]) {
    p.media.inboundTap = undefined;
    p.media.inbandTap = undefined;
  }
  caller.media.session.off('dtmf', callerKey);
  callee.media.session.off('dtmf', calleeKey);
  caller.infoTap = undefined;
  callee.infoTap = undefined;
  // A side still up gets its own channel's frames again (silence, or what the flow plays next).
  for (const p of [caller, callee]) if (!p.hungUp) deps.pacer.register(p.media);
  if (endedBy === 'caller') await callee.hangup();

  let recordedMs = 0;
  if (recorder) {
    recordedMs = recorder.frames * 20;
    await recorder.close().catch((err: unknown) => deps.logger.error({ err, path: o.recordPath }, 'bridge recording could not be closed'));
  }
  const durationMs = deps.clock.now() - started;
  deps.logger.info({ endedBy, durationMs, recordedMs, toCallee: toCallee.stats, toCaller: toCaller.stats }, 'bridge ended');
  return { endedBy, durationMs, recordedMs };
}
