/**
 * In-process fuzzing of the SIP receive path: messages generated from the grammar and mutated from real
 * traffic go through the parser (as a datagram, and as a TCP stream through the framer); each request it
 * accepts must be answerable (a 4xx and a 2xx that serialize and parse back), each message it refuses must
 * be refused with SipError and, when it can be answered, with a 400 that parses. Anything else is a
 * crash; a message that takes longer than `hangMs` is a hang. Shared by bench/fuzz-sip.ts (a million
 * messages) and src/sip/fuzz.test.ts (a small run in `npm test`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { createErrorResponse, createResponse } from '../../src/sip/builders.js';
import { SipError } from '../../src/sip/errors.js';
import { StreamFramer } from '../../src/sip/framing.js';
import { SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parse.js';
import { serialize } from '../../src/sip/serialize.js';
import { mutate, prng, request } from './sip-grammar.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../src/sip/fixtures');

/** The captured messages and the RFC 4475 / RFC 5118 torture messages. */
export function loadCorpus(dir = FIXTURES): Buffer[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(dat|sip)$/.test(f))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
}

export interface Finding {
  kind: 'crash' | 'hang';
  what: string;
  /** The message, base64, to replay. */
  input: string;
  ms?: number;
}

export interface FuzzReport {
  messages: number;
  accepted: number;
  refused: number;
  answered: number;
  crashes: number;
  hangs: number;
  findings: Finding[];
  maxMs: number;
  ms: number;
}

export interface FuzzOptions {
  count: number;
  seed: number;
  corpus: Buffer[];
  /** Grammar-generated requests per pool; a new pool every `poolEvery` messages. */
  poolSize?: number;
  poolEvery?: number;
  hangMs?: number;
  onProgress?(r: FuzzReport): void;
}

/** Draws `n` requests from the grammar, seeded. */
export function grammarPool(n: number, seed: number): Buffer[] {
  return fc.sample(request, { numRuns: n, seed }).map((t) => Buffer.from(t, 'utf8'));
}

export function fuzzParser(o: FuzzOptions): FuzzReport {
  const rnd = prng(o.seed);
  const poolSize = o.poolSize ?? 2000;
  const poolEvery = o.poolEvery ?? 100_000;
  const hangMs = o.hangMs ?? 100;
  const r: FuzzReport = { messages: 0, accepted: 0, refused: 0, answered: 0, crashes: 0, hangs: 0, findings: [], maxMs: 0, ms: 0 };
  const started = performance.now();
  let pool: Buffer[] = [];
  const note = (f: Finding): void => {
    if (f.kind === 'crash') r.crashes++;
    else r.hangs++;
    if (r.findings.length < 50) r.findings.push(f);
  };
  for (let i = 0; i < o.count; i++) {
    if (i % poolEvery === 0) pool = grammarPool(poolSize, o.seed + i);
    const roll = rnd();
    const source = roll < 0.5 ? (pool[Math.floor(rnd() * pool.length)] as Buffer) : (o.corpus[Math.floor(rnd() * o.corpus.length)] as Buffer);
    const data = roll < 0.1 ? source : mutate(source, rnd);
    const t0 = performance.now();
    try {
      checkOne(data, r, rnd() < 0.1);
    } catch (err) {
      note({ kind: 'crash', what: err instanceof Error ? `${err.name}: ${err.message}` : String(err), input: data.toString('base64') });
    }
    let dt = performance.now() - t0;
    if (dt > hangMs) {
      // A pause of the whole process (GC, another process on the core) is no hang of the parser: time
      // the message again, and call it a hang only if it is slow every time.
      for (let k = 0; k < 3 && dt > hangMs; k++) {
        const t1 = performance.now();
        try {
          checkOne(data, { ...r, findings: [] }, false);
          checkOne(data, { ...r, findings: [] }, true);
        } catch {
          // already counted above
        }
        dt = Math.min(dt, performance.now() - t1);
      }
      if (dt > hangMs) note({ kind: 'hang', what: `${dt.toFixed(0)} ms for one message, every time`, input: data.toString('base64'), ms: dt });
    }
    if (dt > r.maxMs) r.maxMs = dt;
    r.messages++;
    if (o.onProgress && r.messages % 50_000 === 0) o.onProgress({ ...r, ms: performance.now() - started });
  }
  r.ms = performance.now() - started;
  return r;
}

/** One message through the receive path; throws on anything that is not the expected behaviour. */
function checkOne(data: Buffer, r: FuzzReport, asStream: boolean): void {
  const frames = asStream ? new StreamFramer().push(data).frames : [data];
  for (const frame of frames) {
    let msg;
    try {
      msg = parseMessage(frame, { datagram: !asStream });
    } catch (err) {
      if (!(err instanceof SipError)) throw err;
      r.refused++;
      const answer = err.partial ? createErrorResponse(err.partial, err.status ?? 400, `Bad Request (${err.message})`, 'fz1') : undefined;
      if (answer) {
        r.answered++;
        const wire = serialize(answer);
        // A 505 copies the Via of the other version it answers, which our own parser refuses.
        if (answer.status !== 505) parseMessage(wire);
      }
      continue;
    }
    r.accepted++;
    if (!(msg instanceof SipRequest)) continue;
    for (const status of [486, 200]) {
      const res = createResponse(msg, status, undefined, { toTag: 'fz2', ...(status === 200 ? { body: 'v=0\r\n' } : {}) });
      const back = parseMessage(serialize(res));
      if (back.get('From') !== msg.get('From') || back.getAll('Via').join() !== msg.getAll('Via').join()) {
        throw new Error(`the ${status} did not carry the request's From and Via back`);
      }
    }
  }
}
