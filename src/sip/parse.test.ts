import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { SipError } from './errors.js';
import { parseCSeq, parseNameAddr, parseVia, tagOf, viaBranch } from './header-values.js';
import { canonicalName, splitList } from './headers.js';
import { SipRequest, SipResponse } from './message.js';
import { parseMessage } from './parse.js';
import { serialize } from './serialize.js';
import { formatUri, isSipUri, parseUri, type SipUri } from './uri.js';

const crlf = (lines: string[]): string => lines.join('\r\n');
const BASE = [
  'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
];
const invite = (extra: string[] = [], body = ''): string =>
  crlf(['INVITE sip:bob@example.com SIP/2.0', ...BASE, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body]);

function parseError(text: string, datagram = true): SipError {
  try {
    parseMessage(text, { datagram });
  } catch (err) {
    expect(err).toBeInstanceOf(SipError);
    return err as SipError;
  }
  throw new Error('expected a SipError');
}

describe('header names', () => {
  it.each([
    ['i', 'Call-ID'], ['m', 'Contact'], ['e', 'Content-Encoding'], ['l', 'Content-Length'], ['c', 'Content-Type'],
    ['f', 'From'], ['s', 'Subject'], ['k', 'Supported'], ['t', 'To'], ['v', 'Via'], ['x', 'Session-Expires'],
    ['o', 'Event'], ['r', 'Refer-To'], ['call-id', 'Call-ID'], ['CSEQ', 'CSeq'], ['www-authenticate', 'WWW-Authenticate'],
    ['X-Custom', 'X-Custom'],
  ])('%s -> %s', (name, canonical) => expect(canonicalName(name)).toBe(canonical));
});

describe('list splitting', () => {
  it.each([
    ['a, b,c', ['a', 'b', 'c']],
    ['"Doe, John" <sip:j@x>, <sip:k@y>', ['"Doe, John" <sip:j@x>', '<sip:k@y>']],
    ['<sip:a@x;p=1,2>, <sip:b@y>', ['<sip:a@x;p=1,2>', '<sip:b@y>']],
    ['"a \\" , b" <sip:a@x>', ['"a \\" , b" <sip:a@x>']],
    ['a,,b', ['a', '', 'b']],
  ])('%s', (value, parts) => expect(splitList(value)).toEqual(parts));
});

describe('URIs', () => {
  it('parses every part of a SIP URI', () => {
    const u = parseUri('sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=project%20x&priority=urgent') as SipUri;
    expect(u).toMatchObject({ scheme: 'sip', user: 'alice', password: 'secret', host: 'atlanta.com', port: 5070 });
    expect([...u.params]).toEqual([['transport', 'tcp'], ['lr', null]]);
    expect(u.headers).toEqual([['subject', 'project%20x'], ['priority', 'urgent']]);
    expect(formatUri(u)).toBe('sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=project%20x&priority=urgent');
  });
  it.each([
    ['sips:[2001:db8::10]:5061', { host: '[2001:db8::10]', port: 5061 }],
    ['sip:+1-212-555-1212:1234@gateway.com;user=phone', { user: '+1-212-555-1212', password: '1234' }],
    ['SIP:example.com', { scheme: 'sip', host: 'example.com' }],
  ])('%s', (text, parts) => expect(parseUri(text)).toMatchObject(parts));
  it('keeps other schemes opaque', () => {
    const u = parseUri('tel:+15551234567;phone-context=example.com');
    expect(isSipUri(u)).toBe(false);
    expect(formatUri(u)).toBe('tel:+15551234567;phone-context=example.com');
  });
  it.each(['sip:', 'sip:user@', 'sip:host:99999', 'sip:ho st', '<sip:a@b>', 'sip:a@b;=x', 'nocolon'])('rejects %s', (t) =>
    expect(() => parseUri(t)).toThrow(SipError),
  );
});

