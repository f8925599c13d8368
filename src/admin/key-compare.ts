import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented key with a configured one. Both sides are hashed first so
 * that neither the key's content nor its length shows in the time taken; an unset or empty configured
 * key matches nothing.
 */
export function keyMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected || presented === undefined) return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}
