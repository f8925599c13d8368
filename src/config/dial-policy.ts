/**
 * The dial-out policy (`HOOKLINE_DIAL_ALLOW`): which numbers the server may call (Find Me legs,
 * transfers, Click-to-Call). A webhook response can name any number, so an open policy lets whoever
 * controls a webhook run up a phone bill; the default allows only what a North American business
 * normally calls.
 *
 * Pattern syntax (a pattern matches the whole number):
 *   0-9 and +   themselves; a pattern without a leading + gets one (`44.` is `+44.`)
 *   X           any digit          Z   a digit 1-9          N   a digit 2-9
 *   .           one or more digits
 *   !pattern    refuse what matches, whatever else allows it
 *   default     (settings only) the default list below, e.g. `default,+44.` adds the UK
 * Numbers are matched in E.164 form: spaces, dashes, dots and parentheses are dropped, 10 digits get
 * +1 and 11 digits starting with 1 get + (North American habits), any other digits get +.
 *
 * The same rules as src/flow/dial-policy.ts, which enforces the policy at dial time: settings only
 * accepts patterns that policy can compile, and its default is this list.
 */

/** Area codes of the North American Numbering Plan outside the US and Canada: billed as international. */
const NANP_ABROAD = [
  '242', '246', '264', '268', '284', '345', '441', '473', '649', '658', '664',
  '721', '758', '767', '784', '809', '829', '849', '868', '869', '876',
];

export const DEFAULT_DIAL_ALLOW: readonly string[] = [
  // US and Canada, geographic and toll-free (8YY) alike: +1, area code NXX, exchange NXX, line XXXX.
  '+1NXXNXXXXXX',
  // Premium rate: the 900 area code and the 976 exchange.
  '!+1900NXXXXXX',
  '!+1NXX976XXXX',
  // The Caribbean and Atlantic members of +1, international in price and the usual toll-fraud targets.
  ...NANP_ABROAD.map((area) => `!+1${area}.`),
];

/** E.164 form of a dialable number, or undefined when it is not one (a SIP URI, letters). */
export function normaliseDialNumber(raw: string): string | undefined {
  const n = raw.replace(/[\s().-]/g, '');
  if (!/^\+?[0-9]+$/.test(n)) return undefined;
  if (n.startsWith('+')) return n;
  if (n.length === 10) return `+1${n}`;
  return `+${n}`; // 11 digits starting with 1 included
}

/** The RegExp for one pattern (without its `!`), or a message saying what is wrong with it. */
export function compileDialPattern(pattern: string): RegExp | string {
  if (pattern === '' || pattern === '+') return 'empty dial pattern';
  const body = pattern.startsWith('+') ? pattern.slice(1) : pattern;
  let re = '\\+';
  for (const c of body) {
    if (/[0-9]/.test(c)) re += c;
    else if (c === 'X') re += '[0-9]';
    else if (c === 'Z') re += '[1-9]';
    else if (c === 'N') re += '[2-9]';
    else if (c === '.') re += '[0-9]+';
    else return `unexpected "${c}" in ${pattern}; patterns use digits, a leading +, X, Z, N and .`;
  }
  return new RegExp(`^${re}$`);
}

export interface DialPolicy {
  /** The patterns with `default` expanded. */
  readonly patterns: readonly string[];
  allows(number: string): boolean;
}

/** Replaces the word `default` with the default list. */
export function expandDialPatterns(patterns: readonly string[]): string[] {
  return patterns.flatMap((p) => (p.toLowerCase() === 'default' ? [...DEFAULT_DIAL_ALLOW] : [p]));
}

/** Builds the policy; throws a plain Error naming the bad pattern (settings turns it into a ConfigError). */
export function compileDialPolicy(patterns: readonly string[]): DialPolicy {
  const allow: RegExp[] = [];
  const deny: RegExp[] = [];
  const expanded = expandDialPatterns(patterns);
  for (const p of expanded) {
    const refuse = p.startsWith('!');
    const re = compileDialPattern(refuse ? p.slice(1) : p);
    if (typeof re === 'string') throw new Error(re);
    (refuse ? deny : allow).push(re);
  }
  return {
    patterns: expanded,
    allows(number) {
      const n = normaliseDialNumber(number);
      return n !== undefined && allow.some((re) => re.test(n)) && !deny.some((re) => re.test(n));
    },
  };
}