describe('Via', () => {
  it('reads branch, received, rport and sent-by, with LWS around "/" and ":"', () => {
    const v = parseVia('SIP / 2.0 / udp  host.example.com : 5066 ;branch=z9hG4bK1;received=192.0.2.1;rport=5066');
    expect(v).toMatchObject({ transport: 'UDP', host: 'host.example.com', port: 5066 });
    expect(viaBranch(v)).toBe('z9hG4bK1');
    expect(v.params.get('received')).toBe('192.0.2.1');
    expect(v.params.get('rport')).toBe('5066');
  });
  it('takes an IPv6 sent-by and an empty rport', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::1]:5060;rport;branch=z9hG4bKx');
    expect(v.host).toBe('[2001:db8::1]');
    expect(v.params.get('rport')).toBeNull();
  });
  it.each(['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDP host;;', 'SIP/2.0/UDP host;rport=x', 'SIP/3.0/UDP host'])('rejects %s', (t) =>
    expect(() => parseVia(t)).toThrow(SipError),
  );
});

describe('name-addr', () => {
  it.each([
    ['"A \\"B\\"" <sip:a@x>;tag=1', 'A "B"', 'sip:a@x', '1'],
    ['Alice Liddell <sip:a@x> ;tag = 2', 'Alice Liddell', 'sip:a@x', '2'],
    ['caller<sip:c@x>', 'caller', 'sip:c@x', undefined],
    ['sip:a@x;tag=3', undefined, 'sip:a@x', '3'],
    ['<sip:a@x;lr>;tag=4', undefined, 'sip:a@x;lr', '4'],
    ['<tel:+1555>', undefined, 'tel:+1555', undefined],
  ])('%s', (text, display, uri, tag) => {
    const na = parseNameAddr(text, 'To');
    expect(na.displayName).toBe(display);
    expect(formatUri(na.uri)).toBe(uri);
    expect(tagOf(na)).toBe(tag);
  });
  it('puts parameters of an unbracketed URI on the header, not the URI (§20.10)', () => {
    const na = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam', 'Contact');
    expect((na.uri as SipUri).params.size).toBe(0);
    expect(na.params.has('unknownparam')).toBe(true);
  });
  it.each(['"open <sip:a@x>', 'Bell, Alexander <sip:a@x>', '< sip:a@x >', 'sip:a@x?h=v', '<sip:a@x'])('rejects %s', (t) =>
    expect(() => parseNameAddr(t, 'To')).toThrow(SipError),
  );
});

describe('CSeq', () => {
  it('reads number and method', () => expect(parseCSeq('0009 INVITE')).toEqual({ seq: 9, method: 'INVITE' }));
  it.each(['INVITE', '1', '2147483648 INVITE', '-1 INVITE', '1 IN VITE'])('rejects %s', (t) => expect(() => parseCSeq(t)).toThrow(SipError));
});

