import { createHash } from 'node:crypto';
import type { Context } from 'hono';

/**
 * A strong ETag from the representation itself (RFC 9110 §8.8.3): equal JSON, equal tag. Two people
 * who read the same version hold the same tag, and the first write changes it for the second.
 */
export function etagOf(value: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22)}"`;
}

/** The If-Match header's tags (a list, or `*`); undefined when absent. Weak tags never match (§13.1.1). */
export function ifMatch(c: Context): string[] | undefined {
  const h = c.req.header('If-Match');
  if (h === undefined) return undefined;
  return h.split(',').map((t) => t.trim()).filter((t) => t !== '');
}
