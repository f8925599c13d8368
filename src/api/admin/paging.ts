/**
 * The lists' paging, as every list operation takes and answers it: `?limit=` (default 50, at most 200)
 * and `?cursor=` (the previous page's `next_cursor`, passed back unread), answered with
 * `{ items, next_cursor }`, `next_cursor` null on the last page.
 */
import { z } from 'zod';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Items per page (default 50, at most 200)' }),
  cursor: z.string().min(1).max(500).optional().meta({ description: 'next_cursor of the previous page' }),
};

/** The response schema of a page of `item`s. */
export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });
