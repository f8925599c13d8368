/**
 * One session's frames on the RTP addon's thread (native/rtp-send/idle.c): handed over with the state the
 * packets continue from, taken back with the state to continue from and what the thread sent meanwhile.
 * Pieces of prompt queued on it play before its loop or silence, and say when they have played.
 * The deadlines are the thread's, on the machine's monotonic clock (process.hrtime's), not an injected one,
 * and so is the interval at which PieceWatch asks the thread which pieces have played.
 */
import type { PacketSender } from './native-send.js';

/** Where a stream stands: what its next packet carries. */
export interface SendState {
  seq: number;
  ts: number;
  marker: boolean;
}

/** Sent by the thread since start(), and the stream's timestamp now. */
export interface IdleCounts {
  packets: number;
  octets: number;
  errors: number;
  ts: number;
}

/** The first piece of prompt the thread had not played to its end when the stream was taken back. */
export interface QueueHead {
  token: number;
  /** Bytes of it sent. */
  pos: number;
}

export interface IdleOptions {
  /** Whole 20 ms frames, played in a loop from `loopPos` when no piece is queued; without it, frames of the `silence` byte. */
  loop?: Uint8Array;
  loopPos?: number;
  silence: number;
  /**
   * Told where the loop got to, and where the pieces did, when the stream is taken back: the pieces queued
   * before `head` (all of them, without one) were played; their `onPlayed` is not called any more.
   */
  stopped?: (loopPos: number, head: QueueHead | undefined) => void;
}

/** How often PieceWatch asks the thread which pieces have played: the frame interval, as the pacer ticks. */
const DRAIN_MS = 20;

/**
 * Which queued pieces the thread has played, for every stream of one addon (one per Node environment):
 * while any is outstanding, it drains the thread's list every frame interval and calls their `onPlayed`.
 * One call for every stream, instead of a wake-up of the event loop per piece.
 */
class PieceWatch {
  private readonly waiting = new Map<number, () => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private next = 1;

  constructor(private readonly sender: PacketSender) {}

  add(onPlayed: () => void): number {
    const token = this.next;
    this.next = this.next >= 0xffffffff ? 1 : this.next + 1;
    this.waiting.set(token, onPlayed);
    this.timer ??= setInterval(() => this.drain(), DRAIN_MS);
    return token;
  }

  forget(token: number): void {
    this.waiting.delete(token);
    this.idleIfDone();
  }

  private drain(): void {
    for (const token of this.sender.idleDrain()) {
      const f = this.waiting.get(token);
      if (!f) continue; // its stream was taken back first: stop() reported it
      this.waiting.delete(token);
      f();
    }
    this.idleIfDone();
  }

  private idleIfDone(): void {
    if (this.waiting.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const watches = new WeakMap<PacketSender, PieceWatch>();
function watchOf(sender: PacketSender): PieceWatch {
  let w = watches.get(sender);
  if (!w) watches.set(sender, (w = new PieceWatch(sender)));
  return w;
}

export class IdleStream {
  private id: number | undefined;
  private stopped: NonNullable<IdleOptions['stopped']> = () => undefined;
  /** The tokens of this stream's pieces not known to have played. */
  private readonly tokens = new Set<number>();
  /** When the thread would have sent its next frame, from the last stop() until sentThisInterval() reads it. */
  private resumedDueNs: number | undefined;
  private readonly watch: PieceWatch;

  constructor(
    private readonly sender: PacketSender,
    private readonly fd: number,
  ) {
    this.watch = watchOf(sender);
  }

  get active(): boolean {
    return this.id !== undefined;
  }

  /** The thread sends a frame every 20 ms from 20 ms after now; false when it cannot (the caller goes on sending). */
  start(to: Buffer, pt: number, ssrc: number, s: SendState, o: IdleOptions): boolean {
    if (this.id !== undefined) return false;
    try {
      const firstDueNs = Number(process.hrtime.bigint()) + 20e6;
      this.id = this.sender.idleStart(this.fd, to, pt, ssrc, s.seq, s.ts, s.marker, o.silence, o.loop ?? null, o.loopPos ?? 0, firstDueNs);
      this.stopped = o.stopped ?? (() => undefined);
      return true;
    } catch {
      return false; // the thread could not be started
    }
  }

  /**
   * Queues a piece of prompt (copied) to play before the loop or silence; `onPlayed` is called (within about
   * 20 ms) once its last frame went out, unless the stream is taken back first. Its token, or undefined when
   * the stream is not on the thread or the thread refused it.
   */
  queue(piece: Uint8Array, onPlayed: () => void): number | undefined {
    const id = this.id;
    if (id === undefined || piece.length === 0) return undefined;
    const token = this.watch.add(() => {
      this.tokens.delete(token);
      onPlayed();
    });
    try {
      this.sender.idleQueue(id, token, piece);
    } catch {
      this.watch.forget(token); // out of memory in the addon: the caller takes the stream back and sends it
      return undefined;
    }
    this.tokens.add(token);
    return token;
  }

  /** The thread's next packets go to `to`; false when the stream is not on the thread or the addon refused. */
  retarget(to: Buffer): boolean {
    if (this.id === undefined) return false;
    try {
      this.sender.idleRetarget(this.id, to);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Drops the queued pieces (a prompt cut short by a key), whose `onPlayed` is then not called; the thread
   * goes on with the loop or silence. False when the stream is not on the thread or the addon refused.
   */
  clear(): boolean {
    const id = this.id;
    if (id === undefined) return false;
    try {
      this.sender.idleClear(id);
    } catch {
      return false;
    }
    this.forgetTokens();
    return true;
  }

  private forgetTokens(): void {
    for (const t of this.tokens) this.watch.forget(t);
    this.tokens.clear();
  }

  peek(): IdleCounts | undefined {
    if (this.id === undefined) return undefined;
    const [, ts, , packets, octets, errors] = this.sender.idlePeek(this.id);
    return { packets, octets, errors, ts };
  }

  /** Takes the stream back; the thread no longer touches the socket once this returns. Undefined when not started. */
  stop(): (SendState & IdleCounts) | undefined {
    const id = this.id;
    if (id === undefined) return undefined;
    this.id = undefined;
    const [seq, ts, marker, packets, octets, errors, loopPos, dueNs, headToken, headPos] = this.sender.idleStop(id);
    this.resumedDueNs = dueNs;
    this.forgetTokens();
    this.stopped(loopPos, headToken === 0 ? undefined : { token: headToken, pos: headPos });
    return { seq, ts, marker: marker === 1, packets, octets, errors };
  }

  /**
   * True once, on the first call after stop(), when the thread already sent the frame of the current 20 ms:
   * its next was due more than half an interval from now. The pacer's tick for the interval can come after
   * the take-back (the event loop was busy), and sending then would put two frames together.
   */
  sentThisInterval(): boolean {
    const due = this.resumedDueNs;
    if (due === undefined) return false;
    this.resumedDueNs = undefined;
    return Number(process.hrtime.bigint()) < due - 10e6;
  }
}
