import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { RtpSession } from '../../rtp/session.js';
import type { FrameClock, PacedSource } from '../../media/pacer.js';
import { decodeAlaw, decodeUlaw } from '../../media/g711.js';
import { DtmfDetector } from '../../media/dtmf-detect.js';
import { WavWriter } from '../../media/wav.js';
import { SpeechError } from '../../speech/errors.js';
import type { G711Law, PromptStream } from '../../speech/prompt-cache.js';
import { DigitBuffer } from '../digits.js';
import type { PlayResult, PlayablePart, RecordOptions, RecordResult } from '../types.js';
import { wholeStream, type PartRenderer } from './renderer.js';
import { ringbackLoop } from './hold-audio.js';
import { OutboundAudio } from './outbound-audio.js';

const FRAME = 160; // 20 ms at 8 kHz
/** Below this RMS (about -40 dBFS) a 20 ms frame counts as silence for ending recordings. */
const SILENCE_RMS = 320;
/** The same key from a second DTMF path within this window is the same press (RFC 4733 + in-band). */
const SAME_PRESS_MS = 300;

export type DigitSource = 'rfc4733' | 'inband' | 'info';

export interface MediaChannelDeps {
  pacer: FrameClock;
  clock: Clock;
  renderer: PartRenderer;
  logger: Logger;
}

/**
 * The media side of one call leg: plays prompts one 20 ms frame per pacer tick, detects DTMF from
 * every path (each key reaches the IVR exactly once), records what the caller says. Pure media: it
 * knows nothing of SIP, so bridging and the simulator-vs-SIP split stay above it.
 */
export class MediaChannel implements PacedSource {
  readonly digits: DigitBuffer;
  private readonly outbound: OutboundAudio;
  private recorder: ((pcm: Int16Array) => void) | undefined;
  private readonly detector = new DtmfDetector();
  private rfc4733Seen = false;
  private last = { key: '', at: -Infinity, source: '' as DigitSource | '' };
  private readonly onClose: Array<() => void> = [];
  private readonly unregister: () => void;
  private readonly pcm = new Int16Array(FRAME);
  private closed = false;
  /** Counts interrupt()s: a prompt started before the latest one stops at its next piece. */
  private generation = 0;
  /** Receives every decoded inbound frame (bridging and call recording hook in here). */
  inboundTap: ((pcm: Int16Array, payload: Uint8Array) => void) | undefined;
  /** Receives keys heard as tones in the audio (a bridge passes them on as RFC 4733 events). */
  inbandTap: ((key: string) => void) | undefined;

  constructor(
    readonly session: RtpSession,
    public law: G711Law,
    private readonly deps: MediaChannelDeps,
  ) {
    this.digits = new DigitBuffer(deps.clock);
    // Parked while the addon's thread sends the frames (tick), ticked again once they are taken back.
    this.outbound = new OutboundAudio(session, law, () => {
      if (!this.closed) deps.pacer.unpark(this);
    });
    session.on('audio', (payload) => this.onAudio(payload));
    session.on('dtmf', (digit) => this.onDigit(digit, 'rfc4733'));
    this.unregister = deps.pacer.register(this);
  }

  /** Called by the pacer every 20 ms: exactly one frame goes out (prompt, hold audio or silence), see OutboundAudio. */
  tick(): void {
    this.outbound.tick();
    if (this.session.idling) this.deps.pacer.park(this);
  }

  /** A re-INVITE or a late-offer answer changed the codec. */
  setLaw(law: G711Law): void {
    this.outbound.setLaw(law);
    this.law = law;
  }

  /** A key from SIP INFO (application/dtmf-relay). */
  infoDigit(key: string): void {
    this.onDigit(key, 'info');
  }

  private onDigit(key: string, source: DigitSource): void {
    if (this.closed) return;
    if (source === 'rfc4733') this.rfc4733Seen = true;
    const now = this.deps.clock.now();
    if (key === this.last.key && source !== this.last.source && now - this.last.at < SAME_PRESS_MS) return;
    this.last = { key, at: now, source };
    this.digits.push(key);
    if (source === 'inband') this.inbandTap?.(key);
  }

  /** True while a key's tone is being heard in the inbound audio (the frame just tapped is part of it). */
  get toneActive(): boolean {
    return !this.rfc4733Seen && this.detector.current !== '';
  }