describe('parseMessage', () => {
  it('parses a request with folded, repeated and compact headers', () => {
    const msg = parseMessage(
      invite(['v: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1,', ' SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2', 'Subject: hello', '  world']),
    ) as SipRequest;
    expect(msg).toBeInstanceOf(SipRequest);
    expect(msg.method).toBe('INVITE');
    expect(msg.vias.map((v) => v.host)).toEqual(['192.0.2.4', 'proxy.example.com', 'p2.example.com']);
    expect(msg.get('subject')).toBe('hello world');
    expect(msg.callId).toBe('a84b4c76e66710@pc33.example.com');
    expect(msg.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(tagOf(msg.from)).toBe('1928301774');
    expect(msg.maxForwards).toBe(70);
  });

  it('parses a response, keeping the reason phrase as sent', () => {
    const msg = parseMessage(crlf(['SIP/2.0 183 Session Progress', ...BASE, 'Content-Length: 0', '', ''])) as SipResponse;
    expect(msg).toBeInstanceOf(SipResponse);
    expect([msg.status, msg.reason]).toEqual([183, 'Session Progress']);
  });

  it('reads the body by Content-Length and ignores octets past it', () => {
    const msg = parseMessage(invite([], 'v=0\r\n') + 'garbage');
    expect(msg.text).toBe('v=0\r\n');
  });

  it('takes the rest of a datagram as the body without Content-Length, and none on a stream', () => {
    const text = crlf(['INVITE sip:bob@example.com SIP/2.0', ...BASE, '', 'v=0']);
    expect(parseMessage(text, { datagram: true }).text).toBe('v=0');
    expect(parseMessage(text, { datagram: false }).body.length).toBe(0);
  });

  it('skips CRLFs before the start line (§7.5)', () => {
    expect(parseMessage('\r\n\r\n' + invite())).toBeInstanceOf(SipRequest);
  });

  it.each([
    ['missing Call-ID', invite().replace(/Call-ID:[^\r]*\r\n/, ''), /missing Call-ID/],
    ['two To headers', invite(['To: <sip:x@y>']), /more than one To/],
    ['CSeq method mismatch', invite().replace('314159 INVITE', '314159 BYE'), /CSeq method/],
    ['bad header line', invite(['no colon here']), /colon/],
    ['bad Max-Forwards', invite().replace('Max-Forwards: 70', 'Max-Forwards: 256'), /Max-Forwards/],
    ['short body', invite([], 'abc').replace('Content-Length: 3', 'Content-Length: 30'), /Content-Length larger/],
    ['no blank line', 'INVITE sip:a@b SIP/2.0\r\nTo: <sip:a@b>', /empty line/],
    ['status 1000', crlf(['SIP/2.0 1000 Big', ...BASE, '', '']), /status code/],
    ['version', invite().replace('SIP/2.0\r\n', 'SIP/3.0\r\n'), /version/],
  ])('rejects: %s', (_name, text, reason) => {
    const err = parseError(text);
    expect(err.message).toMatch(reason);
    expect(err.partial).toBeDefined();
  });

  it('asks for 505 for another SIP version and keeps the headers for the answer', () => {
    const err = parseError(invite().replace('SIP/2.0\r\n', 'SIP/3.0\r\n'));
    expect(err.status).toBe(505);
    expect(err.partial?.headers.some((h) => h.name === 'Call-ID')).toBe(true);
  });

  it('never throws anything but SipError, whatever the bytes', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const base = Buffer.from(invite([], 'v=0\r\n'));
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 1 + rnd(4); k++) b[rnd(b.length)] = rnd(256);
      try {
        parseMessage(b.subarray(0, rnd(b.length + 1)));
      } catch (err) {
        expect(err).toBeInstanceOf(SipError);
      }
    }
  });
});

describe('serialize', () => {
  it('round-trips, writing Content-Length from the body', () => {
    const msg = parseMessage(invite(['Content-Type: application/sdp'], 'v=0\r\n'));
    const again = parseMessage(serialize(msg));
    expect(again.headers.filter((h) => h.name !== 'Content-Length')).toEqual(msg.headers.filter((h) => h.name !== 'Content-Length'));
    expect(again.get('Content-Length')).toBe('5');
    expect(again.text).toBe('v=0\r\n');
  });

  it('refuses a header value with a line break (header injection)', () => {
    const msg = parseMessage(invite());
    msg.set('Subject', 'hi\r\nVia: evil');
    expect(() => serialize(msg)).toThrow(SipError);
  });
});

