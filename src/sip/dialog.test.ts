import { describe, expect, it } from 'vitest';
import { createRequest, createResponse } from './builders.js';
import { Dialog } from './dialog.js';
import { SipError } from './errors.js';
import { tagOf } from './header-values.js';
import { formatUri } from './uri.js';

function inviteFromPeer(recordRoute: string[] = []) {
  const req = createRequest(
    {
      method: 'INVITE',
      uri: 'sip:ivr@192.0.2.1',
      from: '"Caller" <sip:+15551230000@carrier.example>',
      to: '<sip:+15559870000@192.0.2.1>',
      callId: 'dlg-1',
      cseq: 101,
      contact: '<sip:caller@198.51.100.5:5060>',
      headers: recordRoute.length ? { 'Record-Route': recordRoute } : {},
    },
    () => 'peertag',
  );
  req.prepend('Via', 'SIP/2.0/UDP 198.51.100.5;branch=z9hG4bKx');
  return req;
}

describe('Dialog, UAS side (§12.1.1)', () => {
  it('forms from the INVITE and our 2xx, and builds a BYE (§12.2.1.1)', () => {
    const invite = inviteFromPeer(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    const ok = createResponse(invite, 200, undefined, { toTag: 'ourtag' });
    const d = Dialog.fromUas(invite, ok);
    expect(d.state).toBe('Confirmed');
    expect(d.id).toBe('dlg-1|ourtag|peertag');
    const byeFromPeer = createRequest({ method: 'BYE', uri: 'sip:ivr@192.0.2.1', from: invite.get('From')!, to: `${invite.get('To')};tag=ourtag`, callId: 'dlg-1', cseq: 102 });
    expect(Dialog.idOfRequest(byeFromPeer)).toBe(d.id);
    const bye = d.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:caller@198.51.100.5:5060');
    expect(bye.getAll('Route')).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    expect(tagOf(bye.from)).toBe('ourtag');
    expect(tagOf(bye.to)).toBe('peertag');
    expect(bye.from.uri).toEqual(invite.to.uri);
    expect(bye.callId).toBe('dlg-1');
    expect(bye.cseq).toEqual({ seq: 1, method: 'BYE' });
    expect(d.createRequest('INFO', { body: 'Signal=5\r\n', contentType: 'application/dtmf-relay' }).cseq.seq).toBe(2);
  });

  it('is Early on a provisional with a tag', () => {
    const invite = inviteFromPeer();
    expect(Dialog.fromUas(invite, createResponse(invite, 183, undefined, { toTag: 't' })).state).toBe('Early');
    expect(() => Dialog.fromUas(invite, createResponse(invite, 100))).toThrow(SipError);
  });

  it('refuses requests that go back in CSeq with 500 (§12.2.2) and follows target refreshes', () => {
    const invite = inviteFromPeer();
    const d = Dialog.fromUas(invite, createResponse(invite, 200, undefined, { toTag: 't' }));
    const reinvite = createRequest({ method: 'INVITE', uri: 'sip:ivr@192.0.2.1', from: invite.get('From')!, to: '<sip:x@y>;tag=t', callId: 'dlg-1', cseq: 102, contact: '<sip:caller@198.51.100.6>' });
    expect(d.checkRequest(reinvite)).toEqual({ ok: true });
    d.refreshTarget(reinvite);
    expect(formatUri(d.remoteTarget)).toBe('sip:caller@198.51.100.6');
    const old = createRequest({ method: 'INFO', uri: 'sip:ivr@192.0.2.1', from: invite.get('From')!, to: '<sip:x@y>;tag=t', callId: 'dlg-1', cseq: 101 });
    expect(d.checkRequest(old)).toEqual({ ok: false, status: 500, reason: 'Server Internal Error (CSeq out of order)' });
    const ack = createRequest({ method: 'ACK', uri: 'sip:ivr@192.0.2.1', from: invite.get('From')!, to: '<sip:x@y>;tag=t', callId: 'dlg-1', cseq: 101 });
    expect(d.checkRequest(ack).ok).toBe(true);
  });

  it('routes through a strict router by putting it in the Request-URI (§12.2.1.1)', () => {
    const invite = inviteFromPeer(['<sip:strict.example>', '<sip:p2.example;lr>']);
    const d = Dialog.fromUas(invite, createResponse(invite, 200, undefined, { toTag: 't' }));
    const bye = d.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:strict.example');
    expect(bye.getAll('Route')).toEqual(['<sip:p2.example;lr>', '<sip:caller@198.51.100.5:5060>']);
  });
});

describe('Dialog, UAC side (§12.1.2)', () => {
  it('forms from our INVITE and their 2xx, reverses Record-Route, and builds the ACK and BYE', () => {
    const invite = createRequest(
      { method: 'INVITE', uri: 'sip:bob@203.0.113.7', from: '<sip:ivr@192.0.2.1>', to: '<sip:bob@203.0.113.7>', callId: 'out-1', cseq: 5 },
      () => 'mytag',
    );
    const ok = createResponse(invite, 200, undefined, { toTag: 'bobtag', headers: { Contact: '<sip:bob@203.0.113.8:5070>' } });
    ok.append('Record-Route', '<sip:p1.example;lr>');
    ok.append('Record-Route', '<sip:p2.example;lr>');
    const d = Dialog.fromUac(invite, ok);
    expect(d.id).toBe(Dialog.idOfResponse(ok));
    expect(d.routeSet).toEqual(['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    const ack = d.createAck(5);
    expect(ack.cseq).toEqual({ seq: 5, method: 'ACK' });
    expect(formatUri(ack.uri)).toBe('sip:bob@203.0.113.8:5070');
    expect(d.createRequest('BYE').cseq).toEqual({ seq: 6, method: 'BYE' });
    d.terminate();
    expect(() => d.createRequest('BYE')).toThrow(SipError);
    expect(() => d.createRequest('ACK')).toThrow(SipError);
  });
});
