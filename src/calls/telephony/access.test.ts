import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { SipAccess } from './access.js';

describe('SipAccess', () => {
  it('allows loopback by default and nothing else, with the default limits', async () => {
    const a = new SipAccess(undefined, { clock: new FakeClock(), logger: silentLogger });
    await a.start();
    expect(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'].map((x) => a.allows(x))).toEqual([true, true, true, true]);
    expect(['192.168.1.5', '10.0.0.1', '2001:db8::1'].map((x) => a.allows(x))).toEqual([false, false, false]);
    expect(a.guard.limitValues()).toMatchObject({ message_rate_per_source: 200, message_burst_per_source: 400, call_rate_per_source: 10, call_burst_per_source: 50 });
  });

  it('adds the trunk: resolved before start() returns, again every five minutes', async () => {
    const clock = new FakeClock();
    let answer = ['198.51.100.10', '198.51.100.11'];
    const resolve = vi.fn(async () => answer);
    const a = new SipAccess({ allow: ['192.168.1.0/24'] }, { clock, logger: silentLogger, trunkHost: 'trunk.example.com', resolve });
    await a.start();
    expect(resolve).toHaveBeenCalledWith('trunk.example.com');
    expect(['198.51.100.10', '198.51.100.11', '192.168.1.7', '127.0.0.1'].map((x) => a.allows(x))).toEqual([true, true, true, false]);
    answer = ['203.0.113.5'];
    await clock.advanceAsync(5 * 60_000, 60_000);
    expect(a.allows('203.0.113.5')).toBe(true);
    expect(a.allows('198.51.100.10')).toBe(false);
    a.close();
    await clock.advanceAsync(60 * 60_000, 60_000);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it('keeps going when the trunk does not resolve, and tries again in 30 s', async () => {
    const clock = new FakeClock();
    const warn = vi.fn();
    const logger = { ...silentLogger, warn, info: () => undefined } as unknown as typeof silentLogger;
    let fail = true;
    const resolve = vi.fn(async () => {
      if (fail) throw new Error('ENOTFOUND');
      return ['198.51.100.10'];
    });
    const a = new SipAccess(undefined, { clock, logger, trunkHost: 'trunk.example.com', resolve });
    await a.start();
    expect(warn).toHaveBeenCalledOnce();
    expect(a.trunkAddresses).toEqual([]);
    fail = false;
    await clock.advanceAsync(30_000, 10_000);
    expect(a.trunkAddresses).toEqual(['198.51.100.10']);
    a.close();
  });

  it('takes a trunk given as an address as it is, and limits set to 0 as off', async () => {
    const resolve = vi.fn(async () => []);
    const a = new SipAccess({ allow: [], messageRate: 0, callRate: 0 }, { clock: new FakeClock(), logger: silentLogger, trunkHost: '[2001:db8::5]', resolve });
    await a.start();
    expect(resolve).not.toHaveBeenCalled();
    expect([a.allows('2001:db8::5'), a.allows('127.0.0.1')]).toEqual([true, false]);
    expect(a.guard.limitValues()).toMatchObject({ message_rate_per_source: 0, call_rate_per_source: 0 });
  });
});
