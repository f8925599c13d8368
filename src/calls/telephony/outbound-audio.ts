/**
 * What one call leg sends, one 20 ms frame per pacer tick: the queued pieces of prompt, else hold audio,
 * else silence. Sent from JavaScript, or, where the session has the native sender, from the RTP addon's
 * thread, which takes the frames over after the first one and keeps them until something JavaScript must
 * send itself (new hold audio, a bridge, a key to send as RFC 4733 events) takes them back.
 */
import type { RtpSession } from '../../rtp/session.js';
import type { QueueHead } from '../../rtp/idle-stream.js';
import { ALAW_SILENCE, ULAW_SILENCE } from '../../media/g711.js';
import type { G711Law } from '../../speech/prompt-cache.js';
import { holdFrame, ringbackLoop, type HoldLoop } from './hold-audio.js';

const FRAME = 160; // 20 ms at 8 kHz

/** A piece of prompt waiting to be played, or playing. */
interface Piece {
  bytes: Uint8Array;
  /** Bytes of it sent from JavaScript, or by the addon's thread before it was taken back. */
  offset: number;
  /** While the addon's thread has it: its token, and the offset it was handed over at. */
  token?: number;
  base: number;
  done(): void;
}

export class OutboundAudio {
  /** Pieces of prompt in the order they play; while the session idles (the thread sends), all on the thread. */
  private readonly queue: Piece[] = [];
  private hold: HoldLoop | undefined;
  private silence: Uint8Array;
  private readonly out = new Uint8Array(FRAME);

  constructor(
    private readonly session: RtpSession,
    law: G711Law,
    /** Called when the thread lets go of the frames: from here on the pacer's ticks send them. */
    private readonly onTakenBack: () => void = () => undefined,
  ) {
    this.silence = silenceOf(law);
  }

  /** One frame: sent here, unless the thread has the frames or already sent this interval's. */
  tick(): void {
    const s = this.session;
    if (s.idling || s.sentThisInterval()) return;
    const p = this.queue[0];
    if (p) {
      const end = p.offset + FRAME;
      let frame = p.bytes.subarray(p.offset, end);
      if (frame.length < FRAME) {
        this.out.set(frame);
        this.out.fill(this.silence[0] as number, frame.length);
        frame = this.out;
      }
      s.sendFrame(frame);
      p.offset = end;
      if (end >= p.bytes.length) {
        this.queue.shift();
        p.done();
      }
    } else {
      const h = this.hold;
      s.sendFrame(h ? holdFrame(h) : this.silence);
    }
    this.toThread();
  }

  /** Plays `bytes` after what is queued; resolves once it has been played, or dropped by stop(). */
  enqueue(bytes: Uint8Array): Promise<void> {
    return new Promise<void>((done) => {
      const p: Piece = { bytes, offset: 0, base: 0, done };
      this.queue.push(p);
      if (this.session.idling && !this.handOver(p)) this.session.resumeSending();
    });
  }

  /**
   * Drops every queued piece of prompt (their promises resolve). On the thread they are dropped there, and
   * the thread goes on with the hold audio or silence: a key that cuts a prompt short does not bring the
   * frames back to the event loop.
   */
  stop(): void {
    if (this.queue.length === 0) return;
    if (!(this.session.idling && this.session.clearOnIdle())) this.session.resumeSending();
    for (const p of this.queue.splice(0)) {
      p.token = undefined;
      p.done();
    }
  }

  get holding(): boolean {
    return this.hold !== undefined;
  }

  /** Hold audio (whole frames, looped) whenever no prompt plays; undefined: silence. */
  setHold(bytes: Uint8Array | undefined, ringback = false): void {
    this.session.resumeSending(); // the thread has the old hold audio
    this.hold = bytes && { bytes, pos: 0, ringback };
  }

  /** A re-INVITE or a late-offer answer changed the codec. */
  setLaw(law: G711Law): void {
    this.session.resumeSending(); // first: the thread's loop position comes back into this.hold
    this.silence = silenceOf(law);
    if (this.hold?.ringback) this.hold = { ...this.hold, bytes: ringbackLoop(law) };
  }

  /**
   * The thread sends the frames that follow: the queued pieces of prompt, then the same hold audio or
   * silence. Pieces queued meanwhile go to the thread too (enqueue), so a call's frames cost no JavaScript,
   * and a busy event loop neither delays them nor leaves gaps between the sentences of a prompt.
   */
  private toThread(): void {
    if (!this.session.canIdle) return;
    const h = this.hold;
    const silence = this.silence[0] as number;
    const stopped = (loopPos: number, head: QueueHead | undefined): void => {
      if (h) h.pos = loopPos;
      this.takenBack(head);
      this.onTakenBack();
    };
    if (!this.session.startIdle(h ? { silence, loop: h.bytes, loopPos: h.pos, stopped } : { silence, stopped })) return;
    for (const p of this.queue) if (!this.handOver(p)) return this.session.resumeSending();
  }

  private handOver(p: Piece): boolean {
    p.base = p.offset;
    p.token = this.session.queueOnIdle(p.bytes.subarray(p.offset), () => this.played(p));
    return p.token !== undefined;
  }

  /** The thread played `p` to its end. */
  private played(p: Piece): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    p.token = undefined;
    p.done();
  }

  /** The thread let go of the frames: the pieces before `head` were played, `head` got as far as it says. */
  private takenBack(head: QueueHead | undefined): void {
    for (let p = this.queue[0]; p?.token !== undefined && p.token !== head?.token; p = this.queue[0]) this.played(p);
    const first = this.queue[0];
    if (first && head && first.token === head.token) first.offset = first.base + head.pos;
    for (const p of this.queue) p.token = undefined;
  }
}

function silenceOf(law: G711Law): Uint8Array {
  return new Uint8Array(FRAME).fill(law === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE);
}
