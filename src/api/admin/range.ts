/**
 * Byte-range responses (RFC 9110 §14) for files the API serves: audio library files and recordings.
 * A browser's <audio> element asks for `Range: bytes=0-` and then for the part it seeks to; without
 * 206 answers it cannot seek, and Safari will not play at all.
 *
 * One range per request: a multi-range request is answered with the whole file, which §14.2 allows
 * and no media player needs otherwise. `If-Range` is honoured (a range of a file replaced since the
 * client's copy would splice two files), and `If-None-Match` gives 304, so a page that plays the same
 * prompt again does not download it again.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Context } from 'hono';

export type ParsedRange = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Reads a Range header against a representation of `size` bytes. `end` is inclusive. A header that is
 * not a single valid `bytes` range is ignored (`none`: send everything), as §14.2 says it may be.
 */
export function parseRange(header: string | undefined, size: number): ParsedRange {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'none' };
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'none' };
  if (first === '') {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (!Number.isSafeInteger(start) || end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

export interface RangeSource {
  size: number;
  contentType: string;
  /** A strong validator (`"..."`); weak tags never satisfy If-Range. */
  etag: string;
  lastModified?: Date;
  /** `inline; filename=...` and the like. */
  contentDisposition?: string;
  /** The bytes start..end (inclusive). */
  open(start: number, end: number): ReadableStream<Uint8Array>;
  /** Called instead of `open` when no body is sent (304, 416, HEAD). */
  dispose?(): void;
}

/**
 * A file on disk as a RangeSource. The file is opened first and measured through its handle, so a
 * replacement renamed into place meanwhile cannot pair the old headers with the new bytes. The ETag
 * includes the inode: ext4 stamps mtimes from a clock that ticks every few milliseconds, so a file
 * replaced (renamed over) right after it was written can keep both size and mtime.
 */
export async function fileRangeSource(path: string, contentType: string, extra: { contentDisposition?: string } = {}): Promise<RangeSource> {
  const handle = await open(path, 'r');
  try {
    const s = await handle.stat();
    return {
      size: s.size,
      contentType,
      etag: `"${s.size.toString(16)}-${Math.floor(s.mtimeMs * 1000).toString(16)}-${s.ino.toString(16)}"`,
      lastModified: s.mtime,
      ...extra,
      // The stream closes the handle when it ends, fails or is cancelled (a client that stops reading).
      open: (start, end) => Readable.toWeb(handle.createReadStream({ start, end, autoClose: true })) as ReadableStream<Uint8Array>,
      dispose: () => void handle.close().catch(() => undefined),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (§13.1.2): W/"x" matches "x".
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/** If-Range (§13.1.5): the range applies only if the client's validator is still current. */
function ifRangeHolds(header: string | undefined, src: RangeSource): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === src.etag; // strong comparison only
  if (!src.lastModified) return false;
  const date = Date.parse(value);
  return Number.isFinite(date) && Math.floor(src.lastModified.getTime() / 1000) === Math.floor(date / 1000);
}

/** Answers a GET (or HEAD) for `src`: 200, 206, 304 or 416, with the headers a media player relies on. */
export function rangeResponse(c: Context, src: RangeSource): Response {
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    ETag: src.etag,
    // The file may be replaced at any time: caches must ask (and get a 304 when it was not).
    'Cache-Control': 'no-cache',
  };
  if (src.lastModified) headers['Last-Modified'] = src.lastModified.toUTCString();
  if (src.contentDisposition) headers['Content-Disposition'] = src.contentDisposition;
  const empty = (status: 200 | 304 | 206 | 416, extra: Record<string, string> = {}): Response => {
    src.dispose?.();
    return c.body(null, status, { ...headers, ...extra });
  };
  if (ifNoneMatchHits(c.req.header('If-None-Match'), src.etag)) return empty(304);

  const range = ifRangeHolds(c.req.header('If-Range'), src) ? parseRange(c.req.header('Range'), src.size) : ({ kind: 'none' } as const);
  if (range.kind === 'unsatisfiable') {
    return empty(416, { 'Content-Range': `bytes */${src.size}` });
  }
  headers['Content-Type'] = src.contentType;
  if (range.kind === 'range') {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${src.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    return c.req.method === 'HEAD' ? empty(206) : c.body(src.open(range.start, range.end), 206, headers);
  }
  headers['Content-Length'] = String(src.size);
  if (src.size === 0 || c.req.method === 'HEAD') return empty(200);
  return c.body(src.open(0, src.size - 1), 200, headers);
}
