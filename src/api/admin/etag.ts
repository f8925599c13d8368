import type { Context } from 'hono';

export { etagOf } from '../../admin/etag.js';

/** The If-Match header's tags (a list, or `*`); undefined when absent. Weak tags never match (RFC 9110 §13.1.1). */
export function ifMatch(c: Context): string[] | undefined {
  const h = c.req.header('If-Match');
  if (h === undefined) return undefined;
  return h.split(',').map((t) => t.trim()).filter((t) => t !== '');
}
