/**
 * Loading, saving and deleting one configuration item, as every editor does it: GET keeps the ETag,
 * a save is a PUT with If-Match (or a POST for a new item), and each kind of refusal becomes what the
 * person can act on: 412 someone else saved first (reload), 422 each mistake at its field, 409 the
 * server's words (file-managed, or a reference that would break).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, describeError, request } from './api';
import type { Kind } from './kinds';
import { errorsByPath, type FieldErrors } from './paths';

export interface Banner {
  tone: 'error' | 'success' | 'info';
  text: string;
  /** 412: offer to load the current version. */
  reload?: boolean;
  /** Further lines (a conflict's places). */
  details?: string[];
}

export interface Editor<T> {
  status: 'loading' | 'ready' | 'missing' | 'failed';
  isNew: boolean;
  value: T;
  setValue(update: (v: T) => T): void;
  managedBy: 'file' | 'api';
  etag: string | null;
  errors: FieldErrors;
  banner: Banner | null;
  busy: boolean;
  /** Resolves to the saved item's key (a new item's id is the server's choice), or undefined. */
  save(): Promise<string | undefined>;
  remove(): Promise<boolean>;
  reload(): void;
}

/**
 * What the save of a new item said, carried to that item's own page (a new route, so a new editor).
 * Kept for a few seconds rather than taken by the first reader: the router may mount a page twice.
 */
let flash: { url: string; banner: Banner; until: number } | null = null;

export function itemUrl(kind: Kind, key: string): string {
  return `${kind.path}/${encodeURIComponent(key)}`;
}

export function useEditor<T extends object>(kind: Kind, key: string | undefined, blank: () => T): Editor<T> {
  const isNew = key === undefined;
  const [status, setStatus] = useState<Editor<T>['status']>(isNew ? 'ready' : 'loading');
  const [value, setValueRaw] = useState<T>(blank);
  const [etag, setEtag] = useState<string | null>(null);
  const [managedBy, setManagedBy] = useState<'file' | 'api'>('api');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Banner | null>(() =>
    key !== undefined && flash && flash.url === itemUrl(kind, key) && Date.now() < flash.until ? flash.banner : null,
  );
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (key === undefined) return;
    const ctl = new AbortController();
    setStatus('loading');
    request<T>('GET', itemUrl(kind, key), { signal: ctl.signal }).then(
      (r) => {
        setValueRaw(r.data);
        setEtag(r.etag);
        setManagedBy(r.headers.get('Hookline-Managed-By') === 'file' ? 'file' : 'api');
        setErrors({});
        setStatus('ready');
      },
      (err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 404) setStatus('missing');
        else {
          setBanner({ tone: 'error', text: describeError(err) });
          setStatus('failed');
        }
      },
    );
    return () => ctl.abort();
  }, [kind, key, generation]);

  const setValue = useCallback((update: (v: T) => T) => setValueRaw((v) => update(v)), []);

  const failed = (err: unknown): void => {
    if (!(err instanceof ApiError)) {
      setBanner({ tone: 'error', text: describeError(err) });
      return;
    }
    const issues = err.problem.errors ?? [];
    switch (err.status) {
      case 412:
        setBanner({ tone: 'error', text: `Someone else changed this ${kind.one} since you opened it, so it was not saved. Reload to see their version (your changes here are then lost).`, reload: true });
        return;
      case 422:
        setErrors(errorsByPath(issues));
        setBanner({ tone: 'error', text: issues.length > 1 ? `Not saved: ${issues.length} problems, each shown at its field.` : 'Not saved: the problem is shown at its field.' });
        return;
      case 409:
        // The paths of a conflict are places elsewhere in the configuration, not fields of this form.
        setBanner({ tone: 'error', text: `Not saved: ${err.problem.detail}`, details: issues.map((i) => `${i.path}: ${i.message}`) });
        return;
      default:
        setBanner({ tone: 'error', text: `Not saved: ${err.problem.detail}` });
    }
  };

  const save = async (): Promise<string | undefined> => {
    setBusy(true);
    setBanner(null);
    setErrors({});
    try {
      const r = isNew
        ? await request<T>('POST', kind.path, { json: value })
        : await request<T>('PUT', itemUrl(kind, key), { json: value, ifMatch: etag });
      setValueRaw(r.data);
      setEtag(r.etag);
      const saved = { tone: 'success' as const, text: `Saved. New calls use it from now on; calls in progress keep the version they started with.` };
      setBanner(saved);
      const savedKey = String((r.data as Record<string, unknown>)[kind.key] ?? key ?? '');
      if (isNew) flash = { url: itemUrl(kind, savedKey), banner: saved, until: Date.now() + 5000 };
      return savedKey;
    } catch (err) {
      failed(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  const remove = async (): Promise<boolean> => {
    if (isNew) return false;
    setBusy(true);
    setBanner(null);
    try {
      await request('DELETE', itemUrl(kind, key), { ifMatch: etag });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setBanner({ tone: 'error', text: `Not deleted: ${err.problem.detail}`, details: (err.problem.errors ?? []).map((i) => `${i.path}: ${i.message}`) });
      }
      else failed(err);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const reload = (): void => {
    setBanner(null);
    setGeneration((g) => g + 1);
  };

  return { status, isNew, value, setValue, managedBy, etag, errors, banner, busy, save, remove, reload };
}
