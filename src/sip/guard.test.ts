import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { networkList } from '../lib/networks.js';
import { SipGuard, type RequestContext, type Verdict } from './guard.js';
import type { SipRequest } from './message.js';
import { parseMessage } from './parse.js';
import type { RemoteInfo } from './transport.js';

const FRIEND: RemoteInfo = { transport: 'UDP', address: '192.0.2.9', port: 5062 };
const STRANGER: RemoteInfo = { transport: 'UDP', address: '198.51.100.7', port: 5060 };
const allow = networkList(['127.0.0.0/8', '192.0.2.0/24']);

function request(o: { method?: string; toTag?: string; ua?: string; from?: string } = {}): SipRequest {
  const method = o.method ?? 'INVITE';
  return parseMessage(Buffer.from([
    `${method} sip:8005550100@192.0.2.1 SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.9:5062;branch=z9hG4bKg1',
    `From: ${o.from ?? '<sip:caller@192.0.2.9>'};tag=f1`,
    `To: <sip:8005550100@192.0.2.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    'Call-ID: g1', `CSeq: 1 ${method}`, 'Max-Forwards: 70', 'Contact: <sip:caller@192.0.2.9:5062>',
    ...(o.ua ? [`User-Agent: ${o.ua}`] : []),
    'Content-Length: 0', '', '',
  ].join('\r\n'))) as SipRequest;
}

const NEW: RequestContext = { matchesTransaction: false, knownDialog: () => false };

function setup(limits: ConstructorParameters<typeof SipGuard>[0]['limits'] = {}) {
  const clock = new FakeClock(0);
  const warn = vi.fn();
  const logger = { warn } as unknown as Logger;
  const guard = new SipGuard({ clock, logger, allowed: (a) => allow.has(a), allowSetting: 'HOOKLINE_SIP_ALLOW', limits });
  const counts = (): Record<string, number> => Object.fromEntries(guard.refusals().map((r) => [`${r.reason}/${r.action}`, r.count]));
  return { clock, guard, warn, counts };
}

