import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { createRequest } from './builders.js';
import { SipEndpoint, createSipEndpoint, type AckHandler, type RequestHandler } from './endpoint.js';
import { SipError } from './errors.js';
import { tagOf, viaBranch } from './header-values.js';
import { MemoryTransport } from './memory-transport.js';
import { SipRequest, SipResponse } from './message.js';
import type { InviteServerTransaction, ServerTransaction } from './transaction-server.js';

const PEER = { address: '192.0.2.9', port: 5062 };

interface Opts {
  method?: string;
  branch?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  cseqMethod?: string;
  uri?: string;
  via?: string;
  extra?: string[];
  body?: string;
}

function text(o: Opts = {}): string {
  const method = o.method ?? 'INVITE';
  const body = o.body ?? '';
  return [
    `${method} ${o.uri ?? 'sip:ivr@192.0.2.1'} SIP/2.0`,
    `Via: ${o.via ?? `SIP/2.0/UDP 192.0.2.9:5062;branch=${o.branch ?? 'z9hG4bKc1'};rport`}`,
    'Max-Forwards: 70',
    `From: <sip:caller@192.0.2.9>;tag=${o.fromTag ?? 'ft1'}`,
    `To: <sip:ivr@192.0.2.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    `CSeq: ${o.cseq ?? 1} ${o.cseqMethod ?? method}`,
    'Contact: <sip:caller@192.0.2.9:5062>',
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

let clock: FakeClock;
let udp: MemoryTransport;
let tcp: MemoryTransport;
let ep: SipEndpoint;
let onRequest: ReturnType<typeof vi.fn<RequestHandler>>;
let onAck: ReturnType<typeof vi.fn<AckHandler>>;

function setup(handler?: RequestHandler, methods?: string[]): void {
  clock = new FakeClock(0);
  udp = new MemoryTransport('UDP', '192.0.2.1', 5060);
  tcp = new MemoryTransport('TCP', '192.0.2.1', 5060);
  onRequest = vi.fn<RequestHandler>(handler ?? (() => {}));
  onAck = vi.fn<AckHandler>();
  let n = 0;
  ep = new SipEndpoint({ host: '192.0.2.1', clock, random: () => `r${++n}`, onRequest, onAck, userAgent: 'hookline-test', ...(methods ? { methods } : {}) });
  ep.addTransport(udp);
  ep.addTransport(tcp);
}

const inject = (data: string | Buffer, t: MemoryTransport = udp): void => t.inject(data, PEER, (m, s) => ep.receive(m, s));
const responses = (t: MemoryTransport = udp): SipResponse[] => t.take().map((s) => s.msg).filter((m): m is SipResponse => m instanceof SipResponse);
const lastTx = (): ServerTransaction => onRequest.mock.calls.at(-1)?.[1] as ServerTransaction;

beforeEach(() => setup());

describe('UAS: INVITE', () => {
  it('hands a new INVITE to the TU, which rings and answers; the 2xx is retransmitted until the ACK', () => {
    inject(text());
    expect(onRequest).toHaveBeenCalledOnce();
    const tx = lastTx() as InviteServerTransaction;
    expect(tx.request.topVia.params.get('received')).toBe('192.0.2.9');
    expect(tx.request.topVia.params.get('rport')).toBe('5062');
    tx.respond(180);
    const ok = tx.respond(200, 'OK', { body: 'v=0\r\n', headers: { 'Content-Type': 'application/sdp' } })!;
    expect(ok.get('Contact')).toBe('<sip:192.0.2.1:5060>');
    expect(ok.get('Server')).toBe('hookline-test');
    const sent = udp.take();
    expect(sent.map((s) => (s.msg as SipResponse).status)).toEqual([180, 200]);
    expect(sent[0]?.dest).toEqual({ transport: 'UDP', address: '192.0.2.9', port: 5062 });
    expect(tagOf((sent[0]?.msg as SipResponse).to)).toBe(tagOf((sent[1]?.msg as SipResponse).to));
    clock.advance(1600);
    expect(responses().map((r) => r.status)).toEqual([200, 200]);
    inject(text({ method: 'ACK', branch: 'z9hG4bKack1', toTag: tagOf(ok.to) }));
    expect(onAck).toHaveBeenCalledOnce();
    clock.advance(60_000);
    expect(responses()).toEqual([]);
  });

  it('reports a 2xx never ACKed after 64*T1 (so the TU can BYE)', () => {
    inject(text());
    const tx = lastTx();
    const onFailure = vi.fn();
    tx.onFailure(onFailure);
    tx.respond(200);
    clock.advance(32_000);
    expect((onFailure.mock.calls[0]?.[0] as SipError).code).toBe('SIP_TIMEOUT');
    expect(responses().filter((r) => r.status === 200)).toHaveLength(11);
  });

  it('absorbs a retransmitted INVITE and repeats the last provisional', () => {
    inject(text());
    lastTx().respond(183);
    inject(text());
    expect(onRequest).toHaveBeenCalledOnce();
    expect(responses().map((r) => r.status)).toEqual([183, 183]);
  });

  it('sends 100 Trying when the TU takes more than 200 ms', () => {
    inject(text());
    clock.advance(200);
    expect(responses().map((r) => r.status)).toEqual([100]);
  });

  it('answers 500 when the TU throws', () => {
    setup(() => {
      throw new Error('bug');
    });
    inject(text());
    expect(responses().map((r) => r.status)).toEqual([500]);
  });

  it('answers over the TCP connection the request came on, without retransmitting failures', () => {
    inject(text({ via: 'SIP/2.0/TCP 192.0.2.9:5062;branch=z9hG4bKt1' }), tcp);
    lastTx().respond(486);
    clock.advance(32_000);
    const sent = tcp.take();
    expect(sent.map((s) => (s.msg as SipResponse).status)).toEqual([486]);
    expect(sent[0]?.dest.transport).toBe('TCP');
  });
});

describe('UAS: CANCEL (§9.2)', () => {
  it('answers 200 to the CANCEL and 487 to the INVITE, tells the TU, and absorbs the ACK', () => {
    inject(text());
    const tx = lastTx() as InviteServerTransaction;
    const onCancel = vi.fn();
    tx.onCancel(onCancel);
    tx.respond(180);
    inject(text({ method: 'CANCEL' }));
    const rs = responses();
    expect(rs.map((r) => `${r.status} ${r.cseq.method}`)).toEqual(['180 INVITE', '200 CANCEL', '487 INVITE']);
    expect(tagOf(rs[1]!.to)).toBe(tagOf(rs[2]!.to));
    expect(onCancel).toHaveBeenCalledOnce();
    expect(tx.answered).toBe(true);
    inject(text({ method: 'ACK', toTag: tagOf(rs[2]!.to) }));
    expect(onAck).not.toHaveBeenCalled();
    expect(tx.state).toBe('Confirmed');
  });

  it('answers 481 to a CANCEL that matches nothing', () => {
    inject(text({ method: 'CANCEL' }));
    expect(responses().map((r) => r.status)).toEqual([481]);
  });

  it('answers 200 to a CANCEL that comes after the final response, and nothing else', () => {
    inject(text());
    lastTx().respond(200);
    udp.take();
    inject(text({ method: 'CANCEL' }));
    expect(responses().map((r) => `${r.status} ${r.cseq.method}`)).toEqual(['200 CANCEL']);
  });
});

describe('UAS core checks', () => {
  it('detects a merged request (§8.2.2.2): same From tag, Call-ID, CSeq, other branch', () => {
    inject(text({ branch: 'z9hG4bKpath1' }));
    inject(text({ branch: 'z9hG4bKpath2' }));
    expect(onRequest).toHaveBeenCalledOnce();
    expect(responses().map((r) => [r.status, r.reason])).toEqual([[482, 'Loop Detected (merged request)']]);
  });

  it('detects a loop: our own request coming back to us', () => {
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:192.0.2.1', from: '<sip:ivr@192.0.2.1>', to: '<sip:x@192.0.2.1>' });
    const out = ep.sendRequest(req, { transport: 'UDP', address: '192.0.2.1', port: 5060 });
    const looped = udp.take()[0]!.data;
    inject(looped);
    const rs = responses();
    expect(rs.map((r) => r.status)).toEqual([482]);
    expect(out.transaction.state).toBe('Trying');
  });

  it('answers 483 to an INVITE with Max-Forwards 0, but 200 to OPTIONS (RFC 4475 §3.3.11)', () => {
    inject(text({ extra: [] }).replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    inject(readFileSync(fileURLToPath(new URL('./fixtures/rfc4475/zeromf.dat', import.meta.url))));
    expect(responses().map((r) => r.status)).toEqual([483, 200]);
    expect(onRequest).not.toHaveBeenCalled();
  });

  it('answers OPTIONS itself with Allow and Accept when the TU does not take it', () => {
    inject(text({ method: 'OPTIONS' }));
    const [r] = responses();
    expect(r?.status).toBe(200);
    expect(r?.getAll('Allow')).toEqual(['INVITE', 'ACK', 'BYE', 'CANCEL', 'INFO', 'OPTIONS']);
    expect(r?.get('Accept')).toBe('application/sdp');
    expect(onRequest).not.toHaveBeenCalled();
  });

  it('passes OPTIONS to the TU when it lists it', () => {
    setup(undefined, ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS']);
    inject(text({ method: 'OPTIONS' }));
    expect(onRequest).toHaveBeenCalledOnce();
  });

  it.each([
    ['REGISTER', 405],
    ['SUBSCRIBE', 405],
    ['FOO', 501],
  ])('answers %s with %i', (method, status) => {
    inject(text({ method }));
    const [r] = responses();
    expect(r?.status).toBe(status);
    if (status === 405) expect(r?.get('Allow')).toContain('INVITE');
  });

  it('answers 420 naming the extensions it lacks (RFC 4475 §3.3.5 bext01)', () => {
    inject(readFileSync(fileURLToPath(new URL('./fixtures/rfc4475/bext01.dat', import.meta.url))));
    const [r] = responses();
    expect(r?.status).toBe(420);
    expect(r?.getAll('Unsupported')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
  });

  it.each(['unkscm', 'novelsc'])('answers 416 to an unknown Request-URI scheme (%s)', (name) => {
    inject(readFileSync(fileURLToPath(new URL(`./fixtures/rfc4475/${name}.dat`, import.meta.url))));
    expect(responses().map((r) => r.status)).toEqual([416]);
  });

  it.each([
    ['no Contact', (t: string) => t.replace('Contact: <sip:caller@192.0.2.9:5062>\r\n', '')],
    ['a tel: Contact', (t: string) => t.replace('<sip:caller@192.0.2.9:5062>', '<tel:+13125550100>')],
    ['two Contacts', (t: string) => t.replace('<sip:caller@192.0.2.9:5062>', '<sip:a@192.0.2.9>, <sip:b@192.0.2.9>')],
    ['Contact: *', (t: string) => t.replace('<sip:caller@192.0.2.9:5062>', '*')],
  ])('answers 400 to an INVITE with %s: no dialog could reach the caller (§8.1.1.8)', (_what, edit) => {
    inject(edit(text()));
    const [r] = responses();
    expect(r?.status).toBe(400);
    expect(r?.reason).toMatch(/exactly one SIP or SIPS Contact/);
    expect(onRequest).not.toHaveBeenCalled();
  });

  it('accepts Require: timer and answers Session-Expires with refresher=uac (RFC 4028)', () => {
    inject(text({ extra: ['Supported: timer', 'Require: timer', 'Session-Expires: 1800;refresher=uas', 'Min-SE: 90'] }));
    expect(onRequest).toHaveBeenCalledOnce();
    const ok = lastTx().respond(200)!;
    expect(ok.get('Session-Expires')).toBe('1800;refresher=uac');
    expect(ok.getAll('Require')).toEqual(['timer']);
  });

  it('answers 422 with Min-SE to a session interval below 90 s', () => {
    inject(text({ extra: ['Supported: timer', 'Session-Expires: 30'] }));
    const [r] = responses();
    expect(r?.status).toBe(422);
    expect(r?.get('Min-SE')).toBe('90');
  });

  it('answers a malformed request with 400 naming the problem, and drops what it cannot answer', () => {
    inject(text().replace('CSeq: 1 INVITE', 'CSeq: 1 BYE'));
    const reply = udp.replies.splice(0).map((b) => b.toString());
    expect(reply).toHaveLength(1);
    expect(reply[0]).toMatch(/^SIP\/2.0 400 Bad Request \(CSeq method does not match the request method\)\r\n/);
    inject(readFileSync(fileURLToPath(new URL('./fixtures/rfc4475/insuf.dat', import.meta.url))));
    expect(udp.replies).toHaveLength(0);
    expect(onRequest).not.toHaveBeenCalled();
  });
});

describe('UAC', () => {
  const invite = (): SipRequest =>
    createRequest({ method: 'INVITE', uri: 'sip:bob@192.0.2.9:5062', from: '<sip:ivr@192.0.2.1>', to: '<sip:bob@192.0.2.9>' }, () => 'u1');

  const reply = (req: SipRequest, status: number, toTag = 'bobtag'): string => {
    const lines = [
      `SIP/2.0 ${status} X`,
      ...req.headers.filter((h) => ['Via', 'From', 'Call-ID', 'CSeq'].includes(h.name)).map((h) => `${h.name}: ${h.value}`),
      `To: ${req.get('To')};tag=${toTag}`,
      'Contact: <sip:bob@192.0.2.9:5062>',
      'Content-Length: 0',
      '',
      '',
    ];
    return lines.join('\r\n');
  };

  it('adds Via with rport, Contact and Max-Forwards, and routes responses to the handlers', () => {
    const onProvisional = vi.fn();
    const onFinal = vi.fn();
    const out = ep.sendRequest(invite(), undefined, { onProvisional, onFinal });
    const [sent] = udp.take();
    expect(sent?.dest).toEqual({ transport: 'UDP', address: '192.0.2.9', port: 5062 });
    const via = out.request.topVia;
    expect(`${via.host}:${via.port}`).toBe('192.0.2.1:5060');
    expect(via.params.has('rport')).toBe(true);
    expect(viaBranch(via)?.startsWith('z9hG4bK')).toBe(true);
    expect(out.request.get('Contact')).toBe('<sip:192.0.2.1:5060>');
    inject(reply(out.request, 180));
    inject(reply(out.request, 200));
    expect(onProvisional).toHaveBeenCalledOnce();
    expect((onFinal.mock.calls[0]?.[0] as SipResponse).status).toBe(200);
  });

  it('holds a CANCEL until a provisional response, then the INVITE ends with 487 and an ACK', () => {
    const onFinal = vi.fn();
    const out = ep.sendRequest(invite(), undefined, { onFinal });
    out.cancel();
    expect(udp.take().map((s) => (s.msg as SipRequest).method)).toEqual(['INVITE']);
    inject(reply(out.request, 180));
    const [cancel] = udp.take();
    const c = cancel?.msg as SipRequest;
    expect(c.method).toBe('CANCEL');
    expect(c.get('Via')).toBe(out.request.get('Via'));
    expect(c.cseq).toEqual({ seq: 1, method: 'CANCEL' });
    inject(reply(c as unknown as SipRequest, 200));
    inject(reply(out.request, 487));
    expect((onFinal.mock.calls[0]?.[0] as SipResponse).status).toBe(487);
    expect(udp.take().map((s) => (s.msg as SipRequest).method)).toEqual(['ACK']);
  });

  it('drops a response whose top Via is not ours (§18.1.2)', () => {
    const onFinal = vi.fn();
    const out = ep.sendRequest(invite(), undefined, { onFinal });
    inject(reply(out.request, 200).replace('192.0.2.1:5060', '198.51.100.7:5060'));
    expect(onFinal).not.toHaveBeenCalled();
  });

  it('reports a send failure to the handlers', async () => {
    udp.failSends = true;
    const onTransportError = vi.fn();
    const out = ep.sendRequest(invite(), undefined, { onTransportError });
    await Promise.resolve();
    await Promise.resolve();
    expect(onTransportError).toHaveBeenCalledOnce();
    expect(out.transaction.state).toBe('Terminated');
  });

  it('sends an ACK for a 2xx statelessly, with one Via even when resent', async () => {
    const ack = createRequest({ method: 'ACK', uri: 'sip:bob@192.0.2.9:5062', from: '<sip:ivr@192.0.2.1>;tag=a', to: '<sip:bob@192.0.2.9>;tag=b' });
    await ep.sendAck(ack);
    await ep.sendAck(ack);
    const sent = udp.take();
    expect(sent).toHaveLength(2);
    expect(sent.every((s) => s.msg.vias.length === 1)).toBe(true);
    expect(() => ep.sendRequest(ack)).toThrow(SipError);
  });
});

describe('lifecycle', () => {
  it('leaves no timer behind on close', async () => {
    inject(text());
    lastTx().respond(486);
    ep.sendRequest(createRequest({ method: 'OPTIONS', uri: 'sip:x@192.0.2.9', from: '<sip:a@b>', to: '<sip:x@192.0.2.9>' }));
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    await ep.close();
    expect(clock.pendingTimers()).toBe(0);
    expect(ep.transactionCount).toEqual({ client: 0, server: 0 });
  });

  it('refuses to advertise a wildcard address', async () => {
    await expect(createSipEndpoint({ host: '0.0.0.0', udpPort: 0, onRequest: () => {} })).rejects.toThrow(SipError);
  });

  it('forgets transactions once they terminate', () => {
    inject(text({ method: 'BYE', toTag: 'x' }));
    lastTx().respond(200);
    expect(ep.transactionCount.server).toBe(1);
    clock.advance(32_000);
    expect(ep.transactionCount.server).toBe(0);
  });
});
