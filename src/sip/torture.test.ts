import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createErrorResponse } from './builders.js';
import { SipError } from './errors.js';
import { tagOf, viaBranch, type NameAddr } from './header-values.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseMessage } from './parse.js';
import { serialize } from './serialize.js';
import { hasRfc3261Branch } from './transaction-keys.js';
import { formatUri, isSipUri, type SipUri } from './uri.js';

/**
 * RFC 4475 torture messages (fixtures/rfc4475/*.dat, CRLF as in the RFC). Every message has a row
 * saying what we do with it and why. "parse" rows must parse (some then get an answer from the core,
 * tested in endpoint.test.ts); "reject" rows must throw SipError, with the status to answer with and
 * whether enough parsed to build that answer (else the transport drops and logs the message).
 */
const dir = fileURLToPath(new URL('./fixtures/rfc4475/', import.meta.url));
const load = (name: string): Buffer => readFileSync(`${dir}${name}.dat`);

type Row =
  | { name: string; section: string; decision: 'parse'; why: string; check?: (m: SipMessage) => void }
  | { name: string; section: string; decision: 'reject'; why: string; status: number; answerable: boolean; reason: RegExp };

const req = (m: SipMessage): SipRequest => {
  expect(m).toBeInstanceOf(SipRequest);
  return m as SipRequest;
};
const sipUri = (na: NameAddr): SipUri => na.uri as SipUri;