describe('SipGuard: scanners', () => {
  it('drops what names itself a scanner, even from an allowed source, and retransmissions and ACKs too', () => {
    const { guard, counts } = setup();
    for (const ua of ['friendly-scanner', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1', 'pplsip', 'iWar', 'sundayddr', 'SIPVicious OSS']) {
      expect(guard.screen(request({ ua }), FRIEND, NEW), ua).toEqual({ kind: 'drop' });
    }
    expect(guard.screen(request({ from: '"sipvicious"<sip:100@1.1.1.1>' }), FRIEND, NEW)).toEqual({ kind: 'drop' });
    expect(guard.screen(request({ method: 'ACK', ua: 'friendly-scanner' }), FRIEND, { ...NEW, matchesTransaction: true })).toEqual({ kind: 'drop' });
    expect(counts()).toEqual({ 'scanner/dropped': 9 });
  });

  it('lets the tools operators use themselves through, and names that merely contain a scanner word', () => {
    const { guard } = setup();
    for (const ua of ['sipsak 0.9.8', 'SIPp', 'Linphone/5.2 (belle-sip)', 'baresip v3.10', 'Kiwar PBX', 'Zoiper rv2.10']) {
      expect(guard.screen(request({ ua }), FRIEND, NEW), ua).toEqual({ kind: 'pass' });
    }
  });
});

describe('SipGuard: the allow list', () => {
  it('answers a stranger 403 three times, then drops, then one more 403 a minute', () => {
    const { clock, guard, counts } = setup();
    const kinds = (): string[] => Array.from({ length: 5 }, () => guard.screen(request({ method: 'OPTIONS' }), STRANGER, NEW)).map((v: Verdict) => v.kind === 'answer' ? String(v.status) : v.kind);
    expect(kinds()).toEqual(['403', '403', '403', 'drop', 'drop']);
    clock.advance(60_000);
    expect(kinds()).toEqual(['403', 'drop', 'drop', 'drop', 'drop']);
    expect(counts()).toEqual({ 'not_allowed/answered': 4, 'not_allowed/dropped': 6 });
  });

  it("passes a stranger's requests in a dialog that exists (a trunk may BYE from another address), and its ACKs", () => {
    const { guard } = setup();
    expect(guard.screen(request({ method: 'BYE', toTag: 't1' }), STRANGER, { matchesTransaction: false, knownDialog: () => true })).toEqual({ kind: 'pass' });
    expect(guard.screen(request({ method: 'BYE', toTag: 'nope' }), STRANGER, NEW)).toEqual({ kind: 'answer', status: 403 });
    expect(guard.screen(request({ method: 'ACK', toTag: 't1' }), STRANGER, NEW)).toEqual({ kind: 'pass' });
    expect(guard.screen(request(), STRANGER, { ...NEW, matchesTransaction: true })).toEqual({ kind: 'pass' });
  });

  it('asks about the dialog only for a stranger', () => {
    const { guard } = setup();
    const knownDialog = vi.fn(() => false);
    guard.screen(request({ method: 'BYE', toTag: 't1' }), FRIEND, { matchesTransaction: false, knownDialog });
    expect(knownDialog).not.toHaveBeenCalled();
  });

  it('answers a malformed request only to an allowed source', () => {
    const { guard, counts } = setup();
    expect(guard.mayAnswerMalformed(FRIEND)).toBe(true);
    expect(guard.mayAnswerMalformed(STRANGER)).toBe(false);
    expect(counts()).toEqual({ 'not_allowed/dropped': 1 });
  });

  it('logs a refused source once in ten minutes, naming the setting', () => {
    const { clock, guard, warn } = setup();
    for (let i = 0; i < 50; i++) guard.screen(request(), STRANGER, NEW);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[1]).toMatch(/requests refused from 198\.51\.100\.7 \(not in HOOKLINE_SIP_ALLOW\)/);
    clock.advance(9 * 60_000);
    guard.screen(request(), STRANGER, NEW);
    expect(warn).toHaveBeenCalledOnce();
    clock.advance(60_000);
    guard.screen(request(), STRANGER, NEW);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('SipGuard: rates per source', () => {
  it('takes a burst of 50 new calls, then 10 a second, answering the rest 503 with Retry-After', () => {
    const { clock, guard, counts } = setup();
    const verdicts = Array.from({ length: 52 }, () => guard.screen(request(), FRIEND, NEW));
    expect(verdicts.slice(0, 50).every((v) => v.kind === 'pass')).toBe(true);
    expect(verdicts[50]).toEqual({ kind: 'answer', status: 503, headers: { 'Retry-After': '1' } });
    // Requests that start no dialog are not calls: a re-INVITE, OPTIONS, BYE.
    expect(guard.screen(request({ toTag: 't' }), FRIEND, NEW).kind).toBe('pass');
    expect(guard.screen(request({ method: 'OPTIONS' }), FRIEND, NEW).kind).toBe('pass');
    clock.advance(100);
    expect(guard.screen(request(), FRIEND, NEW).kind).toBe('pass');
    expect(guard.screen(request(), FRIEND, NEW).kind).toBe('answer');
    // Another source has a budget of its own.
    expect(guard.screen(request(), { ...FRIEND, address: '192.0.2.10' }, NEW).kind).toBe('pass');
    expect(counts()).toEqual({ 'call_rate/answered': 3 });
  });

  it('drops messages over 200 a second (400 at once) before they are parsed', () => {
    const { clock, guard, counts } = setup();
    const admitted = (n: number): number => Array.from({ length: n }, () => guard.admitMessage(FRIEND)).filter(Boolean).length;
    expect(admitted(1000)).toBe(400);
    clock.advance(1000);
    expect(admitted(1000)).toBe(200);
    expect(counts()).toEqual({ 'message_rate/dropped': 1400 });
  });

  it('limits that are switched off admit everything', () => {
    const { guard } = setup({ messages: undefined, calls: undefined });
    expect(Array.from({ length: 5000 }, () => guard.admitMessage(FRIEND)).every(Boolean)).toBe(true);
    expect(Array.from({ length: 500 }, () => guard.screen(request(), FRIEND, NEW)).every((v) => v.kind === 'pass')).toBe(true);
    expect(guard.limitValues()).toMatchObject({ message_rate_per_source: 0, call_rate_per_source: 0, tcp_connections_per_source: 32 });
  });

  it('forgets quiet sources first when its table is full, and stays within it', () => {
    const clock = new FakeClock(0);
    const guard = new SipGuard({ clock, allowed: () => true, maxSources: 100 });
    for (let i = 0; i < 100; i++) guard.admitMessage({ ...FRIEND, address: `10.0.0.${i}` });
    expect(guard.sourceCount).toBe(100);
    clock.advance(60_000); // all full again
    guard.admitMessage({ ...FRIEND, address: '10.0.1.1' });
    expect(guard.sourceCount).toBe(1);
    for (let i = 0; i < 500; i++) guard.admitMessage({ ...FRIEND, address: `10.1.${i >> 8}.${i & 255}` });
    expect(guard.sourceCount).toBeLessThanOrEqual(100);
  });
});