describe('control characters: what the parser accepts, the serializer writes', () => {
  const fromWith = (display: string): string =>
    crlf(['INVITE sip:bob@example.com SIP/2.0', ...BASE.filter((l) => !l.startsWith('From')), `From: ${display} <sip:alice@example.com>;tag=1`, 'Content-Length: 0', '', '']);

  it.each([
    ['a lone CR', '"a\rb"'],
    ['a NUL', '"a\x00b"'],
    ['a BEL outside a quoted-pair', '"a\x07b"'],
    ['a DEL', 'a\x7fb'],
    ['an escaped backslash before a NUL', '"a\\\\\x00"'],
  ])('refuses a From holding %s, and leaves it out of what a 400 could copy', (_what, display) => {
    const e = parseError(fromWith(display));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/(control character|line break) in From header value/);
    expect(e.partial?.headers.some((h) => h.name === 'From')).toBe(false);
  });

  it('accepts control characters escaped in a quoted-pair (RFC 4475 §3.1.1.2) and writes them back as they came', () => {
    const msg = parseMessage(fromWith('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f"'));
    expect(msg.get('From')).toBe('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:alice@example.com>;tag=1');
    expect(parseMessage(serialize(msg)).get('From')).toBe(msg.get('From'));
  });

  it('refuses a lone CR in any other header too, keeping the rest so that the 400 can be built', () => {
    const e = parseError(invite(['Subject: a\rb']));
    expect(e.message).toBe('line break in Subject header value');
    expect(e.partial?.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Content-Length']);
  });

  it('refuses a control character in a reason phrase', () => {
    const res = crlf(['SIP/2.0 200 O\x00K', ...BASE, 'Content-Length: 0', '', '']);
    expect(parseError(res).message).toBe('control character in reason phrase');
  });

  it('the serializer refuses the same values the parser does', () => {
    const msg = parseMessage(invite());
    msg.set('Subject', 'a\x00b');
    expect(() => serialize(msg)).toThrow(/control character in Subject header value/);
    msg.set('Subject', 'a\rb');
    expect(() => serialize(msg)).toThrow(/line break in Subject header value/);
    msg.set('Subject', 'tab\tis fine');
    expect(serialize(msg).toString()).toContain('Subject: tab\tis fine\r\n');
  });
});

describe('values are checked as they are stored', () => {
  it('refuses a To whose parameters end in U+FEFF: checked trimmed, it would take ";tag=" after that character', () => {
    const text = invite().replace('To: Bob <sip:bob@example.com>', 'To: Bob <sip:bob@example.com>;x=""\ufeff');
    expect(parseError(text).message).toMatch(/To/);
  });

  it('keeps a U+FEFF that is part of an unknown header value (RFC 4475 §3.1.1.2)', () => {
    expect(parseMessage(invite(['X-Odd: \ufeffvalue'])).get('X-Odd')).toBe('\ufeffvalue');
  });
});

describe('time linear in the message size (one datagram must not hold the event loop)', () => {
  const RUN = 60_000; // about the largest UDP datagram
  const blanks = (kind: string): string => (kind === 'tabs' ? '\t' : kind === 'mixed' ? ' \t' : ' ').repeat(RUN / (kind === 'mixed' ? 2 : 1));
  const lines: Record<string, string> = {
    Via: 'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds',
    From: 'From: Alice <sip:alice@example.com>;tag=1928301774',
    To: 'To: Bob <sip:bob@example.com>',
    CSeq: 'CSeq: 314159 INVITE',
    Contact: 'Contact: <sip:alice@192.0.2.4:5060>;expires=60',
    Other: 'Subject: a; b=c, d',
  };
  for (const [name, line] of Object.entries(lines)) {
    for (const kind of ['spaces', 'tabs', 'mixed']) {
      it(`${name} with ${RUN} ${kind} before and inside its value parses or fails within 250 ms`, () => {
        for (const at of [line.indexOf(':') + 1, line.indexOf(';'), line.indexOf('<'), line.indexOf(' ', line.indexOf(':') + 2), line.length]) {
          if (at < 0) continue;
          const mutated = line.slice(0, at) + blanks(kind) + 'x' + line.slice(at);
          const text = invite().replace(name === 'Other' ? 'Max-Forwards: 70' : (BASE.find((l) => l.startsWith(`${name}:`)) ?? 'Max-Forwards: 70'), mutated);
          const t0 = performance.now();
          try {
            parseMessage(text, { datagram: true });
          } catch (err) {
            expect(err).toBeInstanceOf(SipError);
          }
          expect(performance.now() - t0).toBeLessThan(250);
        }
      });
    }
  }
});
