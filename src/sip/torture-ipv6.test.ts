import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createErrorResponse, createResponse } from './builders.js';
import { SipError } from './errors.js';
import type { NameAddr } from './header-values.js';
import { SipRequest, type SipMessage } from './message.js';
import { parseMessage } from './parse.js';
import { serialize } from './serialize.js';
import { responseDestination } from './transport.js';
import type { SipUri } from './uri.js';

/**
 * RFC 5118 torture messages for IPv6 (fixtures/rfc5118/*.dat): a row for each saying what we do and
 * why. Valid ones must parse, be answerable (a response that serializes and parses back) and give the
 * addresses the RFC means; invalid ones must be refused with SipError and the status to answer with.
 */
const dir = fileURLToPath(new URL('./fixtures/rfc5118/', import.meta.url));
const load = (name: string): Buffer => readFileSync(`${dir}${name}.dat`);
const uriOf = (m: SipMessage): SipUri => (m as SipRequest).uri as SipUri;
const source = { transport: 'UDP' as const, address: '2001:db8::9:1', port: 5060 };

type Row =
  | { name: string; section: string; decision: 'parse'; why: string; check?: (m: SipRequest) => void }
  | { name: string; section: string; decision: 'reject'; why: string; status: number; reason: RegExp };

const ROWS: Row[] = [
  { name: 'ipv6-good', section: '4.1', decision: 'parse', why: 'IPv6 references in Request-URI, Via and Contact', check: (m) => {
    expect(uriOf(m).host).toBe('[2001:db8::10]');
    expect(m.topVia.host).toBe('[2001:db8::9:1]');
    expect(((m.contact as NameAddr).uri as SipUri).host).toBe('[2001:db8::1]');
    expect(responseDestination(m, source)).toEqual({ transport: 'UDP', address: '2001:db8::9:1', port: 5060 });
  } },
  { name: 'ipv6-bad', section: '4.2', decision: 'reject', why: 'an IPv6 address without brackets in the Request-URI', status: 400, reason: /Request-URI/ },
  { name: 'port-ambiguous', section: '4.3', decision: 'parse', why: 'syntactically an address ending in :5070 and no port; we do not guess', check: (m) => {
    expect(uriOf(m).host).toBe('[2001:db8::10:5070]');
    expect(uriOf(m).port).toBeUndefined();
  } },
  { name: 'port-unambiguous', section: '4.4', decision: 'parse', why: 'address and port', check: (m) => {
    expect(uriOf(m).host).toBe('[2001:db8::10]');
    expect(uriOf(m).port).toBe(5070);
  } },
  { name: 'via-received-param-with-delim', section: '4.5', decision: 'parse', why: 'received= with brackets', check: (m) => {
    expect(m.topVia.params.get('received')).toBe('[2001:db8::9:255]');
    expect(responseDestination(m, source).address).toBe('2001:db8::9:255');
  } },
  { name: 'via-received-param-no-delim', section: '4.5', decision: 'parse', why: 'received= without brackets (RFC 3261 grammar)', check: (m) => {
    expect(m.topVia.params.get('received')).toBe('2001:db8::9:255');
    expect(responseDestination(m, source).address).toBe('2001:db8::9:255');
  } },
  { name: 'ipv6-in-sdp', section: '4.6', decision: 'parse', why: 'IPv6 in the SDP body (the media layer decides on it)', check: (m) => {
    expect(m.text).toContain('c=IN IP6 2001:db8::20');
  } },
  { name: 'mult-ip-in-header', section: '4.7', decision: 'parse', why: 'IPv6 and IPv4 Vias, received= IPv4 on an IPv6 Via', check: (m) => {
    expect(m.vias.map((v) => [v.host, v.port])).toEqual([['[2001:db8::9:1]', 6050], ['192.0.2.1', undefined], ['[2001:db8::9:255]', undefined]]);
    expect(m.vias[2]?.params.get('received')).toBe('192.0.2.200');
  } },
  { name: 'mult-ip-in-sdp', section: '4.8', decision: 'parse', why: 'IPv4 and IPv6 media lines', check: (m) => expect(m.text).toContain('c=IN IP6 2001:db8::1') },
  { name: 'ipv4-mapped-ipv6', section: '4.9', decision: 'parse', why: 'IPv4-mapped IPv6 references', check: (m) => {
    expect(m.topVia.host).toBe('[::ffff:192.0.2.10]');
    expect(m.topVia.port).toBe(19823);
  } },
  { name: 'ipv6-bug-abnf-3-colons', section: '4.10', decision: 'parse', why: 'RFC 3261\'s ABNF admits three colons: accepted as sent (we never route to it), copied back unchanged', check: (m) => {
    expect(uriOf(m).host).toBe('[2001:db8:::192.0.2.1]');
  } },
  { name: 'ipv6-correct-abnf-2-colons', section: '4.10', decision: 'parse', why: 'the correct form', check: (m) => expect(uriOf(m).host).toBe('[2001:db8::192.0.2.1]') },
];

describe('RFC 5118 torture messages (IPv6)', () => {
  it('has a row for every fixture and a fixture for every row', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4)).sort();
    expect(ROWS.map((r) => r.name).sort()).toEqual(files);
    expect(files).toHaveLength(12);
  });

  for (const row of ROWS) {
    it(`${row.section} ${row.name}: ${row.decision} (${row.why})`, () => {
      const data = load(row.name);
      if (row.decision === 'parse') {
        const msg = parseMessage(data, { datagram: true });
        expect(msg).toBeInstanceOf(SipRequest);
        row.check?.(msg as SipRequest);
        expect(parseMessage(serialize(msg)).get('Via')).toBe(msg.get('Via'));
        // Answerable: a 4xx and a 2xx that serialize and parse back with the request's addresses.
        for (const status of [404, 200]) {
          const back = parseMessage(serialize(createResponse(msg as SipRequest, status, undefined, { toTag: 'v6' })));
          expect(back.getAll('Via')).toEqual(msg.getAll('Via'));
          expect(back.get('From')).toBe(msg.get('From'));
        }
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
      // Refused cleanly: answered with a 400 that itself parses.
      const answer = createErrorResponse(e.partial!, row.status, `Bad Request (${e.message})`, 'tag1');
      expect(answer?.status).toBe(row.status);
      expect(parseMessage(serialize(answer!)).getAll('Via')).toEqual(e.partial!.headers.filter((h) => h.name === 'Via').map((h) => h.value));
    });
  }
});