const ROWS: Row[] = [
  // 3.1.1 valid messages: all must parse.
  { name: 'wsinv', section: '3.1.1.1', decision: 'parse', why: 'LWS, folding, case and compact forms everywhere', check: (m) => {
    const r = req(m);
    expect(tagOf(r.to)).toBe('1918181833n');
    expect(r.from.displayName).toBe('J Rosenberg \\"');
    expect(tagOf(r.from)).toBe('98asjd8');
    expect(r.maxForwards).toBe(68);
    expect(r.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(r.vias.map((v) => [v.transport, v.host, viaBranch(v)])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'], ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'], ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(r.get('Subject')).toBe('');
    expect(r.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(r.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    const c = r.contact;
    expect(c?.displayName).toBe('Quoted string ""');
    expect(c?.params.get('newparam')).toBe('newvalue');
    expect(c?.params.get('q')).toBe('0.33');
    expect(c?.params.has('secondparam')).toBe(true);
    expect(r.body.length).toBe(150);
  } },
  { name: 'intmeth', section: '3.1.1.2', decision: 'parse', why: 'unusual token characters, quoted NUL, UTF-8', check: (m) => {
    const r = req(m);
    expect(r.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect((r.uri as SipUri).user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect((r.uri as SipUri).password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(viaBranch(r.topVia)).toBe("z9hG4bK-.!%66*_+`'~");
    expect(r.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(r.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(tagOf(r.from)).toBe("_token~1'+`*%!-.");
    expect(r.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(r.get("extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
  } },
  { name: 'esc01', section: '3.1.1.3', decision: 'parse', why: 'escapes stay as written', check: (m) => {
    const r = req(m);
    expect((r.uri as SipUri).user).toBe('sips%3Auser%40example.com');
    expect((r.uri as SipUri).host).toBe('example.net');
    expect(sipUri(r.contact as NameAddr).params.get('n%61me')).toBe('v%61lue%25%34%31');
  } },
  { name: 'escnull', section: '3.1.1.4', decision: 'parse', why: '%00 is kept escaped, never written raw', check: (m) => {
    expect(req(m).contacts).toHaveLength(2);
    expect(serialize(m).includes(0)).toBe(false);
  } },
  { name: 'esc02', section: '3.1.1.5', decision: 'parse', why: '"%" in tokens is not an escape; C%6Fntact is another header', check: (m) => {
    const r = req(m);
    expect(r.method).toBe('RE%47IST%45R');
    expect(r.contacts).toHaveLength(2);
    expect(r.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  } },
  { name: 'lwsdisp', section: '3.1.1.6', decision: 'parse', why: 'no LWS needed before <', check: (m) => expect(req(m).from.displayName).toBe('caller') },
  { name: 'longreq', section: '3.1.1.7', decision: 'parse', why: 'long values, 34 Via values', check: (m) => {
    expect(m.vias).toHaveLength(34);
    expect(tagOf(m.from)?.length).toBeGreaterThan(100);
  } },
  { name: 'dblreq', section: '3.1.1.8', decision: 'parse', why: 'datagram: octets past Content-Length are dropped', check: (m) => {
    expect(req(m).method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  } },
  { name: 'semiuri', section: '3.1.1.9', decision: 'parse', why: '";" inside the user part', check: (m) => {
    expect((req(m).uri as SipUri).user).toBe('user;par=u%40example.net');
    expect((req(m).uri as SipUri).host).toBe('example.com');
    expect(m.getAll('Accept')).toHaveLength(6);
  } },
  { name: 'transports', section: '3.1.1.10', decision: 'parse', why: 'unknown transport tokens', check: (m) =>
    expect(m.vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']) },
  { name: 'mpart01', section: '3.1.1.11', decision: 'parse', why: 'binary multipart body taken by Content-Length', check: (m) => {
    expect(m.body.length).toBe(Number(m.get('Content-Length')));
    expect(m.contentType).toBe('multipart/mixed;boundary=7a9cbec02ceef655');
  } },
  { name: 'unreason', section: '3.1.1.12', decision: 'parse', why: 'UTF-8 reason phrase', check: (m) => {
    expect((m as SipResponse).status).toBe(200);
    expect((m as SipResponse).reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
  } },
  { name: 'noreason', section: '3.1.1.13', decision: 'parse', why: 'empty reason phrase', check: (m) => expect((m as SipResponse).reason).toBe('') },

  // 3.1.2 invalid messages.
  { name: 'badinv01', section: '3.1.2.1', decision: 'reject', why: 'empty Via params and values', status: 400, answerable: false, reason: /Via/ },
  { name: 'clerr', section: '3.1.2.2', decision: 'reject', why: '§18.3: body shorter than Content-Length', status: 400, answerable: true, reason: /Content-Length larger/ },
  { name: 'ncl', section: '3.1.2.3', decision: 'reject', why: 'negative Content-Length', status: 400, answerable: true, reason: /Content-Length/ },
  { name: 'scalar02', section: '3.1.2.4', decision: 'reject', why: 'CSeq >= 2**31 (§8.1.1.5); also Max-Forwards 300', status: 400, answerable: false, reason: /CSeq|Max-Forwards/ },
  { name: 'scalarlg', section: '3.1.2.5', decision: 'reject', why: 'a response: dropped (§18.1.2 has no answer for it)', status: 400, answerable: false, reason: /CSeq/ },
  { name: 'quotbal', section: '3.1.2.6', decision: 'reject', why: 'unterminated quoted string; To unusable, so no answer', status: 400, answerable: false, reason: /quoted/ },
  { name: 'ltgtruri', section: '3.1.2.7', decision: 'reject', why: 'Request-URI in <>', status: 400, answerable: true, reason: /angle brackets/ },
  { name: 'lwsruri', section: '3.1.2.8', decision: 'reject', why: 'LWS inside the Request-URI', status: 400, answerable: true, reason: /request line/ },
  { name: 'lwsstart', section: '3.1.2.9', decision: 'reject', why: 'RFC allows tolerance; we keep to the grammar (one SP)', status: 400, answerable: true, reason: /one SP/ },
  { name: 'trws', section: '3.1.2.10', decision: 'reject', why: 'RFC allows tolerance; we keep to the grammar', status: 400, answerable: true, reason: /trailing/ },
  { name: 'escruri', section: '3.1.2.11', decision: 'reject', why: '§19.1.1: no headers in a Request-URI', status: 400, answerable: true, reason: /headers/ },
  { name: 'baddate', section: '3.1.2.12', decision: 'parse', why: 'RFC 4475: a receiver that does not use Date may accept; we never read Date' },
  { name: 'regbadct', section: '3.1.2.13', decision: 'reject', why: '§20: "?" in an unbracketed Contact URI', status: 400, answerable: true, reason: /Contact/ },
  { name: 'badaspec', section: '3.1.2.14', decision: 'reject', why: 'spaces inside <>', status: 400, answerable: false, reason: /To/ },
  { name: 'baddn', section: '3.1.2.15', decision: 'reject', why: 'unquoted display name with a comma', status: 400, answerable: false, reason: /display name/ },
  { name: 'badvers', section: '3.1.2.16', decision: 'reject', why: 'SIP/7.0: answered 505 Version Not Supported (§21.5.7)', status: 505, answerable: true, reason: /version/ },
  { name: 'mismatch01', section: '3.1.2.17', decision: 'reject', why: 'CSeq method differs from the request method', status: 400, answerable: true, reason: /CSeq method/ },
  { name: 'mismatch02', section: '3.1.2.18', decision: 'reject', why: 'same, with an unknown method', status: 400, answerable: true, reason: /CSeq method/ },
  { name: 'bigcode', section: '3.1.2.19', decision: 'reject', why: 'status code not three digits; a response, dropped', status: 400, answerable: false, reason: /status code/ },

  // 3.2 transaction layer.
  { name: 'badbranch', section: '3.2.1', decision: 'parse', why: 'branch is only the magic cookie: matched the RFC 2543 way', check: (m) =>
    expect(hasRfc3261Branch(viaBranch(m.topVia))).toBe(false) },

  // 3.3 application layer: all parse; the core answers those that need it (endpoint.test.ts).
  { name: 'insuf', section: '3.3.1', decision: 'reject', why: 'no To/From/Call-ID: too little to answer, dropped', status: 400, answerable: false, reason: /missing/ },
  { name: 'unkscm', section: '3.3.2', decision: 'parse', why: 'unknown scheme parses; the core answers 416', check: (m) =>
    expect(isSipUri(req(m).uri)).toBe(false) },
  { name: 'novelsc', section: '3.3.3', decision: 'parse', why: 'known but non-SIP scheme; 416', check: (m) => expect(formatUri(req(m).uri)).toBe('soap.beep://192.0.2.103:3002') },
  { name: 'unksm2', section: '3.3.4', decision: 'parse', why: 'non-SIP URIs in To, From, Contact', check: (m) => {
    expect(formatUri(m.to.uri)).toBe('isbn:2983792873');
    expect(formatUri(m.from.uri)).toBe('http://www.example.com');
  } },
  { name: 'bext01', section: '3.3.5', decision: 'parse', why: 'the core answers 420 with Unsupported', check: (m) =>
    expect(m.require).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']) },
  { name: 'invut', section: '3.3.6', decision: 'parse', why: 'unknown Content-Type: the TU answers 415' },
  { name: 'regaut01', section: '3.3.7', decision: 'parse', why: 'unknown auth scheme is opaque to us' },
  { name: 'multi01', section: '3.3.8', decision: 'reject', why: 'several CSeq, Call-ID, To, From; no single value to answer with', status: 400, answerable: false, reason: /more than one/ },
  { name: 'mcl01', section: '3.3.9', decision: 'reject', why: 'two Content-Length values', status: 400, answerable: true, reason: /Content-Length/ },
  { name: 'bcast', section: '3.3.10', decision: 'parse', why: 'a response; its second Via is not ours to act on' },
  { name: 'zeromf', section: '3.3.11', decision: 'parse', why: 'Max-Forwards 0 parses; OPTIONS is answered 200, others 483', check: (m) => expect(m.maxForwards).toBe(0) },
  { name: 'cparam01', section: '3.3.12', decision: 'parse', why: 'header param on an unbracketed Contact', check: (m) => {
    const c = m.contact as NameAddr;
    expect(c.params.has('unknownparam')).toBe(true);
    expect(sipUri(c).params.size).toBe(0);
  } },
  { name: 'cparam02', section: '3.3.13', decision: 'parse', why: 'URI param inside <>', check: (m) =>
    expect(sipUri(m.contact as NameAddr).params.has('unknownparam')).toBe(true) },
  { name: 'regescrt', section: '3.3.14', decision: 'parse', why: 'URI headers are fine in a bracketed Contact', check: (m) =>
    expect(sipUri(m.contact as NameAddr).headers).toEqual([['Route', '%3Csip:sip.example.com%3E']]) },
  { name: 'sdp01', section: '3.3.15', decision: 'parse', why: 'Accept we cannot meet: the TU answers 406' },
  // 3.4 backward compatibility.
  { name: 'inv2543', section: '3.4.1', decision: 'parse', why: 'RFC 2543 peer: no branch, no tags, no Content-Length (datagram)', check: (m) => {
    expect(viaBranch(m.topVia)).toBeUndefined();
    expect(m.body.length).toBeGreaterThan(0);
  } },
];

describe('RFC 4475 torture messages', () => {
  it('has a row for every fixture and a fixture for every row', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4)).sort();
    expect(ROWS.map((r) => r.name).sort()).toEqual(files);
    expect(files).toHaveLength(49);
  });

  for (const row of ROWS) {
    it(`${row.section} ${row.name}: ${row.decision} (${row.why})`, () => {
      const data = load(row.name);
      if (row.decision === 'parse') {
        const msg = parseMessage(data, { datagram: true });
        row.check?.(msg);
        // What we parse, we can write back and read again.
        expect(() => parseMessage(serialize(msg), { datagram: false })).not.toThrow();
        return;
      }
      let err: unknown;
      try {
        parseMessage(data, { datagram: true });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SipError);
      const e = err as SipError;
      expect(e.message).toMatch(row.reason);
      expect(e.status).toBe(row.status);
      const answer = e.partial ? createErrorResponse(e.partial, e.status ?? 400, `Bad Request (${e.message})`, 'tag1') : undefined;
      expect(answer !== undefined).toBe(row.answerable);
      if (answer) {
        expect(answer.status).toBe(row.status);
        expect(answer.reason).toContain(e.message.replace(/[<>"]/g, ' ').replace(/\s+/g, ' ').trim());
        // (A 505 echoes the peer's foreign-version Via, which we would not parse ourselves.)
        if (answer.status !== 505) expect(() => parseMessage(serialize(answer))).not.toThrow();
      }
    });
  }

  it('survives every fixture on a stream too (never anything but SipError)', () => {
    for (const row of ROWS) {
      try {
        parseMessage(load(row.name), { datagram: false });
      } catch (e) {
        expect(e).toBeInstanceOf(SipError);
      }
    }
  });
});
