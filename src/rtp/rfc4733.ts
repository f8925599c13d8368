/**
 * RFC 4733 telephone-events for DTMF: the 4-byte payload (§2.3), a receiver that turns a stream of event
 * packets into each key press exactly once (§2.5.2), and the packet plan a sender follows (§2.5.1).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |     event     |E|R|  volume   |          duration             |
 */
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { RtpError } from './errors.js';

export interface TelephoneEvent {
  /** Event code: 0-9, 10 = *, 11 = #, 12-15 = A-D, 16 = flash (§3.2). */
  event: number;
  /** E bit: the final packet(s) of the event. */
  end: boolean;
  /** Power level in -dBm0, 0-63 (§2.3.4). */
  volume: number;
  /** Timestamp units since the event's start, which is the packet's RTP timestamp (§2.3.5). */
  duration: number;
}

export const TELEPHONE_EVENT_SIZE = 4;
const DIGITS = '0123456789*#ABCD';

/** '0'-'9', '*', '#', 'A'-'D' (case-insensitive) → event code; undefined for anything else. */
export function digitToEvent(digit: string): number | undefined {
  const i = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  return i < 0 ? undefined : i;
}

/** Event code → digit; undefined for events that are not DTMF keys (flash, line tones). */
export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < DIGITS.length ? DIGITS[event] : undefined;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_SIZE) throw new RtpError('malformed', `telephone-event payload of ${payload.length} bytes`);
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** Writes the 4-byte payload into `out` (allocated when not given); the R bit is sent as 0 (§2.3.3). */
export function encodeTelephoneEvent(e: TelephoneEvent, out = new Uint8Array(TELEPHONE_EVENT_SIZE)): Uint8Array {
  out[0] = e.event & 0xff;
  out[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  out[2] = (e.duration >>> 8) & 0xff;
  out[3] = e.duration & 0xff;
  return out;
}

export interface DigitInfo {
  /** Key-press length in milliseconds as far as the packets told (0 if only the start was seen). */
  durationMs: number;
  /** How we knew: an end packet, a timeout after the last packet, or a newer event arriving first. */
  via: 'end' | 'timeout' | 'next_event' | 'start';
}

export interface TelephoneEventReceiverOptions {
  clock?: Clock;
  /** RTP clock rate of the event stream; G.711 means 8000. */
  clockRate?: number;
  /**
   * 'end' (default): report a key when it is released — the E bit, or `endTimeoutMs` without packets when all
   * end packets were lost. 'start': report on the first packet (lowest latency for barge-in).
   */
  emitOn?: 'end' | 'start';
  /** Silence after the last packet of an event that counts as its end; default 500 ms (10 lost 50 ms updates). */
  endTimeoutMs?: number;
}

interface Current {
  ts: number;
  event: number;
  /** Highest duration seen, for the long-event continuation rule. */
  duration: number;
  emitted: boolean;
  ended: boolean;
  /** clock.now() of its latest packet. */
  heardAt: number;
  /** An end packet (E bit) arrived: the press is over, not merely timed out. */
  endSeen: boolean;
}

const RECENT = 16;
/** Copies of an event's packets (the three end packets, reordering) arrive within this of each other. */
const COPY_WINDOW_MS = 1000;

/**
 * §2.5.2: every packet of one key press carries the same RTP timestamp (the press's start), and the end packet
 * is sent three times; so a key is identified by its timestamp, and each timestamp yields a digit at most once.
 */
export class TelephoneEventReceiver {
  private readonly clock: Clock;
  private readonly rate: number;
  private readonly emitOn: 'end' | 'start';
  private readonly endTimeoutMs: number;
  private current: Current | undefined;
  /**
   * Events already reported (timestamp and when last heard), for retransmitted or reordered end packets.
   * A timestamp heard again after COPY_WINDOW_MS is a new press: replayed captures (SIPp's
   * play_pcap_audio) repeat the same timestamps for every press of the same key.
   */
  private readonly recent: Array<{ ts: number; at: number }> = [];
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly onDigit: (digit: string, info: DigitInfo) => void,
    opts: TelephoneEventReceiverOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.rate = opts.clockRate ?? 8000;
    this.emitOn = opts.emitOn ?? 'end';
    this.endTimeoutMs = opts.endTimeoutMs ?? 500;
  }

  /** Feeds one telephone-event packet: its RTP timestamp and payload. Malformed payloads are ignored. */
  push(timestamp: number, payload: Uint8Array): void {
    if (payload.length < TELEPHONE_EVENT_SIZE) return;
    const e = parseTelephoneEvent(payload);
    const ts = timestamp >>> 0;
    const now = this.clock.now();
    let cur = this.current;
    // A replayed press starts afresh (no E bit, a short duration) long after the last one was over. Late
    // copies after an event-loop stall are continuation or end packets of the same press: still copies.
    const freshStart = !e.end && e.duration <= this.rate * 0.06;
    if (cur?.endSeen && cur.ts === ts && freshStart && now - cur.heardAt > COPY_WINDOW_MS) cur = this.current = undefined;
    if (cur && cur.ts === ts) {
      cur.heardAt = now;
      cur.duration = Math.max(cur.duration, e.duration);
      if (e.end) cur.endSeen = true;
      if (e.end) this.finish(cur, 'end');
      else if (!cur.ended) this.armTimer();
      return;
    }
    const seen = this.recent.find((r) => r.ts === ts);
    if (seen && !(freshStart && now - seen.at > COPY_WINDOW_MS)) return; // late copy of an event already reported
    if (cur && !cur.ended && cur.event === e.event && this.isContinuation(cur, ts)) {
      // §2.5.1.3: an event longer than 0xFFFF units is sent as segments with new timestamps and no E bit between.
      cur.ts = ts;
      cur.duration = e.duration;
      if (e.end) this.finish(cur, 'end');
      else this.armTimer();
      return;
    }
    if (cur && !cur.ended) this.finish(cur, 'next_event'); // its end packets were lost; a new key began
    const next: Current = { ts, event: e.event, duration: e.duration, emitted: false, ended: false, heardAt: now, endSeen: e.end };
    this.current = next;
    if (this.emitOn === 'start') this.emit(next, 'start');
    if (e.end) this.finish(next, 'end');
    else this.armTimer();
  }

  /** Forget everything (new SSRC or new remote after a re-INVITE). */
  reset(): void {
    this.disarm();
    this.current = undefined;
    this.recent.length = 0;
  }

  /** Stops the timer; a pending key is dropped. */
  dispose(): void {
    this.reset();
  }

  private isContinuation(cur: Current, ts: number): boolean {
    if (cur.duration < 0xff00) return false;
    const delta = (ts - cur.ts) >>> 0;
    return delta >= cur.duration - this.rate / 10 && delta <= cur.duration + this.rate / 10;
  }

  private finish(cur: Current, via: DigitInfo['via']): void {
    cur.ended = true;
    this.disarm();
    this.emit(cur, via);
  }

  private emit(cur: Current, via: DigitInfo['via']): void {
    if (cur.emitted) return;
    cur.emitted = true;
    this.recent.push({ ts: cur.ts, at: this.clock.now() });
    if (this.recent.length > RECENT) this.recent.shift();
    const digit = eventToDigit(cur.event);
    if (digit !== undefined) this.onDigit(digit, { durationMs: Math.round((cur.duration * 1000) / this.rate), via });
  }

  private armTimer(): void {
    this.disarm();
    this.cancelTimer = this.clock.setTimer(this.endTimeoutMs, () => {
      this.cancelTimer = undefined;
      const cur = this.current;
      if (cur && !cur.ended) this.finish(cur, 'timeout');
    });
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}

export interface EventPacket {
  /** Set on the first packet of the event only (§2.5.1.2). */
  marker: boolean;
  payload: Uint8Array;
  end: boolean;
}

export interface DigitPacketOptions {
  /** Key-press length, default 100 ms. */
  durationMs?: number;
  /** Spacing of the packets, default 20 ms (one per media frame). */
  ptimeMs?: number;
  /** -dBm0, default 10. */
  volume?: number;
  clockRate?: number;
}

/**
 * The packets for one key press, to be sent one per `ptimeMs`, all with the same RTP timestamp (the press's
 * start): the first with the marker bit, updates with a growing duration, then the final packet with the E bit
 * three times (§2.5.1.4 redundancy). A 100 ms press at 20 ms is 4 updates + 3 end packets.
 */
export function digitPackets(digit: string, opts: DigitPacketOptions = {}): EventPacket[] {
  const event = digitToEvent(digit);
  if (event === undefined) throw new RtpError('invalid_argument', `not a DTMF digit: ${JSON.stringify(digit)}`);
  const rate = opts.clockRate ?? 8000;
  const ptime = opts.ptimeMs ?? 20;
  const volume = opts.volume ?? 10;
  const step = Math.round((ptime * rate) / 1000);
  const total = Math.min(0xffff, Math.max(step, Math.round(((opts.durationMs ?? 100) * rate) / 1000)));
  const out: EventPacket[] = [];
  for (let d = step; d < total; d += step) {
    out.push({ marker: out.length === 0, end: false, payload: encodeTelephoneEvent({ event, end: false, volume, duration: d }) });
  }
  for (let i = 0; i < 3; i++) {
    out.push({ marker: out.length === 0, end: true, payload: encodeTelephoneEvent({ event, end: true, volume, duration: total }) });
  }
  return out;
}
