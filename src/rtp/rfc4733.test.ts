import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import {
  digitPackets,
  digitToEvent,
  encodeTelephoneEvent,
  eventToDigit,
  parseTelephoneEvent,
  TelephoneEventReceiver,
  type DigitInfo,
} from './rfc4733.js';

function setup(opts: { emitOn?: 'start' | 'end' } = {}) {
  const clock = new FakeClock();
  const got: [string, DigitInfo][] = [];
  const rx = new TelephoneEventReceiver((d, i) => got.push([d, i]), { clock, ...opts });
  return { clock, got, rx };
}

/** The packets a sender produces for a digit starting at timestamp `ts`. */
function press(digit: string, ts: number, durationMs = 100) {
  return digitPackets(digit, { durationMs }).map((p) => ({ ts, ...p }));
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  it('encodes and parses', () => {
    const e = { event: 11, end: true, volume: 10, duration: 800 };
    const b = encodeTelephoneEvent(e);
    expect(Array.from(b)).toEqual([11, 0x8a, 0x03, 0x20]);
    expect(parseTelephoneEvent(b)).toEqual(e);
  });
  it('maps digits', () => {
    expect([...'0123456789*#ABCD'].map(digitToEvent)).toEqual([...Array(16).keys()]);
    expect(digitToEvent('a')).toBe(12);
    expect(digitToEvent('x')).toBeUndefined();
    expect(eventToDigit(16)).toBeUndefined();
  });
});

describe('sender packet plan (§2.5.1)', () => {
  it('marker on the first, growing durations, three identical end packets', () => {
    const ps = digitPackets('5', { durationMs: 100 });
    expect(ps).toHaveLength(7);
    expect(ps.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(ps.map((p) => parseTelephoneEvent(p.payload).duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(ps.map((p) => p.end)).toEqual([false, false, false, false, true, true, true]);
    expect(ps.every((p) => p.payload[0] === 5)).toBe(true);
  });
  it('a press no longer than one packet is three end packets, the first with the marker', () => {
    const ps = digitPackets('#', { durationMs: 20 });
    expect(ps.map((p) => [p.marker, p.end])).toEqual([
      [true, true],
      [false, true],
      [false, true],
    ]);
  });
  it('rejects non-digits', () => {
    expect(() => digitPackets('X')).toThrow();
  });
});

describe('receiver (§2.5.2): each key press exactly once', () => {
  it('one digit per press despite three end packets', () => {
    const { rx, got } = setup();
    for (const p of [...press('1', 1000), ...press('2', 3000), ...press('2', 5000)]) rx.push(p.ts, p.payload);
    expect(got.map((g) => g[0])).toEqual(['1', '2', '2']);
    expect(got[0]![1]).toEqual({ durationMs: 100, via: 'end' });
  });

  it('suppresses duplicated and reordered packets by event timestamp', () => {
    const { rx, got } = setup();
    const a = press('7', 1000);
    const b = press('8', 2000);
    for (const p of [...a, ...a, ...b, a[6]!, b[0]!, ...b]) rx.push(p.ts, p.payload);
    expect(got.map((g) => g[0])).toEqual(['7', '8']);
  });

  it('reports a key whose end packets were all lost, on timeout', () => {
    const { rx, got, clock } = setup();
    for (const p of press('9', 1000).filter((p) => !p.end)) rx.push(p.ts, p.payload);
    expect(got).toEqual([]);
    clock.advance(499);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toEqual([['9', { durationMs: 80, via: 'timeout' }]]);
    // A straggling end packet after the timeout does not report it again.
    const end = press('9', 1000).at(-1)!;
    rx.push(end.ts, end.payload);
    expect(got).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports a key whose end packets were lost as soon as the next key starts', () => {
    const { rx, got } = setup();
    for (const p of press('4', 1000).filter((p) => !p.end)) rx.push(p.ts, p.payload);
    const next = press('6', 2000);
    rx.push(next[0]!.ts, next[0]!.payload);
    expect(got.map(([d, i]) => [d, i.via])).toEqual([['4', 'next_event']]);
    for (const p of next.slice(1)) rx.push(p.ts, p.payload);
    expect(got.map(([d]) => d)).toEqual(['4', '6']);
  });

  it('reports a key when only an end packet arrived (start lost)', () => {
    const { rx, got } = setup();
    const p = press('*', 1000).at(-1)!;
    rx.push(p.ts, p.payload);
    rx.push(p.ts, p.payload);
    expect(got.map(([d]) => d)).toEqual(['*']);
  });

  it('keeps a same-digit key pressed twice apart (different timestamps)', () => {
    const { rx, got } = setup();
    for (const p of [...press('3', 1000), ...press('3', 1800)]) rx.push(p.ts, p.payload);
    expect(got.map(([d]) => d)).toEqual(['3', '3']);
  });

  it('treats a segmented long press (§2.5.1.3) as one key', () => {
    const { rx, got } = setup();
    const seg = (ts: number, duration: number, end: boolean) => encodeTelephoneEvent({ event: 0, end, volume: 10, duration });
    rx.push(100, seg(100, 32000, false));
    rx.push(100, seg(100, 0xffff, false));
    rx.push(100 + 0xffff, seg(100 + 0xffff, 800, false));
    rx.push(100 + 0xffff, seg(100 + 0xffff, 1600, true));
    expect(got.map(([d]) => d)).toEqual(['0']);
  });

  it("with emitOn 'start', reports on the first packet, once", () => {
    const { rx, got, clock } = setup({ emitOn: 'start' });
    const ps = press('5', 1000);
    rx.push(ps[0]!.ts, ps[0]!.payload);
    expect(got.map(([d, i]) => [d, i.via])).toEqual([['5', 'start']]);
    for (const p of ps.slice(1)) rx.push(p.ts, p.payload);
    clock.advance(1000);
    expect(got).toHaveLength(1);
  });

  it('ignores flash and short payloads, and dispose cancels the timer', () => {
    const { rx, got, clock } = setup();
    rx.push(1, encodeTelephoneEvent({ event: 16, end: true, volume: 0, duration: 80 }));
    rx.push(2, new Uint8Array(2));
    rx.push(3, encodeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 80 }));
    rx.dispose();
    clock.advance(5000);
    expect(got).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('TelephoneEventReceiver: replayed captures', () => {
  it('takes the same timestamp again as a new press once the copy window has passed', async () => {
    const { FakeClock } = await import('../lib/clock.js');
    const clock = new FakeClock();
    const got: string[] = [];
    const rx = new TelephoneEventReceiver((d) => got.push(d), { clock });
    const press = (): void => {
      for (const p of digitPackets('2')) rx.push(4000, p.payload);
    };
    press();
    clock.advance(200);
    press(); // a late copy: same press
    expect(got).toEqual(['2']);
    clock.advance(1500);
    press(); // the capture played again: a second press
    expect(got).toEqual(['2', '2']);
  });
});

describe('TelephoneEventReceiver: late packets after an event-loop stall', () => {
  it('counts one press when its packets are processed more than a second late, after the end timer fired', async () => {
    const { FakeClock } = await import('../lib/clock.js');
    const clock = new FakeClock();
    const got: string[] = [];
    const rx = new TelephoneEventReceiver((d) => got.push(d), { clock, emitOn: 'start' });
    const packets = digitPackets('7');
    rx.push(8000, packets[0]!.payload);
    clock.advance(1500); // the loop stalls; the 500 ms end timer fires during it
    for (const p of packets.slice(1)) rx.push(8000, p.payload);
    expect(got).toEqual(['7']);
  });
});
