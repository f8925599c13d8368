import { WebhookError } from './errors.js';

/**
 * The pass-through codec, `k|v||k|v` as in the seed (`user_id|12345||step|call_user`).
 *
 * Parsing rule, chosen to never throw on whatever a customer's server sends back:
 * - the string is cut at every `||` (left to right); each piece is one pair;
 * - a piece is split at its first `|`: key before, value after (so a value may contain single bars);
 * - a piece without `|` is a key with the empty value;
 * - empty pieces (from `''`, a leading/trailing `||`, or `||||`) and pieces with an empty key are skipped.
 * The call itself carries the string verbatim (`ivr_pass_through`); this codec is only a convenience
 * for flows and tests that want the pairs.
 */
export function parsePassThrough(s: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const piece of s.split('||')) {
    if (piece === '') continue;
    const bar = piece.indexOf('|');
    const key = bar < 0 ? piece : piece.slice(0, bar);
    const value = bar < 0 ? '' : piece.slice(bar + 1);
    if (key === '') continue;
    out.push([key, value]);
  }
  return out;
}

/**
 * The inverse of parsePassThrough. There is no escaping in the format, so a pair that could not come
 * back unchanged is refused rather than silently mangled: keys must be non-empty without `|`, values
 * must not contain `||` nor start or end with `|` (which would merge with a separator).
 */
export function formatPassThrough(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([k, v]) => {
      if (k === '' || k.includes('|')) {
        throw new WebhookError('bad_param', `pass-through key ${JSON.stringify(k)} is empty or contains "|"`);
      }
      if (v.includes('||') || v.startsWith('|') || v.endsWith('|')) {
        throw new WebhookError('bad_param', `pass-through value for "${k}" cannot be encoded: ${JSON.stringify(v)}`);
      }
      return `${k}|${v}`;
    })
    .join('||');
}
