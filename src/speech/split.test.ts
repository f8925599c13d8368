import { describe, expect, it } from 'vitest';
import { normalizeText } from './input.js';
import { FIRST_MAX_WORDS, MAX_PIECE_WORDS, splitForSpeech, type SplitOptions } from './split.js';

const words = (s: string): number => s.split(' ').length;
/** The table below is about where cuts fall; these thresholds keep its texts short. */
const SMALL: SplitOptions = { firstMaxWords: 12, maxPieceWords: 40 };

describe('splitForSpeech', () => {
  it.each<[string, string, string[]]>([
    ['empty text', '', []],
    ['a short sentence stays whole', 'Your code is bakemo.', ['Your code is bakemo.']],
    ['a short text of several sentences stays whole', 'Hello. Your code is 4 2 7. Goodbye!', ['Hello. Your code is 4 2 7. Goodbye!']],
    [
      'the first piece is the first sentence',
      'Thank you for calling Acme Corporation. Please listen carefully, as our menu options have changed.',
      ['Thank you for calling Acme Corporation.', 'Please listen carefully, as our menu options have changed.'],
    ],
    [
      'a long first sentence is cut at a comma, a short later one is not',
      'Thank you for calling Acme Corporation, the home of quality widgets since 1952, and your partner in everything. For sales, press 1.',
      ['Thank you for calling Acme Corporation,', 'the home of quality widgets since 1952, and your partner in everything.', 'For sales, press 1.'],
    ],
    [
      '; and : end clauses, ? and ! end sentences',
      'Are you there? Good! Your options are these: one, sales; two, support; three, billing; four, anything else.',
      ['Are you there? Good!', 'Your options are these: one, sales; two, support; three, billing; four, anything else.'],
    ],
    [
      'numbers, times and decimals are never cut',
      'Your balance is 1,000.50 dollars as of 10:30 today. Your rate is 3.5 percent, which is 0.5 lower than last year.',
      ['Your balance is 1,000.50 dollars as of 10:30 today.', 'Your rate is 3.5 percent, which is 0.5 lower than last year.'],
    ],
    [
      'initials, abbreviations and a lower-case word after a dot do not end a sentence',
      'Dr. Smith and J. R. Jones will call at 5 p.m. tomorrow, or on Jan. 5 at the latest. Mr. Brown, e.g. Sales, may too.',
      ['Dr. Smith and J. R. Jones will call at 5 p.m. tomorrow,', 'or on Jan. 5 at the latest. Mr. Brown, e.g. Sales, may too.'],
    ],
    [
      'quotes and brackets after the punctuation stay with their sentence',
      'She said "Press one." (Or press two.) Then the call goes on to the next menu.',
      ['She said "Press one." (Or press two.)', 'Then the call goes on to the next menu.'],
    ],
    [
      'a clause without punctuation is never cut, however long',
      'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen',
      ['one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen'],
    ],
  ])('%s', (_name, text, pieces) => {
    expect(splitForSpeech(text, SMALL)).toEqual(pieces);
  });

  it('later pieces group whole sentences into growing pieces, capped', () => {
    const sentence = 'This sentence has exactly eight words in it.';
    const text = `Hello. ${Array.from({ length: 40 }, () => sentence).join(' ')}`;
    const pieces = splitForSpeech(text);
    const sizes = pieces.map(words);
    expect(sizes[0]).toBeLessThanOrEqual(FIRST_MAX_WORDS);
    expect(sizes.slice(1, -1).every((n, i) => n >= sizes[i]!)).toBe(true); // non-decreasing until the last
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PIECE_WORDS);
    expect(pieces.every((p) => /[.!?]$/.test(p))).toBe(true); // only cut between sentences here
    expect(pieces.length).toBeLessThan(12); // not one piece per sentence
  });

  it('a later sentence over the cap is cut at its commas', () => {
    const long = Array.from({ length: 12 }, (_, i) => `Item number ${i + 1} is here`).join(', ') + '.'; // 60 words
    const pieces = splitForSpeech(`Welcome. ${long}`, SMALL);
    expect(pieces[0]).toBe('Welcome.');
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.slice(1).every((p) => words(p) <= SMALL.maxPieceWords! && /[,.]$/.test(p))).toBe(true);
  });

  it('options move the thresholds', () => {
    expect(splitForSpeech('One two. Three four.', { firstMaxWords: 2 })).toEqual(['One two.', 'Three four.']);
    expect(splitForSpeech('One two. Three four.', { firstMaxWords: 4 })).toEqual(['One two. Three four.']);
  });

  it('for any text: the pieces joined give the text back, and every cut follows punctuation', () => {
    const vocab = ['Hello', 'world', 'a', '1,000', '3.5', 'Dr.', 'J.', 'Mr.', 'press', 'one.', 'two,', 'Three;', 'four:', 'five?', 'six!', '"Yes."', '(see', 'below.)', 'p.m.', 'and', 'the', 'Next.'];
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let t = 0; t < 500; t++) {
      const text = normalizeText(Array.from({ length: 1 + rand(120) }, () => vocab[rand(vocab.length)]).join(' '));
      const pieces = splitForSpeech(text);
      expect(pieces.join(' ')).toBe(text);
      expect(pieces.every((p) => p.length > 0)).toBe(true);
      for (const p of pieces.slice(0, -1)) expect(p).toMatch(/[.!?,;:]["'”’)\]]*$/);
      if (words(text) <= FIRST_MAX_WORDS) expect(pieces).toHaveLength(1);
    }
  });
});
