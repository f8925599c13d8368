/**
 * SIP requests generated from the RFC 3261 §25 grammar (fast-check arbitraries), and byte-level mutation
 * of any message, for the round-trip property test (src/sip/roundtrip.test.ts) and the fuzzers
 * (bench/fuzz-sip.ts). Generation covers what real peers send and what the grammar allows but few send:
 * compact and odd-cased names, LWS and folding, quoted strings with quoted-pairs (escaped control
 * characters included), IPv6 references, absolute URIs, extension headers, bodies.
 */
import fc from 'fast-check';

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = '0123456789';
const TOKEN_CHARS = `${ALPHA}${DIGIT}-.!%*_+\`'~`;
const UNRESERVED_CHARS = `${ALPHA}${DIGIT}-_.!~*'()`;

const chars = (set: string, min = 1, max = 12): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...set), { minLength: min, maxLength: max }).map((a) => a.join(''));

export const token = chars(TOKEN_CHARS);
const word = chars(`${TOKEN_CHARS}()<>:\\"/[]?{}`);
const escaped = fc.integer({ min: 0, max: 255 }).map((n) => `%${n.toString(16).padStart(2, '0').toUpperCase()}`);
const userPart = fc.array(fc.oneof({ weight: 8, arbitrary: chars(`${UNRESERVED_CHARS}&=+$,;?/`, 1, 1) }, { weight: 1, arbitrary: escaped }), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const label = chars(`${ALPHA}${DIGIT}`, 1, 10);
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc.ipV6().map((a) => `[${a}]`);
export const host = fc.oneof({ weight: 4, arbitrary: hostname }, { weight: 3, arbitrary: ipv4 }, { weight: 2, arbitrary: ipv6 });
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
/** paramchar = param-unreserved / unreserved / escaped (§25.1 uri-parameter). */
const paramchars = fc.array(fc.oneof({ weight: 8, arbitrary: chars(`${UNRESERVED_CHARS}[]/:&+$`, 1, 1) }, { weight: 1, arbitrary: escaped }), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const uriParam = fc.tuple(paramchars, fc.option(paramchars, { nil: undefined })).map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`));
const uriParams = fc.array(fc.oneof(uriParam, fc.constantFrom(';transport=udp', ';transport=tcp', ';lr', ';user=phone', ';maddr=192.0.2.1')), { maxLength: 3 }).map((a) => a.join(''));

export const sipUri = fc
  .record({ scheme: fc.constantFrom('sip', 'sips', 'SIP'), user: fc.option(userPart, { nil: undefined }), host, port, params: uriParams })
  .map((u) => `${u.scheme}:${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}${u.params}`);
const absoluteUri = fc.oneof(
  chars(`${DIGIT}-`, 3, 12).map((n) => `tel:+${n}`),
  fc.constantFrom('urn:service:sos', 'http://example.com/x', 'mailto:a@example.com'),
);
const anyUri = fc.oneof({ weight: 6, arbitrary: sipUri }, { weight: 1, arbitrary: absoluteUri });

/** Whitespace the grammar allows around separators: none, SP, HTAB, or a folded line (CRLF + SP). */
const lws = fc.constantFrom('', '', '', ' ', '  ', '\t', '\r\n ', '\r\n\t');
const sws = lws;

/** qdtext plus quoted-pairs, escaped control characters (RFC 4475 §3.1.1.2) among them. */
const quotedString = fc
  .array(
    fc.oneof(
      { weight: 10, arbitrary: chars(`${ALPHA}${DIGIT} !#$%&'()*+,-./:;<=>?@[]^_\`{|}~`, 1, 1) },
      { weight: 2, arbitrary: fc.constantFrom('é', '大', '\u00a0') },
      { weight: 2, arbitrary: fc.constantFrom('\\"', '\\\\', '\\a', '\\\u0000', '\\\u0007', '\\\u007f', '\\\t') },
      { weight: 1, arbitrary: fc.constant('\t') },
    ),
    { maxLength: 16 },
  )
  .map((a) => `"${a.join('')}"`);
const displayName = fc.oneof(fc.constant(''), fc.array(token, { minLength: 1, maxLength: 3 }).map((a) => `${a.join(' ')} `), quotedString.map((q) => `${q} `));
const genericParam = fc
  .tuple(token, fc.option(fc.oneof(token, quotedString), { nil: undefined }), sws)
  .map(([n, v, w]) => (v === undefined ? `${w};${w}${n}` : `${w};${n}${w}=${w}${v}`));
