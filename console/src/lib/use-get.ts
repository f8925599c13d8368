/**
 * Reading from the API while a page shows: one GET and its answer or error (useGet), and a list read a
 * page at a time with the server's cursor (usePaged). An answer that arrives after the page moved on is
 * dropped: the request is aborted when the path changes or the page goes away.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError, get } from './api';
import type { Page } from './history';

export interface GetOptions {
  /** What a 404 says (e.g. "No call with this session id."); without it, the server's words. */
  notFound?: string;
  /** Read again whenever this changes (a call started or ended, say). */
  changes?: unknown;
  /** While another path loads, go on showing the last answer (the previous page of a list) instead of nothing. */
  keep?: boolean;
}

export interface Got<T> {
  /** null until the first answer (and, without `keep`, again while another path loads). */
  data: T | null;
  error: string | null;
  /** Read the same path again (after a change made on the page). */
  reload(): void;
}

export function useGet<T>(path: string, o: GetOptions = {}): Got<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const shown = useRef(path);
  const { notFound, keep } = o;
  useEffect(() => {
    const ctl = new AbortController();
    if (shown.current !== path && !keep) setData(null);
    shown.current = path;
    setError(null);
    get<T>(path, ctl.signal).then(setData, (err: unknown) => {
      if ((err as Error).name === 'AbortError') return;
      setError(notFound !== undefined && err instanceof ApiError && err.status === 404 ? notFound : describeError(err));
    });
    return () => ctl.abort();
  }, [path, generation, o.changes]);
  return { data, error, reload: () => setGeneration((g) => g + 1) };
}

export interface Paged<T> extends Got<Page<T>> {
  /** Pages were read before this one: "First page" leads back. */
  hasPrevious: boolean;
  first(): void;
  /** Reads the page after this one; nothing on the last page. */
  next(): void;
}

/**
 * A list a page at a time: `url(cursor)` is the request for a page (cursor undefined: the first). The
 * page shown stays until the next one arrives. `changes` re-reads the first page only: later pages
 * stay as they are while someone reads them.
 */
export function usePaged<T>(url: (cursor: string | undefined) => string, changes?: unknown): Paged<T> {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const got = useGet<Page<T>>(url(cursor), { keep: true, changes: cursor === undefined ? changes : 0 });
  const nextCursor = got.data?.next_cursor;
  return {
    ...got,
    hasPrevious: cursors.length > 0,
    first: () => setCursors([]),
    next: () => {
      if (nextCursor) setCursors((c) => [...c, nextCursor]);
    },
  };
}
