import { ALAW_SILENCE, ULAW_SILENCE, alawToUlaw, decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, transcodeG711, ulawToAlaw } from '../../media/g711.js';
import { dtmfTones } from '../../media/dtmf-tones.js';
import type { G711Law } from '../../speech/prompt-cache.js';
import type { MediaChannel } from './media-channel.js';

const FRAME = 160; // 20 ms at 8 kHz
/** Ring slots; one more than the most we keep queued. */
const SLOTS = 8;
/**
 * Frames queued beyond this are dropped, oldest first. Arrival jitter needs a frame or two; a queue
 * that keeps growing means the far end's clock runs faster than the pacer's (or a burst after a
 * stall), and holding it all would add that much delay to the conversation for good.
 */
const MAX_QUEUED = 5;
const SILENCE: Record<G711Law, Uint8Array> = {
  ulaw: new Uint8Array(FRAME).fill(ULAW_SILENCE),
  alaw: new Uint8Array(FRAME).fill(ALAW_SILENCE),
};

export interface RelayStats {
  /** Frames received on one side and sent on the other. */
  relayed: number;
  /** Frames dropped because the queue was full. */
  dropped: number;
  /** Ticks with nothing received to send (silence went instead). */
  underruns: number;
  /** Frames that crossed between μ-law and A-law. */
  transcoded: number;
  /** Keys passed on (RFC 4733 or INFO in, RFC 4733 or in-band tones out). */
  digits: number;
}

/**
 * One direction of a bridge: frames received on `from` (pushed by its inbound tap, as they arrive)
 * leave on `to` one per pacer tick, so the far side gets evenly spaced packets whatever the arrival
 * jitter. Frames are kept in the law they came in and converted only when the two laws differ, with
 * the G.711 tables (no trip through linear). Preallocated ring: nothing is allocated per frame.
 */
export class Relay {
  readonly stats: RelayStats = { relayed: 0, dropped: 0, underruns: 0, transcoded: 0, digits: 0 };
  /** The audio that crossed on the last tick, as PCM (filled only when `decode` is on, for recording). */
  readonly pcm = new Int16Array(FRAME);
  private readonly ring = Array.from({ length: SLOTS }, () => new Uint8Array(FRAME));
  private readonly laws: G711Law[] = new Array<G711Law>(SLOTS).fill('ulaw');
  private head = 0;
  private count = 0;
  private readonly out = new Uint8Array(FRAME);
  /** Frames in `to`'s law sent ahead of relayed audio: keys as tones when `to` has no RFC 4733. */
  private injected: Uint8Array[] = [];

  constructor(
    private readonly from: MediaChannel,
    private readonly to: MediaChannel,
    private readonly decode: boolean,
  ) {}

  /**
   * A frame from `from`'s inbound tap; `codes` is a view into the datagram and is copied. `mute` queues
   * silence in its place: the frame holds a key's tone that goes across as an RFC 4733 event instead.
   */
  push(codes: Uint8Array, mute = false): void {
    if (codes.length !== FRAME) return;
    if (this.count === MAX_QUEUED) {
      this.head = (this.head + 1) % SLOTS;
      this.count--;
      this.stats.dropped++;
    }
    const i = (this.head + this.count) % SLOTS;
    if (mute) (this.ring[i] as Uint8Array).set(SILENCE[this.from.law]);
    else (this.ring[i] as Uint8Array).set(codes);
    this.laws[i] = this.from.law;
    this.count++;
  }

  /**
   * Silences the frames still queued. The in-band detector needs ~25 ms of a tone before it names the key,
   * so the tone's first frame is usually still here when the key is sent as an event: muting it keeps
   * the far end from hearing the key twice (event and tone). At most a frame already sent leaks, shorter
   * than the 40 ms a DTMF receiver needs (ITU-T Q.24).
   */
  muteQueued(): void {
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % SLOTS;
      (this.ring[i] as Uint8Array).set(SILENCE[this.laws[i] as G711Law]);
    }
  }

  /** Passes a key on: an RFC 4733 event when `to` negotiated them, else its DTMF tones in the audio. */
  key(key: string, onError: (err: unknown) => void): void {
    this.stats.digits++;
    this.to.sendDigits(key).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'no_telephone_event') this.injectTones(key);
      else onError(err);
    });
  }

  private injectTones(key: string): void {
    const pcm = dtmfTones(key, { toneMs: 100, pauseMs: 60 });
    for (let off = 0; off + FRAME <= pcm.length; off += FRAME) {
      const frame = pcm.subarray(off, off + FRAME);
      this.injected.push(this.to.law === 'ulaw' ? encodeUlaw(frame) : encodeAlaw(frame));
    }
  }

  /** Sends exactly one frame on `to`: injected tones, else the oldest received frame, else silence. */
  tick(): void {
    const target = this.to.law;
    const injected = this.injected.shift();
    if (injected) {
      this.send(injected, target);
      return;
    }
    if (this.count === 0) {
      this.stats.underruns++;
      if (this.decode) this.pcm.fill(0);
      this.to.session.sendFrame(SILENCE[target]);
      return;
    }
    const codes = this.ring[this.head] as Uint8Array;
    const law = this.laws[this.head] as G711Law;
    this.head = (this.head + 1) % SLOTS;
    this.count--;
    this.stats.relayed++;
    if (law === target) {
      this.send(codes, law);
      return;
    }
    this.stats.transcoded++;
    this.send(transcodeG711(codes, law === 'ulaw' ? ulawToAlaw : alawToUlaw, this.out), target);
  }

  private send(frame: Uint8Array, law: G711Law): void {
    // sendFrame copies the payload before returning, so ring slots and `out` can be reused.
    this.to.session.sendFrame(frame);
    if (this.decode) {
      if (law === 'ulaw') decodeUlaw(frame, this.pcm);
      else decodeAlaw(frame, this.pcm);
    }
  }
}
