import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { DigitBuffer } from './digits.js';

const opts = { maxDigits: 4, terminators: '#', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000 };

describe('DigitBuffer', () => {
  it('takes keys typed ahead first, then waits for more', async () => {
    const b = new DigitBuffer(new FakeClock());
    b.push('1');
    b.push('2');
    const p = b.collect(opts);
    await Promise.resolve();
    b.push('3');
    b.push('#');
    await expect(p).resolves.toEqual({ digits: '123', terminator: '#', reason: 'terminator' });
  });

  it('ends at max digits and leaves the rest queued', async () => {
    const b = new DigitBuffer(new FakeClock());
    for (const k of '123456') b.push(k);
    await expect(b.collect(opts)).resolves.toEqual({ digits: '1234', reason: 'max' });
    expect(b.pending).toBe(2);
  });

  it('first-digit timeout fires at exactly its time', async () => {
    const clock = new FakeClock();
    const b = new DigitBuffer(clock);
    let result: unknown;
    void b.collect(opts).then((r) => (result = r));
    clock.advance(4999);
    await Promise.resolve();
    expect(result).toBeUndefined();
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(result).toEqual({ digits: '', reason: 'timeout' });
  });

  it('inter-digit timeout restarts with each key', async () => {
    const clock = new FakeClock();
    const b = new DigitBuffer(clock);
    let result: unknown;
    void b.collect(opts).then((r) => (result = r));
    await clock.advanceAsync(1000);
    b.push('7');
    await clock.advanceAsync(2900);
    b.push('8');
    await clock.advanceAsync(2900);
    expect(result).toBeUndefined();
    await clock.advanceAsync(200);
    expect(result).toEqual({ digits: '78', reason: 'timeout' });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('hang-up ends a waiting collector', async () => {
    const b = new DigitBuffer(new FakeClock());
    const p = b.collect(opts);
    b.push('5');
    await Promise.resolve();
    b.close();
    await expect(p).resolves.toEqual({ digits: '5', reason: 'hangup' });
  });

  it('flush drops keys typed ahead; listeners see every key', async () => {
    const b = new DigitBuffer(new FakeClock());
    const seen: string[] = [];
    b.onKey((k) => seen.push(k));
    b.push('1');
    b.flush();
    b.push('2');
    expect(b.pending).toBe(1);
    expect(seen).toEqual(['1', '2']);
  });
});