const params = (extra: fc.Arbitrary<string>[] = []) => fc.array(fc.oneof(genericParam, ...extra), { maxLength: 3 }).map((a) => a.join(''));

export const nameAddr = (tag: boolean) =>
  fc
    .tuple(displayName, anyUri, params(), fc.boolean(), tag ? token.map((t) => `;tag=${t}`) : fc.constant(''))
    // The addr-spec form only where nothing in the URI or the parameters could be mistaken for more (§20).
    .map(([d, u, p, bare, t]) => (bare && d === '' && !/[;?,]/.test(u) && !/["<>]/.test(p) ? `${u}${t}${p}` : `${d}<${u}>${t}${p}`));

const via = fc
  .record({
    version: fc.constantFrom('SIP/2.0', 'sip/2.0'),
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'udp', 'WS'),
    host,
    port,
    branch: token.map((t) => `z9hG4bK${t}`),
    extra: params([fc.constantFrom(';rport', ';received=192.0.2.9', ';ttl=16', ';maddr=224.2.0.1')]),
    w: lws,
  })
  .map((v) => `${v.version}/${v.transport}${v.w === '' ? ' ' : v.w.includes('\n') ? ` ${v.w}` : v.w}${v.host}${v.port ? `:${v.port}` : ''};branch=${v.branch}${v.extra}`);

const callId = fc.tuple(word, fc.option(word, { nil: undefined })).map(([a, b]) => (b === undefined ? a : `${a}@${b}`));
/** TEXT-UTF8 for extension header values: printable, LWS, UTF-8, quoted strings. */
const textValue = fc
  .array(fc.oneof({ weight: 8, arbitrary: chars(`${ALPHA}${DIGIT} !#$%&'()*+,-./:;<=>?@[]^_\`{|}~`, 1, 8) }, { weight: 1, arbitrary: quotedString }, { weight: 1, arbitrary: fc.constantFrom('\ufeff大停電', 'ñ', '\t') }), { maxLength: 6 })
  .map((a) => a.join(''));

const HEADER_NAMES: Record<string, string[]> = {
  Via: ['Via', 'v', 'VIA', 'via'],
  From: ['From', 'f', 'FROM'],
  To: ['To', 't', 'tO'],
  'Call-ID': ['Call-ID', 'i', 'call-id'],
  CSeq: ['CSeq', 'CSEQ', 'cseq'],
  Contact: ['Contact', 'm', 'CONTACT'],
};
const nameOf = (canonical: string) => fc.constantFrom(...(HEADER_NAMES[canonical] ?? [canonical]));
const header = (canonical: string, value: fc.Arbitrary<string>) =>
  fc.tuple(nameOf(canonical), fc.constantFrom('', ' ', '\t', ' \t'), lws, value).map(([n, before, after, v]) => `${n}${before}:${after === '' ? ' ' : after}${v}`);

export const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('INVITE', 'OPTIONS', 'BYE', 'CANCEL', 'REGISTER', 'INFO', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY') }, { weight: 1, arbitrary: token });

const SDP_BODY = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n';

/** A whole request as wire text, its headers in random order after the start line. */
export const request: fc.Arbitrary<string> = fc
  .record({
    method,
    uri: anyUri,
    vias: fc.array(via, { minLength: 1, maxLength: 3 }),
    viaJoined: fc.boolean(),
    from: nameAddr(true),
    to: nameAddr(false),
    callId,
    cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    contacts: fc.array(nameAddr(false), { maxLength: 2 }),
    routes: fc.array(sipUri.map((u) => `<${u};lr>`), { maxLength: 2 }),
    extensions: fc.array(fc.tuple(token, textValue), { maxLength: 4 }),
    body: fc.oneof(fc.constant(''), fc.constant(SDP_BODY), textValue),
    order: fc.infiniteStream(fc.nat()),
  })
  .chain((r) =>
    fc
      .tuple(
        fc.tuple(...(r.viaJoined ? [header('Via', fc.constant(r.vias.join(', ')))] : r.vias.map((v) => header('Via', fc.constant(v))))),
        header('From', fc.constant(r.from)),
        header('To', fc.constant(r.to)),
        header('Call-ID', fc.constant(r.callId)),
        header('CSeq', fc.constant(`${r.cseq} ${r.method}`)),
        r.contacts.length ? header('Contact', fc.constant(r.contacts.join(', '))) : fc.constant(''),
      )
      .map(([vias, from, to, cid, cseq, contact]) => {
        const lines = [...vias, from, to, cid, cseq];
        if (contact) lines.push(contact);
        if (r.maxForwards !== undefined) lines.push(`Max-Forwards: ${r.maxForwards}`);
        for (const rt of r.routes) lines.push(`Route: ${rt}`);
        for (const [n, v] of r.extensions) lines.push(`X-${n}: ${v}`);
        if (r.body === SDP_BODY) lines.push('Content-Type: application/sdp');
        // Shuffle: header order is free except among fields of the same name (§7.3.1).
        const shuffled = shuffleKeepingSameNames(lines, r.order);
        const body = Buffer.from(r.body, 'utf8');
        return `${r.method} ${r.uri} SIP/2.0\r\n${shuffled.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${r.body}`;
      }),
  );

function shuffleKeepingSameNames(lines: string[], order: fc.Stream<number>): string[] {
  const out = [...lines];
  const it = order[Symbol.iterator]();
  for (let i = out.length - 1; i > 0; i--) {
    const j = (it.next().value as number) % (i + 1);
    const a = out[i] as string;
    const b = out[j] as string;
    const nameA = a.slice(0, a.indexOf(':')).trim().toLowerCase();
    const nameB = b.slice(0, b.indexOf(':')).trim().toLowerCase();
    if (nameA === nameB || HEADER_NAMES.Via?.map((n) => n.toLowerCase()).includes(nameA) || HEADER_NAMES.Via?.map((n) => n.toLowerCase()).includes(nameB)) continue;
    out[i] = b;
    out[j] = a;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Mutation

/** Bytes that break parsers: control characters, separators, quotes, brackets, high bytes. */
const NASTY = [0x00, 0x07, 0x09, 0x0a, 0x0d, 0x1b, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x40, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xc3, 0xff];
const SNIPPETS = ['\r\n', '\r', '\n', '\r\n\r\n', ' ', ';', ',', ':', '"', '\\', '<', '>', '@', '[', ']', '%', '%00', 'tag=', ';branch=', 'SIP/2.0', 'Content-Length: 99999', 'Content-Length: -1', 'Via: SIP/2.0/UDP', 'tel:+1', ';transport=sctp', '\u0000', 'z9hG4bK', '\ufeff'];

/** A small deterministic PRNG (mulberry32), so that a fuzz run is repeatable from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Applies 1 to 4 random mutations: byte flips, nasty bytes, snippets, deleted, duplicated or swapped lines, cuts. */
export function mutate(input: Buffer, rnd: () => number): Buffer {
  let buf = input;
  const n = 1 + Math.floor(rnd() * 4);
  const pick = (len: number): number => Math.floor(rnd() * Math.max(1, len));
  for (let k = 0; k < n; k++) {
    const op = Math.floor(rnd() * 9);
    const at = pick(buf.length);
    switch (op) {
      case 0: {
        const b = Buffer.from(buf);
        if (b.length) b[at] = Math.floor(rnd() * 256);
        buf = b;
        break;
      }
      case 1:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([NASTY[pick(NASTY.length)] as number]), buf.subarray(at)]);
        break;
      case 2:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(SNIPPETS[pick(SNIPPETS.length)] as string, 'utf8'), buf.subarray(at)]);
        break;
      case 3:
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + pick(8)))]);
        break;
      case 4:
      case 5:
      case 6: {
        const lines = buf.toString('latin1').split('\r\n');
        const i = pick(lines.length);
        const j = pick(lines.length);
        if (op === 4) lines.splice(i, 1);
        else if (op === 5) lines.splice(i, 0, lines[j] ?? '');
        else [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        buf = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 7:
        buf = buf.subarray(0, at);
        break;
      case 8: {
        // A long run of one character, for super-linear regular expressions.
        const ch = String.fromCharCode(NASTY[pick(NASTY.length)] as number);
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from((rnd() < 0.5 ? ch : 'a;').repeat(200 + pick(rnd() < 0.05 ? 30_000 : 4000)), 'latin1'), buf.subarray(at)]);
        break;
      }
    }
  }
  return buf;
}