  private onAudio(payload: Uint8Array): void {
    const wantPcm = this.recorder || this.inboundTap || !this.rfc4733Seen;
    if (!wantPcm || this.closed) return;
    for (let off = 0; off + FRAME <= payload.length; off += FRAME) {
      const codes = payload.subarray(off, off + FRAME);
      if (this.law === 'ulaw') decodeUlaw(codes, this.pcm);
      else decodeAlaw(codes, this.pcm);
      // Once the caller sends RFC 4733 events, tones in the audio are the same presses: ignore them.
      if (!this.rfc4733Seen) for (const k of this.detector.detect(this.pcm)) this.onDigit(k, 'inband');
      this.recorder?.(this.pcm);
      this.inboundTap?.(this.pcm, codes);
    }
  }

  async play(parts: PlayablePart[], opts: { bargeIn?: boolean } = {}): Promise<PlayResult> {
    if (this.closed) return { interrupted: false };
    if (opts.bargeIn && this.digits.pending > 0) return { interrupted: true };
    const generation = this.generation;
    const stopped = (): boolean => this.closed || generation !== this.generation;
    // Every part starts rendering at once (synthesis of later parts overlaps playback of the first), and
    // a text not cached yet streams: its first sentence plays while the next ones are synthesized.
    const streams = parts.map((p) => this.open(p));
    // Closing the streams also ends a wait for a piece still being synthesized, so a key or a hang-up
    // stops the prompt at once; pending synthesis nobody else waits for is dropped.
    const closeStreams = (): void => {
      for (const s of streams) s.close();
    };
    let interrupted = false;
    const off = opts.bargeIn
      ? this.digits.onKey(() => {
          interrupted = true;
          this.outbound.stop();
          closeStreams();
        })
      : undefined;
    this.onClose.push(closeStreams);
    try {
      // Each piece is queued as soon as it is at hand, not when the one before has played: the next sentence
      // then follows the last frame of this one without a gap, wherever the frames are sent from.
      let last: Promise<void> | undefined;
      for (const [i, stream] of streams.entries()) {
        for (let piece = 0; ; piece++) {
          const bytes = await this.nextPiece(stream, parts[i]!, piece);
          if (interrupted || stopped()) return { interrupted };
          if (bytes === undefined) break;
          if (bytes.length === 0) continue;
          last = this.outbound.enqueue(bytes);
        }
      }
      await last;
    } finally {
      off?.();
      const i = this.onClose.indexOf(closeStreams);
      if (i >= 0) this.onClose.splice(i, 1);
      closeStreams();
    }
    return { interrupted };
  }

  private open(part: PlayablePart): PromptStream {
    const r = this.deps.renderer;
    try {
      return r.stream ? r.stream(part, this.law) : wholeStream(r.render(part, this.law));
    } catch (err) {
      return wholeStream(Promise.reject(err));
    }
  }

  /**
   * The next piece of a part, or undefined at its end. A part that cannot be rendered, or whose
   * synthesis fails part-way, is logged and ends there: the prompt goes on with the next part and the
   * flow with its next step, so the caller is never left waiting in silence.
   */
  private async nextPiece(stream: PromptStream, part: PlayablePart, piece: number): Promise<Uint8Array | undefined> {
    try {
      return await stream.next();
    } catch (err) {
      if (isLibraryAudioProblem(err) && 'audioPath' in part) {
        // A file missing from the library (deleted, not uploaded yet, or a custom audio prompt's
        // `greeting_@lang.wav` naming a language nobody recorded) is the operator's to fix, not a fault:
        // the rest of the prompt plays, and the flow goes on.
        this.deps.logger.warn({ audio: part.audioPath, reason: (err as SpeechError).message }, 'audio file cannot be played; skipping that part of the prompt');
        return undefined;
      }
      this.deps.logger.error({ err, part, ...(piece > 0 ? { piecesPlayed: piece } : {}) }, 'prompt could not be rendered');
      return undefined;
    }
  }

