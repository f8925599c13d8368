import { describe, expect, it } from 'vitest';
import { formatLike, numberPattern } from './format.js';

describe('the tag\'s number formats', () => {
  it.each([
    ['(800) 555-0100', '8005550161', '(800) 555-0161'],
    ['800-555-0100', '+18005550161', '800-555-0161'],
    ['800.555.0100', '8005550161', '800.555.0161'],
    ['+1 800 555 0100', '8005550161', '+1 800 555 0161'],
    ['1-800-555-0100', '18005550161', '1-800-555-0161'],
    ['tel:+18005550100', '8005550161', 'tel:+18005550161'],
    ['', '8005550161', '(800) 555-0161'],
  ])('%s with %s gives %s', (template, number, expected) => {
    expect(formatLike(template, number)).toBe(expected);
  });

  it('finds a number in any common format, and not inside longer digit runs', () => {
    const text = 'Call (800) 555-0100, 800.555.0100, +1 800 555 0100 or 1-800-555-0100; order 98005550100 is not it.';
    expect(text.match(numberPattern('8005550100'))).toEqual(['(800) 555-0100', '800.555.0100', '+1 800 555 0100', '1-800-555-0100']);
  });
});
