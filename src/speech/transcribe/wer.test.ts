import { describe, expect, it } from 'vitest';
import { wordErrorRate, wordErrors, words } from './wer.js';

describe('word error rate', () => {
  it('normalizes case and punctuation, keeping apostrophes inside words', () => {
    expect(words("Please, CALL me back -- it's urgent!")).toEqual(['please', 'call', 'me', 'back', "it's", 'urgent']);
  });

  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors('call me back today', 'call me back today')).toEqual({ errors: 0, words: 4 });
    expect(wordErrors('call me back today', 'tall me back today')).toEqual({ errors: 1, words: 4 });
    expect(wordErrors('call me back today', 'call back today')).toEqual({ errors: 1, words: 4 });
    expect(wordErrors('call me back today', 'call me right back today please')).toEqual({ errors: 2, words: 4 });
    expect(wordErrors('call me back', '')).toEqual({ errors: 3, words: 3 });
  });

  it('weights a corpus by words, and can exceed 1 with many insertions', () => {
    expect(wordErrorRate([{ reference: 'a b c d', hypothesis: 'a b c d' }, { reference: 'e f', hypothesis: 'x f' }])).toBeCloseTo(1 / 6);
    expect(wordErrorRate([{ reference: 'yes', hypothesis: 'what are you on that' }])).toBe(5);
    expect(wordErrorRate([])).toBe(0);
  });
});
