/**
 * A prompt that becomes playable piece by piece (see PromptCache.stream): the first sentence can be
 * sent to the caller while the next ones are still being synthesized.
 */
import { transcodeG711, ulawToAlaw } from '../media/g711.js';

/** 20 ms at 8 kHz, one byte a sample in G.711. */
export const FRAME_BYTES = 160;

export type G711Law = 'ulaw' | 'alaw';

/** Reads one prompt's audio in order, as it becomes available. */
export interface PromptStream {
  /**
   * The next piece of 8 kHz G.711 audio, or undefined once the prompt has ended or the stream was
   * closed. Every piece but the last is a whole number of 20 ms frames, so playing them back to back
   * sounds exactly like playing the whole prompt. Rejects when synthesis failed part-way (the pieces
   * returned before stay valid); a stream over a cached prompt returns it whole, at once.
   */
  next(): Promise<Uint8Array | undefined>;
  /**
   * Stops reading; a pending next() resolves undefined. When no one else is reading the same prompt,
   * the pieces not yet started are dropped (and then the prompt is not cached).
   */
  close(): void;
}

/**
 * One prompt being rendered, shared by every request that arrived before it was complete. It keeps
 * its μ-law chunks (frame-aligned, see `push`) and counts its listeners, so that the producer can stop
 * asking the engine for more pieces once nobody listens (`listening`, `onIdle`).
 */
export class Render {
  private readonly chunks: Uint8Array[] = [];
  private carry = new Uint8Array(0);
  private state: 'running' | 'ended' | 'failed' = 'running';
  private failure: unknown;
  private readers = 0;
  private readonly wakers = new Set<() => void>();
  private settleWhole!: { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void };
  /** The whole prompt once complete; rejects when it fails or is abandoned. */
  readonly whole: Promise<Uint8Array>;
  /** Called when the last listener leaves a running render (a listener may still join afterwards). */
  onIdle: (() => void) | undefined;

  constructor() {
    this.whole = new Promise<Uint8Array>((resolve, reject) => (this.settleWhole = { resolve, reject }));
    this.whole.catch(() => undefined); // nobody may be waiting for the whole (only streams read it)
  }

  /** A render that is already complete: a cache hit. */
  static of(bytes: Uint8Array): Render {
    const r = new Render();
    r.push(bytes, true);
    r.end();
    return r;
  }

  /** Someone is reading (a call playing it, a get() waiting for the whole). */
  get listening(): boolean {
    return this.readers > 0;
  }

  /**
   * Adds a piece. A piece's length is rarely a multiple of a frame, and a player pads a short last frame
   * with silence; so all but the last piece give their tail (< 20 ms) to the next, keeping the
   * concatenation, and the timing, of the played pieces exactly that of the whole.
   */
  push(ulaw: Uint8Array, last: boolean): void {
    if (this.state !== 'running') return;
    let bytes = ulaw;
    if (this.carry.length) {
      bytes = new Uint8Array(this.carry.length + ulaw.length);
      bytes.set(this.carry);
      bytes.set(ulaw, this.carry.length);
    }
    const keep = last ? bytes.length : bytes.length - (bytes.length % FRAME_BYTES);
    this.carry = bytes.slice(keep);
    if (keep > 0) {
      this.chunks.push(keep === bytes.length ? bytes : bytes.subarray(0, keep));
      this.wake();
    }
  }

  /** Marks the prompt complete and returns it whole. */
  end(): Uint8Array {
    if (this.carry.length) this.push(new Uint8Array(0), true);
    const total = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks);
    if (this.state === 'running') {
      this.state = 'ended';
      this.settleWhole.resolve(total);
      this.wake();
    }
    return total;
  }

  fail(err: unknown): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.failure = err;
    this.settleWhole.reject(err);
    this.wake();
  }

  reader(law: G711Law): PromptStream {
    return new Reader(this, law);
  }

  /** @internal for Reader */
  attach(): void {
    this.readers++;
  }

  /** @internal for Reader */
  detach(): void {
    this.readers--;
    if (this.readers === 0 && this.state === 'running') this.onIdle?.();
  }

  /** @internal for Reader: chunk `i`, 'wait' if not there yet, or the end. */
  at(i: number): Uint8Array | 'wait' | 'end' {
    const c = this.chunks[i];
    if (c) return c;
    if (this.state === 'failed') throw this.failure;
    return this.state === 'ended' ? 'end' : 'wait';
  }

  /** @internal for Reader */
  onChange(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  private wake(): void {
    const ws = [...this.wakers];
    this.wakers.clear();
    for (const w of ws) w();
  }
}

class Reader implements PromptStream {
  private i = 0;
  private closed = false;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly render: Render,
    private readonly law: G711Law,
  ) {
    render.attach();
  }

  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      let c: Uint8Array | 'wait' | 'end';
      try {
        c = this.render.at(this.i);
      } catch (err) {
        this.close();
        throw err;
      }
      if (c === 'end') {
        this.close();
        return undefined;
      }
      if (c !== 'wait') {
        this.i++;
        return this.law === 'ulaw' ? c : transcodeG711(c, ulawToAlaw);
      }
      await new Promise<void>((resolve) => {
        const off = this.render.onChange(resolve);
        this.cancelWait = () => {
          off();
          resolve();
        };
      });
      this.cancelWait = undefined;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelWait?.();
    this.render.detach();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
