/** Small pieces every page uses: the page heading that takes focus, status banners, loading text. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Banner } from '../lib/editor';

/**
 * The page's h1, which also names the browser tab. After a route change the app moves focus here
 * (tabindex -1, see app.tsx), so keyboard and screen reader users start at the new page's top.
 */
export function PageTitle({ children }: { children: string }) {
  useEffect(() => {
    document.title = `${children} · hookline`;
  }, [children]);
  return (
    <h1 tabIndex={-1} class="page-title">
      {children}
    </h1>
  );
}

export function BannerView({ banner, onReload }: { banner: Banner | null; onReload?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // An error is where the person's attention must go; a success is announced by the live region.
    if (banner?.tone === 'error') ref.current?.focus();
  }, [banner]);
  if (!banner) return <div role="status" aria-live="polite" class="banner-slot" />;
  return (
    <div ref={ref} tabIndex={-1} class={`banner ${banner.tone}`} role={banner.tone === 'error' ? 'alert' : 'status'}>
      <p>{banner.text}</p>
      {banner.details?.length ? (
        <ul>
          {banner.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      ) : null}
      {banner.reload && onReload ? (
        <button type="button" onClick={onReload}>
          Reload the current version
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorText({ children }: { children: ComponentChildren }) {
  return (
    <p class="banner error" role="alert">
      {children}
    </p>
  );
}

/** A time as people read it here, with the exact UTC time on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>–</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={d.toISOString()}>
      {d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}
