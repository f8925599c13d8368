/**
 * The SourceTrak website tag, served by hookline at /st.js (docs/sourcetrak.md):
 *
 *   <script src="https://<hookline>/st.js" data-pool="web"></script>
 *
 * On each page view it reports the visit to hookline, gets this visitor's number(s) from the pool and
 * puts them into the page: in elements with the class `sourcetrak-number` (or the one `data-class`
 * names; `data-location` picks a location's number) and wherever the text shows one of the numbers the
 * pool replaces, each time in the format the page wrote. No third-party code; nothing is ever written
 * into the page as HTML (text and tel: links only); a browser that asks not to be tracked gets the
 * pool's default number and keeps no session.
 */
import { formatLike, nationalDigits, numberPattern } from './format';

interface Answer {
  pid: string | null;
  numbers: Record<string, string>;
  replace: string[];
}

const NUMBER = /^\+?[0-9]{1,20}$/;
const KEEPALIVE_MS = 5 * 60_000;
const KEEPALIVE_MAX = 24;

function cookie(name: string): string {
  const m = new RegExp(`(?:^|; )${name}=([^;]*)`).exec(document.cookie);
  return m ? decodeURIComponent(m[1] ?? '') : '';
}

function run(script: HTMLScriptElement): void {
  const pool = script.dataset['pool'] ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(pool)) return;
  const cls = script.dataset['class'] || 'sourcetrak-number';
  const endpoint = new URL('/st/visit', script.src).href;
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  const dnt = nav.doNotTrack === '1' || nav.globalPrivacyControl === true;
  const key = `hookline_st_${pool}`;
  const q = new URLSearchParams(location.search);
  const marked = (): HTMLElement[] => Array.from(document.getElementsByClassName(cls)) as HTMLElement[];

  const report = async (): Promise<Answer | undefined> => {
    const locations = Array.from(new Set(['', ...marked().map((e) => e.dataset['location'] ?? '')]));
    const pid = dnt ? '' : cookie(key);
    const body = {
      pool,
      ...(/^[0-9a-f]{32}$/.test(pid) ? { pid } : {}),
      page: location.href,
      referrer: document.referrer,
      title: document.title,
      ga: dnt ? '' : cookie('_ga'),
      custom: script.dataset['custom'] ?? q.get('ibp_custom') ?? '',
      unique_id: script.dataset['uniqueId'] ?? q.get('ibp_unique_id') ?? '',
      locations: locations.slice(0, 20),
      dnt,
    };
    // text/plain keeps it a "simple" request: no CORS preflight, one round trip.
    const res = await fetch(endpoint, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'text/plain' }, credentials: 'omit', mode: 'cors' });
    if (!res.ok) return undefined;
    const a = (await res.json()) as Answer;
    if (a.pid && /^[0-9a-f]{32}$/.test(a.pid)) {
      document.cookie = `${key}=${a.pid}; path=/; SameSite=Lax${location.protocol === 'https:' ? '; Secure' : ''}`;
    }
    return a;
  };

  const swap = (a: Answer): void => {
    const main = a.numbers[''];
    if (!main || !NUMBER.test(main)) return;
    for (const el of marked()) {
      const n = a.numbers[el.dataset['location'] ?? ''] ?? main;
      if (!NUMBER.test(n)) continue;
      el.textContent = formatLike(el.textContent ?? '', n);
      if (el instanceof HTMLAnchorElement && el.href.startsWith('tel:')) el.href = formatLike(el.getAttribute('href') ?? '', n);
    }
    const replace = [...a.replace, ...(script.dataset['replace'] ?? '').split(',')].map((s) => s.trim()).filter((s) => /\d{7}/.test(s.replace(/\D/g, '')));
    if (replace.length === 0) return;
    const patterns = replace.map(numberPattern);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (/^(SCRIPT|STYLE|TEXTAREA|NOSCRIPT)$/.test(node.parentElement?.tagName ?? '') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      let text = node.nodeValue ?? '';
      for (const p of patterns) text = text.replace(p, (m) => formatLike(m, main));
      if (text !== node.nodeValue) node.nodeValue = text;
    }
    const wanted = new Set(replace.map(nationalDigits));
    for (const link of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[href^="tel:"]'))) {
      const href = link.getAttribute('href') ?? '';
      if (wanted.has(nationalDigits(href))) link.setAttribute('href', formatLike(href, main));
    }
  };

  const ready = new Promise<void>((r) => (document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', () => r(), { once: true }) : r()));
  void Promise.all([report(), ready]).then(([a]) => {
    if (!a) return;
    swap(a);
    window.dispatchEvent(new CustomEvent('sourcetrak:swapped', { detail: { numbers: a.numbers, at: performance.now() } }));
    if (!a.pid) return;
    // Keeps the session (and its number) live while the page stays open and in view.
    let beats = 0;
    const timer = setInterval(() => {
      if (++beats > KEEPALIVE_MAX) clearInterval(timer);
      else if (document.visibilityState === 'visible') void report().catch(() => undefined);
    }, KEEPALIVE_MS);
  }, () => undefined);
}

const current = document.currentScript;
if (current instanceof HTMLScriptElement) run(current);