  /** Ringback or an audio file, looped, whenever no prompt is playing; returns the stop function. */
  startHold(kind: 'ringback' | { audioPath: string }): () => void {
    let stopped = false;
    if (kind === 'ringback') {
      this.startRingback();
    } else {
      // Both outcomes handled; the success branch only assigns.
      void this.deps.renderer.render(kind, this.law).then(
        (bytes) => {
          if (stopped) return;
          if (bytes.length < FRAME) {
            this.deps.logger.warn({ audio: kind.audioPath }, 'hold audio is shorter than one frame; playing ringback instead');
            this.startRingback();
            return;
          }
          // Whole frames: a last partial one is left out of the loop.
          this.outbound.setHold(bytes.subarray(0, bytes.length - (bytes.length % FRAME)));
        },
        (err: unknown) => {
          // Silence while the caller waits for Find Me to answer sounds like a dead line: ring instead.
          if (isLibraryAudioProblem(err)) this.deps.logger.warn({ audio: kind.audioPath, reason: (err as SpeechError).message }, 'hold audio cannot be played; playing ringback instead');
          else this.deps.logger.error({ err }, 'hold audio could not be rendered; playing ringback instead');
          if (!stopped) this.startRingback();
        },
      );
    }
    return () => {
      stopped = true;
      this.outbound.setHold(undefined);
    };
  }

  private startRingback(): void {
    this.outbound.setHold(ringbackLoop(this.law), true);
  }

  /**
   * Records the caller to a WAV file (written as it arrives, so a crash keeps it) until a finish key,
   * `silenceMs` of silence, `maxMs`, or the call ending.
   */
  async record(o: RecordOptions): Promise<RecordResult> {
    if (this.closed) return { durationMs: 0, reason: 'hangup' };
    this.digits.flush();
    const generation = this.generation;
    const writer = await WavWriter.open(o.path, { channels: 1 });
    // Hung up (or interrupted) while the file was being opened: there is nobody left to record.
    if (this.closed || generation !== this.generation) {
      await writer.close();
      return { durationMs: 0, reason: 'hangup' };
    }
    let samples = 0;
    let silentMs = 0;
    return new Promise<RecordResult>((resolve) => {
      let finished = false;
      const finish = (reason: RecordResult['reason'], key?: string): void => {
        if (finished) return;
        finished = true;
        cancelMax();
        offKey();
        this.recorder = undefined;
        const i = this.onClose.indexOf(onClose);
        if (i >= 0) this.onClose.splice(i, 1);
        // Keys pressed while recording (the finish key included) are not answers to what comes next.
        this.digits.flush();
        const result: RecordResult = { durationMs: Math.round(samples / 8), reason, ...(key ? { key } : {}) };
        writer.close().then(
          () => resolve(result),
          (err: unknown) => {
            this.deps.logger.error({ err, path: o.path }, 'recording could not be closed');
            resolve(result);
          },
        );
      };
      const onClose = (): void => finish('hangup');
      this.onClose.push(onClose);
      const cancelMax = this.deps.clock.setTimer(o.maxMs, () => finish('max'));
      const offKey = this.digits.onKey((k) => {
        if (o.finishKeys.includes(k)) finish('key', k);
      });
      this.recorder = (pcm) => {
        writer.write(pcm);
        samples += pcm.length;
        let sum = 0;
        for (let i = 0; i < pcm.length; i++) sum += (pcm[i] as number) * (pcm[i] as number);
        silentMs = Math.sqrt(sum / pcm.length) < SILENCE_RMS ? silentMs + pcm.length / 8 : 0;
        if (o.silenceMs !== undefined && silentMs >= o.silenceMs) finish('silence');
      };
    });
  }

  /** Sends keys to the far end as RFC 4733 events (used when bridging). */
  sendDigits(keys: string): Promise<void> {
    return this.session.sendDigits(keys);
  }

  /**
   * Stops whatever the flow is doing on this channel and keeps the channel open, so that something else
   * can still be said (the server ending a call at shutdown): a prompt stops, a recording is closed as
   * on a hang-up, a collect returns `hangup`, and no key is taken any more. Also takes back the
   * channel's pacer slot, which a bridge or early media may have held, once those have stopped.
   */
  interrupt(): void {
    if (this.closed) return;
    this.generation++;
    this.outbound.stop();
    this.outbound.setHold(undefined);
    for (const f of [...this.onClose]) f();
    this.digits.close();
    this.deps.pacer.register(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    this.outbound.stop();
    this.outbound.setHold(undefined);
    for (const f of [...this.onClose]) f();
    this.digits.close();
    await this.session.close();
  }
}

/** The audio library could not give a file: not there, a name it refuses, or not a WAV it can read. */
function isLibraryAudioProblem(err: unknown): boolean {
  return err instanceof SpeechError && (err.code === 'AUDIO_NOT_FOUND' || err.code === 'AUDIO_BAD_NAME' || err.code === 'AUDIO_INVALID');
}

