/**
 * Phone numbers in page text: finding a number in whatever common format a page writes it, and writing
 * another number in that same format. No DOM here, so vitest checks it directly (format.test.ts).
 */

/** The national digits of a number: `+18005550100` and `18005550100` give `8005550100` (NANP). */
export function nationalDigits(number: string): string {
  const d = number.replace(/\D/g, '');
  return d.length === 11 && d.startsWith('1') ? d.slice(1) : d;
}

const SEP = '[\\s.\\-()\\u00a0]*';

/**
 * A pattern for `number` as pages write it: `8005550100`, `800-555-0100`, `(800) 555-0100`,
 * `800.555.0100`, `+1 800 555 0100`, `1-800-555-0100`; not inside a longer run of digits.
 */
export function numberPattern(number: string): RegExp {
  const d = nationalDigits(number);
  return new RegExp(`(?<![\\d])(?:\\+?1${SEP})?\\(?${d.split('').join(SEP)}(?![\\d])`, 'g');
}

/**
 * `number` written like `template`: its digits take the template's digit places from the right, so
 * `(800) 555-0100` and 8005550161 give `(800) 555-0161`, and `+1 800 555 0100` keeps its `+1 `. A
 * template without digits (an empty element) gets the usual `(800) 555-0161` for ten digits.
 */
export function formatLike(template: string, number: string): string {
  const slots = template.replace(/\D/g, '').length;
  let digits = number.replace(/\D/g, '');
  if (slots === 0) {
    const n = nationalDigits(number);
    return n.length === 10 ? `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}` : number;
  }
  // More digits than places: the template has no country code, so the number's goes.
  if (digits.length > slots) digits = digits.length - 1 === slots && digits.startsWith('1') ? digits.slice(1) : digits.slice(-slots);
  const out = template.split('');
  let k = digits.length - 1;
  for (let i = out.length - 1; i >= 0 && k >= 0; i--) if (/\d/.test(out[i] ?? '')) out[i] = digits[k--] ?? '';
  return out.join('');
}
