import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { networkList } from '../lib/networks.js';
import { SipEndpoint, type RequestHandler } from './endpoint.js';
import { SipGuard } from './guard.js';
import { tagOf } from './header-values.js';
import { MemoryTransport } from './memory-transport.js';
import { SipResponse } from './message.js';
import type { ServerTransaction } from './transaction-server.js';

/** The guard in front of the endpoint: what a stranger, a scanner and a source over its budget get back. */

const FRIEND = { address: '192.0.2.9', port: 5062 };
const STRANGER = { address: '198.51.100.7', port: 5062 };

function text(o: { method?: string; branch?: string; toTag?: string; ua?: string; callId?: string } = {}): string {
  const method = o.method ?? 'INVITE';
  return [
    `${method} sip:8005550100@192.0.2.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.9:5062;branch=${o.branch ?? 'z9hG4bKe1'};rport`,
    'Max-Forwards: 70',
    'From: <sip:caller@192.0.2.9>;tag=ft1',
    `To: <sip:8005550100@192.0.2.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:caller@192.0.2.9:5062>',
    ...(o.ua ? [`User-Agent: ${o.ua}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

let clock: FakeClock;
let udp: MemoryTransport;
let ep: SipEndpoint;
let guard: SipGuard;
let onRequest: ReturnType<typeof vi.fn<RequestHandler>>;
const known = new Set<string>();

function setup(o: { userAgent?: string } = {}): void {
  clock = new FakeClock(0);
  udp = new MemoryTransport('UDP', '192.0.2.1', 5060);
  onRequest = vi.fn<RequestHandler>((req, tx) => {
    if (req.method !== 'INVITE') tx.respond(200);
  });
  const allow = networkList(['192.0.2.0/24']);
  guard = new SipGuard({ clock, allowed: (a) => allow.has(a) });
  udp.guard = guard;
  known.clear();
  ep = new SipEndpoint({ host: '192.0.2.1', clock, random: () => 'r1', onRequest, guard, isKnownDialog: (req) => known.has(req.callId), ...(o.userAgent ? { userAgent: o.userAgent } : {}) });
  ep.addTransport(udp);
}
const inject = (data: string, from = FRIEND): void => udp.inject(data, from, (m, s) => ep.receive(m, s));
const responses = (): SipResponse[] => udp.take().map((s) => s.msg).filter((m): m is SipResponse => m instanceof SipResponse);

beforeEach(() => setup());

describe('endpoint with a guard', () => {
  it('refuses a stranger statelessly: 403 with a To tag that retransmissions share, no transaction, the TU never told', () => {
    inject(text(), STRANGER);
    inject(text(), STRANGER); // a retransmission
    const [a, b] = responses();
    expect([a?.status, b?.status]).toEqual([403, 403]);
    expect(tagOf(a!.to)).toBeDefined();
    expect(tagOf(a!.to)).toBe(tagOf(b!.to));
    expect(udp.sent).toEqual([]);
    expect(ep.transactionCount.server).toBe(0);
    expect(onRequest).not.toHaveBeenCalled();
    inject(text({ branch: 'z9hG4bKe2', callId: 'call-2' }), STRANGER);
    inject(text({ method: 'OPTIONS', branch: 'z9hG4bKe3' }), STRANGER);
    expect(responses().map((r) => r.status)).toEqual([403]); // the third answer; then silence
    clock.advance(60_000);
    inject(text({ method: 'REGISTER', branch: 'z9hG4bKe4' }), STRANGER);
    expect(responses().map((r) => r.status)).toEqual([403]);
  });

  it("passes a stranger's BYE in a dialog the TU has, and refuses one in a dialog it has not", () => {
    known.add('call-9');
    inject(text({ method: 'BYE', toTag: 'x', callId: 'call-9' }), STRANGER);
    expect(onRequest).toHaveBeenCalledOnce();
    expect(responses().map((r) => r.status)).toEqual([200]);
    inject(text({ method: 'BYE', toTag: 'x', callId: 'call-8', branch: 'z9hG4bKe5' }), STRANGER);
    expect(onRequest).toHaveBeenCalledOnce();
    expect(responses().map((r) => r.status)).toEqual([403]);
  });

  it('sends nothing at all to a scanner, even from an allowed address', () => {
    inject(text({ ua: 'friendly-scanner' }));
    inject(text({ method: 'OPTIONS', ua: 'sipcli/v1.8', branch: 'z9hG4bKs2' }));
    expect(udp.sent).toEqual([]);
    expect(onRequest).not.toHaveBeenCalled();
  });

  it('answers INVITEs over the call budget 503 with Retry-After, without a transaction', () => {
    for (let i = 0; i < 51; i++) inject(text({ branch: `z9hG4bKc${i}`, callId: `c${i}` }));
    expect(onRequest).toHaveBeenCalledTimes(50);
    const refused = responses().filter((r) => r.status === 503);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.get('Retry-After')).toBe('1');
    expect(ep.transactionCount.server).toBe(50);
  });

  it('answers a malformed request 400 to an allowed source only', () => {
    const broken = text().replace('Max-Forwards: 70', 'Max-Forwards: many');
    inject(broken, STRANGER);
    expect(udp.replies).toEqual([]);
    inject(broken);
    expect(udp.replies.map((b) => b.toString().split('\r\n')[0])).toEqual([expect.stringMatching(/^SIP\/2\.0 400 /)]);
  });

  it('names no software unless told to: no Server header on its answers, the refusals included', () => {
    inject(text({ method: 'OPTIONS' }));
    inject(text({ branch: 'z9hG4bKs3' }));
    (onRequest.mock.calls.at(-1)?.[1] as ServerTransaction).respond(486);
    inject(text({ branch: 'z9hG4bKs4' }), STRANGER);
    const all = responses();
    expect(all.map((r) => r.status)).toEqual([200, 486, 403]);
    for (const r of all) expect(r.has('Server'), `${r.status}`).toBe(false);
    setup({ userAgent: 'Example PBX' });
    inject(text({ method: 'OPTIONS' }));
    inject(text({ branch: 'z9hG4bKs5' }), STRANGER);
    expect(responses().map((r) => r.get('Server'))).toEqual(['Example PBX', 'Example PBX']);
  });
});
