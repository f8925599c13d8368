import { createHash } from 'node:crypto';

/**
 * A strong ETag from the representation itself (RFC 9110 §8.8.3): equal JSON, equal tag. Two people
 * who read the same version hold the same tag, and the first write changes it for the second.
 */
export function etagOf(value: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22)}"`;
}
