/**
 * One session's frames on the RTP addon's thread (native/rtp-send/idle.c): handed over with the state the
 * packets continue from, taken back with the state to continue from and what the thread sent meanwhile.
 * The deadlines are the thread's, on the machine's monotonic clock (process.hrtime's), not an injected one.
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

export interface IdleOptions {
  /** Whole 20 ms frames, played in a loop from `loopPos`; without it, frames of the `silence` byte. */
  loop?: Uint8Array;
  loopPos?: number;
  silence: number;
  /** Told where the loop got to when the stream is taken back. */
  stopped?: (loopPos: number) => void;
}

export class IdleStream {
  private id: number | undefined;
  private stopped: (loopPos: number) => void = () => undefined;
  /** When the thread would have sent its next frame, from the last stop() until sentThisInterval() reads it. */
  private resumedDueNs: number | undefined;

  constructor(
    private readonly sender: PacketSender,
    private readonly fd: number,
  ) {}

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
    const [seq, ts, marker, packets, octets, errors, loopPos, dueNs] = this.sender.idleStop(id);
    this.resumedDueNs = dueNs;
    this.stopped(loopPos);
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
