import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Pacer } from '../../media/pacer.js';
import type { Leg } from '../types.js';
import { TelephonyCall, type OutboundServices } from './call.js';
import type { MediaChannel } from './media-channel.js';
import type { DialRequest } from './outbound.js';
import type { DialResult } from './trunk.js';

const media = { close: async () => undefined } as unknown as MediaChannel;
const signalling = { answer: async () => undefined, hangup: async () => undefined };
const pacers: Pacer[] = [];
afterEach(() => {
  for (const p of pacers.splice(0)) p.close();
});

/** An outbound side that answers every dial with a leg the test ends, and keeps the requests. */
function outbound(perCall?: OutboundServices['perCall']) {
  const requests: DialRequest[] = [];
  const legs: Array<{ end(): void }> = [];
  const pacer = new Pacer();
  pacers.push(pacer);
  const services: OutboundServices = {
    pacer,
    clock: systemClock,
    logger: silentLogger,
    perCall,
    dial: async (req): Promise<DialResult> => {
      requests.push(req);
      let end!: () => void;
      const ended = new Promise<'remote_hangup'>((r) => (end = () => r('remote_hangup')));
      legs.push({ end });
      return { outcome: 'answered', leg: { destination: req.destination, ended } as unknown as Leg };
    },
  };
  return { services, requests, legs };
}

function logged() {
  const lines: Array<{ msg: string; [k: string]: unknown }> = [];
  return { logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) }), lines };
}

describe('TelephonyCall.dial', () => {
  it('refuses a dial past the per-call limit with a log line naming it, and never reaches the trunk', async () => {
    const out = outbound({ perCall: 2, simultaneous: 5 });
    const { logger, lines } = logged();
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, logger, out.services);
    expect((await call.dial('3125550101', { timeoutMs: 1000 })).outcome).toBe('answered');
    expect((await call.dial('3125550102', { timeoutMs: 1000 })).outcome).toBe('answered');
    expect(await call.dial('3125550103', { timeoutMs: 1000 })).toEqual({ outcome: 'refused' });
    expect(out.requests.map((r) => r.destination)).toEqual(['3125550101', '3125550102']);
    expect(lines).toContainEqual(expect.objectContaining({
      destination: '3125550103', perCall: 2, simultaneous: 5,
      msg: 'dial refused: this call has already placed 2 outbound legs (the per-call limit, HOOKLINE_DIAL_PER_CALL=2)',
    }));
  });

  it('counts answered legs against the simultaneous limit until they end', async () => {
    const out = outbound({ perCall: 10, simultaneous: 1 });
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, silentLogger, out.services);
    expect((await call.dial('3125550101', { timeoutMs: 1000 })).outcome).toBe('answered');
    expect((await call.dial('3125550102', { timeoutMs: 1000 })).outcome).toBe('refused');
    out.legs[0]!.end();
    await new Promise((r) => setImmediate(r));
    expect((await call.dial('3125550102', { timeoutMs: 1000 })).outcome).toBe('answered');
  });

  it('applies the default limits when the trunk names none', async () => {
    const out = outbound();
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, silentLogger, out.services);
    const outcomes = [];
    for (let i = 0; i < 11; i++) outcomes.push((await call.dial(`31255501${String(i).padStart(2, '0')}`, { timeoutMs: 1000 })).outcome);
    expect(outcomes.filter((o) => o === 'answered')).toHaveLength(10);
    expect(outcomes.at(-1)).toBe('refused');
  });

  it('asks the trunk for early media only when the flow does', async () => {
    const out = outbound();
    const call = new TelephonyCall('a'.repeat(32), '3125550199', '8005550100', signalling, media, silentLogger, out.services);
    await call.dial('3125550101', { timeoutMs: 1000, earlyMedia: true });
    await call.dial('3125550102', { timeoutMs: 1000 });
    expect(out.requests.map((r) => typeof r.onEarlyMedia)).toEqual(['function', 'undefined']);
  });
});
