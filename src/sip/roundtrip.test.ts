import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutate, prng, request } from '../../test/sip/sip-grammar.js';
import { createResponse } from './builders.js';
import { SipError } from './errors.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseMessage } from './parse.js';
import { serialize } from './serialize.js';
import { receiveMessage } from './transport.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { SipEndpoint } from './endpoint.js';
import { MemoryTransport } from './memory-transport.js';
import type { Destination } from './transport.js';

/**
 * The property behind the one-packet crashes: every request the parser accepts can be answered. Its
 * 4xx and its 2xx (From, To, Via, Call-ID, CSeq and Record-Route copied, §8.2.6.2) serialize, and parse
 * back with the same fields. Requests come from the SIP grammar (test/sip/sip-grammar.ts), then the
 * same requests mutated byte by byte, then the captured and torture messages mutated.
 */

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const corpus = (): Buffer[] =>
  readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(dat|sip)$/.test(f))
    .map((f) => readFileSync(`${FIXTURES}${f}`));

function tryParse(data: Buffer | string): SipMessage | undefined {
  try {
    return parseMessage(data, { datagram: true });
  } catch (err) {
    // The parser refuses only with SipError: anything else is a crash.
    if (!(err instanceof SipError)) throw err;
    return undefined;
  }
}

/** Answers `req` with `status` and checks that the response survives the wire. */
function answerRoundTrips(req: SipRequest, status: number): void {
  const res = createResponse(req, status, undefined, { toTag: 'as7dfg', ...(status < 300 ? { body: 'v=0\r\n', headers: { 'Content-Type': 'application/sdp' } } : {}) });
  const back = parseMessage(serialize(res));
  expect(back).toBeInstanceOf(SipResponse);
  for (const name of ['Via', 'From', 'Call-ID', 'CSeq']) expect(back.getAll(name), name).toEqual(req.getAll(name));
  const dialogForming = (req.method === 'INVITE' || req.method === 'SUBSCRIBE') && status < 300;
  expect(back.getAll('Record-Route')).toEqual(dialogForming ? req.getAll('Record-Route') : []);
  expect(back.get('To')?.startsWith(req.get('To') ?? '\0')).toBe(true);
}

function propertyHolds(data: Buffer | string): boolean {
  const msg = tryParse(data);
  if (!(msg instanceof SipRequest)) return false;
  for (const status of [400, 486, 200]) answerRoundTrips(msg, status);
  return true;
}

describe('every request the parser accepts can be answered (4xx and 2xx serialize and parse back)', () => {
  it('for requests generated from the grammar, which it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(request, (text) => {
        if (propertyHolds(text)) accepted++;
      }),
      { numRuns: 1500, seed: 4475 },
    );
    // The generator writes valid SIP: nearly everything must parse, or the property tests little.
    expect(accepted).toBeGreaterThan(1400);
  });

  it('for those requests mutated (control characters, line breaks, cut and swapped lines)', () => {
    fc.assert(
      fc.property(request, fc.integer(), (text, seed) => {
        propertyHolds(mutate(Buffer.from(text, 'utf8'), prng(seed)));
      }),
      { numRuns: 3000, seed: 5118 },
    );
  });

  it('for the captured messages (SIPp, baresip, hookline) as they were on the wire', () => {
    const dir = `${FIXTURES}captured/`;
    const names = readdirSync(dir).filter((f) => f.endsWith('.sip'));
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      const msg = parseMessage(readFileSync(`${dir}${name}`), { datagram: true });
      if (msg instanceof SipRequest && msg.method !== 'ACK') expect(propertyHolds(readFileSync(`${dir}${name}`)), name).toBe(true);
      expect(parseMessage(serialize(msg)).getAll('Via'), name).toEqual(msg.getAll('Via'));
    }
  });

  it('for the captured and torture messages, mutated', () => {
    const seeds = corpus();
    expect(seeds.length).toBeGreaterThan(40);
    const rnd = prng(3261);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) if (propertyHolds(mutate(seeds[i % seeds.length] as Buffer, rnd))) accepted++;
    expect(accepted).toBeGreaterThan(0);
  });

  it('and what it refuses is answered or dropped by the transport without a throw', () => {
    const rnd = prng(17);
    const seeds = corpus();
    const replies: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const data = mutate(seeds[i % seeds.length] as Buffer, rnd);
      receiveMessage(data, { transport: 'UDP', address: '192.0.2.9', port: 5060 }, {
        datagram: true,
        logger: silentLogger,
        deliver: () => undefined,
        reply: (b) => replies.push(b),
      });
    }
    // Every answer the transport wrote for a refused message is a response that parses, except that a 505
    // copies the Via of the other SIP version it answers, which only that version's parser reads.
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) {
      if (r.toString('latin1').startsWith('SIP/2.0 505 ')) continue;
      expect(parseMessage(r)).toBeInstanceOf(SipResponse);
    }
  });
});

/** Records what it was asked to send that does not parse, instead of letting the endpoint absorb the throw. */
class CheckingTransport extends MemoryTransport {
  readonly unparseable: Buffer[] = [];
  override send(data: Buffer, dest: Destination): Promise<void> {
    try {
      return super.send(data, dest);
    } catch {
      this.unparseable.push(data);
      return Promise.resolve();
    }
  }
}

describe('everything the endpoint sends in answer to fuzzed requests parses back', () => {
  it('3,000 generated and mutated requests through a SipEndpoint whose TU rings, answers and refuses', () => {
    const clock = new FakeClock(0);
    const udp = new CheckingTransport('UDP', '192.0.2.1', 5060);
    let n = 0;
    const ep = new SipEndpoint({
      host: '192.0.2.1',
      clock,
      random: () => `r${++n}`,
      userAgent: 'hookline-test',
      onRequest: (req, tx) => {
        if (req.method !== 'INVITE') return void tx.respond(200);
        tx.respond(180);
        if (n % 2) tx.respond(200, 'OK', { headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
        else tx.respond(486);
      },
    });
    ep.addTransport(udp);
    const seeds = corpus();
    const pool = fc.sample(request, { numRuns: 300, seed: 7 }).map((t) => Buffer.from(t, 'utf8'));
    const rnd = prng(99);
    let sent = 0;
    for (let i = 0; i < 3000; i++) {
      const src = i % 2 ? (pool[i % pool.length] as Buffer) : (seeds[i % seeds.length] as Buffer);
      expect(() => udp.inject(i % 10 === 0 ? src : mutate(src, rnd), { address: '192.0.2.9', port: 5062 }, (m, s) => ep.receive(m, s))).not.toThrow();
      if (i % 100 === 99) clock.advance(1000); // retransmissions, Timer G/H/J/L
      sent += udp.take().length;
    }
    clock.advance(64_000);
    sent += udp.take().length;
    expect(udp.unparseable.map((b) => b.toString('latin1'))).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    for (const r of udp.replies) if (!r.toString('latin1').startsWith('SIP/2.0 505 ')) expect(parseMessage(r)).toBeInstanceOf(SipResponse);
  });
});
