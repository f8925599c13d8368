/**
 * SourceTrak's public HTTP side (docs/sourcetrak.md): the website tag at `/st.js`, and `/st/visit`,
 * where the tag reports a page view and gets the visitor's numbers. Public (pages on customers' sites
 * call it, with no key), so every request is rate-limited per address, size-limited and validated;
 * the answer holds only what the server chose (a random session id and configured numbers), never
 * anything the request sent, and CORS lets only pages on the pool's domains read it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { RateLimiter } from '../lib/rate-limit.js';
import { SourcetrakError } from '../sourcetrak/errors.js';
import { originAllowed, type SourceTrak } from '../sourcetrak/service.js';
import { peerAddress } from './peer.js';

/** Where `npm run build` puts the tag (tag/ built by vite), from this file in src/api or dist/api. */
export const DEFAULT_TAG_FILE = path.resolve(import.meta.dirname, '../../dist/tag/st.js');

/** A page view's report is a few hundred bytes; this leaves room for long URLs and nothing more. */
export const MAX_VISIT_BYTES = 8 * 1024;

const text = (max: number) => z.string().max(max).default('');
const visitBody = z.object({
  pool: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  pid: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  page: z.string().min(1).max(2000),
  referrer: text(2000),
  title: text(300),
  ga: text(100),
  custom: text(200),
  unique_id: text(200),
  locations: z.array(z.string().max(100)).max(20).default(['']),
  dnt: z.boolean().default(false),
});

export interface SourcetrakRoutesOptions {
  sourcetrak: SourceTrak;
  clock: Clock;
  logger: Logger;
  /** The tag's code; default the built dist/tag/st.js (absent before `npm run build`: /st.js is then 404). */
  tag?: string;
  /** Page views per minute per address, and the burst; defaults 120 and 60. */
  rate?: { perMinute: number; burst: number };
  clientAddress?: (c: Context) => string;
}

function loadTag(logger: Logger): string | undefined {
  try {
    return readFileSync(DEFAULT_TAG_FILE, 'utf8');
  } catch {
    logger.warn({ file: DEFAULT_TAG_FILE }, 'the SourceTrak tag is not built (npm run build): /st.js answers 404');
    return undefined;
  }
}

export function sourcetrakRoutes(o: SourcetrakRoutesOptions): Hono {
  const app = new Hono();
  const code = o.tag ?? loadTag(o.logger);
  const js = code === undefined ? undefined : Buffer.from(code);
  const gz = js && gzipSync(js, { level: 9 });
  const etag = js && `"${createHash('sha256').update(js).digest('base64url').slice(0, 22)}"`;
  const limiter = new RateLimiter({ ...(o.rate ?? { perMinute: 120, burst: 60 }), clock: o.clock });
  const address = o.clientAddress ?? peerAddress;

  app.get('/st.js', (c) => {
    if (!js || !gz || !etag) return c.text('the SourceTrak tag is not built on this server', 404);
    // Public and the same for everyone: caches and CDNs may keep it; the ETag makes a refresh cheap.
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('ETag', etag);
    c.header('Vary', 'Accept-Encoding');
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    c.header('X-Content-Type-Options', 'nosniff');
    if (c.req.header('If-None-Match') === etag) return c.body(null, 304);
    if (/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gz), 200);
    }
    return c.body(new Uint8Array(js), 200);
  });

  /** CORS for a pool's own pages only; nothing for anyone else (the browser then hides the answer). */
  const cors = (c: Context, allowed: boolean): void => {
    c.header('Vary', 'Origin');
    const origin = c.req.header('Origin');
    if (allowed && origin) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Methods', 'POST');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '600');
    }
  };
  const refuse = (c: Context, status: 400 | 403 | 404 | 413 | 429, error: string): Response => {
    c.header('Cache-Control', 'no-store');
    return c.json({ error }, status);
  };

  // A preflight comes only when a page posts JSON itself; the tag sends text/plain, which needs none.
  app.options('/st/visit', (c) => {
    const pool = o.sourcetrak.pool(new URL(c.req.url).searchParams.get('pool') ?? '');
    const origin = c.req.header('Origin') ?? '';
    // Without the pool in the query the preflight cannot know the domains: allow any page to ask, the POST decides.
    cors(c, pool ? originAllowed(pool, origin) : origin !== '');
    return c.body(null, 204);
  });

  app.post(
    '/st/visit',
    async (c, next) => {
      if (!limiter.take(address(c))) {
        c.header('Retry-After', '60');
        return refuse(c, 429, 'too many requests');
      }
      await next();
    },
    bodyLimit({ maxSize: MAX_VISIT_BYTES, onError: (c) => refuse(c, 413, 'too large') }),
    async (c) => {
      let raw: unknown;
      try {
        raw = JSON.parse(await c.req.text());
      } catch {
        return refuse(c, 400, 'invalid');
      }
      const parsed = visitBody.safeParse(raw);
      if (!parsed.success) return refuse(c, 400, 'invalid');
      const b = parsed.data;
      const pool = o.sourcetrak.pool(b.pool);
      if (!pool) return refuse(c, 404, 'no such pool');
      const origin = c.req.header('Origin') ?? '';
      const allowed = originAllowed(pool, origin);
      cors(c, allowed);
      // A browser always says where a cross-site request comes from; a page elsewhere is not counted.
      if (!allowed) return refuse(c, 403, 'this site may not use the pool');
      const dnt = b.dnt || c.req.header('DNT') === '1' || c.req.header('Sec-GPC') === '1';
      try {
        const answer = await o.sourcetrak.pageView({
          pool: b.pool,
          ...(b.pid ? { pid: b.pid } : {}),
          page: b.page,
          referrer: b.referrer,
          title: b.title,
          ga: b.ga,
          custom: b.custom,
          uniqueId: b.unique_id,
          locations: b.locations,
          ip: address(c),
          userAgent: (c.req.header('User-Agent') ?? '').slice(0, 500),
          doNotTrack: dnt,
        });
        c.header('Cache-Control', 'no-store');
        return c.json(answer);
      } catch (err) {
        if (err instanceof SourcetrakError && err.code === 'unknown_pool') return refuse(c, 404, 'no such pool');
        o.logger.error({ err, pool: b.pool }, 'SourceTrak page view failed');
        c.header('Cache-Control', 'no-store');
        // The page keeps working: the default number, and nothing recorded.
        return c.json({ pid: null, numbers: Object.fromEntries(b.locations.map((l) => [l, pool.defaultNumber])), replace: pool.replaceNumbers });
      }
    },
  );
  return app;
}
