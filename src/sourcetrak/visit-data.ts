/**
 * What a page view says about the visit, worked out on the server from the few raw facts the tag
 * sends (the page's URL, document.referrer, the title, the _ga cookie's client id): the tag stays
 * small, and every value is parsed and bounded here, where it is validated.
 */

/** Search engines and the query parameter that carries the search term, by host name suffix. */
const SEARCH_ENGINES: Array<[RegExp, string]> = [
  [/(^|\.)google\.[a-z.]+$/, 'q'],
  [/(^|\.)bing\.com$/, 'q'],
  [/(^|\.)duckduckgo\.com$/, 'q'],
  [/(^|\.)search\.yahoo\.[a-z.]+$/, 'p'],
  [/(^|\.)yandex\.[a-z.]+$/, 'text'],
  [/(^|\.)baidu\.com$/, 'wd'],
  [/(^|\.)ecosia\.org$/, 'q'],
  [/(^|\.)ask\.com$/, 'q'],
];

function url(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

const clip = (s: string | null | undefined, max: number): string => (s ?? '').trim().slice(0, max);

export interface PageFacts {
  /** location.href of the page. */
  page: string;
  /** document.referrer; '' for a direct visit. */
  referrer: string;
}

export interface VisitData {
  referrer: string;
  searchTerm: string;
  landing: string;
  gclid: string;
  campaign: string;
  platform: string;
  urlTag: string;
}

/**
 * The referring host (a link from the site itself is no referrer), the search term (the search
 * engine's query parameter where it still sends one, else the paid keyword in utm_term), the landing
 * page without its query and fragment, and the ad parameters: utm_campaign, utm_source (the platform),
 * utm_content (the URL tag, else utm_medium), gclid.
 */
export function visitData(f: PageFacts): VisitData {
  const page = url(f.page);
  const ref = url(f.referrer);
  const q = page?.searchParams;
  const sameSite = ref !== undefined && page !== undefined && ref.host === page.host;
  const referrer = ref && !sameSite ? ref.hostname.toLowerCase() : '';
  const engine = SEARCH_ENGINES.find(([re]) => re.test(referrer));
  const searchTerm = (engine && ref ? ref.searchParams.get(engine[1]) : null) || q?.get('utm_term');
  return {
    referrer: clip(referrer, 253),
    searchTerm: clip(searchTerm, 200),
    landing: page ? clip(`${page.origin}${page.pathname}`, 500) : '',
    gclid: clip(q?.get('gclid'), 200),
    campaign: clip(q?.get('utm_campaign'), 200),
    platform: clip(q?.get('utm_source'), 200),
    urlTag: clip(q?.get('utm_content') || q?.get('utm_medium'), 200),
  };
}

/** The client id of a Google Analytics `_ga` cookie value (`GA1.2.1234567890.1600000000`), or ''. */
export function gaClientId(cookie: string): string {
  const m = /^GA\d+\.\d+\.(\d{1,20}\.\d{1,20})$/.exec(cookie.trim());
  return m?.[1] ?? '';
}
