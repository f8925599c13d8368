import { describe, expect, it } from 'vitest';
import { fuzzParser, loadCorpus } from '../../test/sip/fuzz-parser.js';

/**
 * A small, fast run of the fuzzer (bench/fuzz-sip.ts runs a million): grammar-generated and mutated
 * messages through the parser, the framer, and the answer path. Zero crashes, zero hangs.
 */
describe('SIP receive path under fuzzing', () => {
  it('20,000 generated and mutated messages: no crash, no hang, each accepted request answerable', () => {
    const r = fuzzParser({ count: 20_000, seed: 20260, corpus: loadCorpus(), poolSize: 500, hangMs: 250 });
    expect(r.findings).toEqual([]);
    expect(r.messages).toBe(20_000);
    // Both paths are exercised, not just the refusal.
    expect(r.accepted).toBeGreaterThan(2000);
    expect(r.refused).toBeGreaterThan(2000);
  });
});
