/**
 * SourceTrak (docs/sourcetrak.md): each page view the website tag reports gets the visitor's tracking
 * number(s) from the pool, and each call to a pool's number is matched to the session that showed it.
 *
 * Handing out numbers runs one page view at a time (a queue in this process), so two visitors arriving
 * together cannot both take the same free number. The state lives in the store, so a restart keeps
 * every session's number and the next call still matches.
 */
import { randomBytes } from 'node:crypto';
import { SOURCETRAK_PARAMS, type SourcetrakParam } from '../config/names.js';
import type { Flows, SourcetrakPool } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { SourcetrakShown, SourcetrakVisit, Store } from '../store/types.js';
import { formatTimestamp } from '../webhook/timestamp.js';
import { SourcetrakError } from './errors.js';
import { browserOf, isCrawler, osOf } from './user-agent.js';
import { gaClientId, visitData } from './visit-data.js';

/** The seed's "listed in Eastern time". */
export const DISPLAYED_TIME_ZONE = 'America/New_York';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** st_* values that identify the visitor: blanked in stored matches after the retention period. */
export const PERSONAL_PARAMS: readonly SourcetrakParam[] = ['st_ip_address', 'st_browser', 'st_os', 'st_gclid', 'st_google_ua_client_id', 'st_ibp_custom', 'st_ibp_unique_id', 'st_pid'];

/** A page view as the HTTP layer has checked it. */
export interface PageView {
  pool: string;
  /** The session the tag remembers, if any. */
  pid?: string;
  page: string;
  referrer: string;
  title: string;
  /** The `_ga` cookie's value, or ''. */
  ga: string;
  custom: string;
  uniqueId: string;
  /** Locations on the page; '' is the page's main number. */
  locations: string[];
  ip: string;
  userAgent: string;
  /** DNT: 1 or Sec-GPC: 1 (or the browser's own flags, as the tag read them). */
  doNotTrack: boolean;
}

export interface PageAnswer {
  /** The session to remember; null when nothing was recorded (do not track, a crawler). */
  pid: string | null;
  /** Location -> the number to show there. */
  numbers: Record<string, string>;
  /** Numbers the page shows in its text, to be replaced by the main number. */
  replace: string[];
}

/** What role a dialed number plays in a pool. */
export type PoolRole = 'tracking' | 'default' | 'sourceguard';

/** The pool a dialed number belongs to, if any (a default number outside the pool's numbers is not the pool's). */
export function poolOfNumber(flows: Flows, number: string): { pool: SourcetrakPool; role: PoolRole } | undefined {
  for (const pool of flows.sourcetrakPools?.values() ?? []) {
    if (pool.sourceguardNumbers.includes(number)) return { pool, role: 'sourceguard' };
    if (pool.numbers.includes(number)) return { pool, role: number === pool.defaultNumber ? 'default' : 'tracking' };
  }
  return undefined;
}

/** Whether a page at `origin` may use the pool: its host is one of the pool's domains or under one. */
export function originAllowed(pool: SourcetrakPool, origin: string): boolean {
  let host: string;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    host = u.hostname.toLowerCase();
  } catch {
    return false;
  }
  return pool.domains.some((d) => host === d || host.endsWith(`.${d}`));
}

export interface SourceTrakOptions {
  store: Store;
  /** The live configuration (a getter: pools change through the API). */
  flows: () => Flows;
  clock: Clock;
  logger: Logger;
  /** HOOKLINE_SOURCETRAK_RETENTION_DAYS. */
  retentionDays: number;
}

export class SourceTrak {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: SourceTrakOptions) {}

  pool(name: string): SourcetrakPool | undefined {
    return this.o.flows().sourcetrakPools?.get(name);
  }

  /** A page view: the numbers for the visitor, recording the visit unless it must not be. */
  pageView(v: PageView): Promise<PageAnswer> {
    const pool = this.pool(v.pool);
    if (!pool) return Promise.reject(new SourcetrakError('unknown_pool', `no SourceTrak pool "${v.pool}"`));
    const locations = [...new Set(v.locations.filter((l) => l === '' || pool.locations.includes(l)))];
    if (locations.length === 0) locations.push('');
    const everywhere = (n: string): PageAnswer => ({ pid: null, numbers: Object.fromEntries(locations.map((l) => [l, n])), replace: pool.replaceNumbers });
    // No record at all for these: the default number says nothing about who looked.
    if (v.doNotTrack) return Promise.resolve(everywhere(pool.defaultNumber));
    if (isCrawler(v.userAgent)) return Promise.resolve(everywhere(pool.sourceguardNumbers[0] ?? pool.defaultNumber));
    const run = this.queue.then(() => this.track(pool, v, locations));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async track(pool: SourcetrakPool, v: PageView, locations: string[]): Promise<PageAnswer> {
    const { store } = this.o;
    const now = this.o.clock.now();
    const hold = pool.holdMinutes * MINUTE;
    const known = v.pid ? await store.sourcetrak.getVisit(v.pid) : undefined;
    let pid: string;
    let shown: SourcetrakShown[] = [];
    if (known && known.pool === pool.name && known.lastSeenAt.getTime() >= now - hold) {
      pid = known.pid;
      await store.sourcetrak.touch(pid, new Date(now));
      shown = await store.sourcetrak.shownTo(pid);
    } else {
      pid = randomBytes(16).toString('hex');
      await store.sourcetrak.createVisit(this.newVisit(pid, pool, v, now));
    }
    const rotation = pool.numbers.filter((n) => n !== pool.defaultNumber);
    const numbers: Record<string, string> = {};
    const held = new Set(shown.filter((s) => rotation.includes(s.number)).map((s) => s.number));
    for (const location of locations) {
      const mine = shown.find((s) => s.location === location && rotation.includes(s.number));
      if (mine) {
        numbers[location] = mine.number;
        continue;
      }
      const number = await this.choose(rotation, held, now - hold);
      held.add(number);
      await store.sourcetrak.show({ pid, location, number, firstShownAt: new Date(now), lastShownAt: new Date(now) });
      numbers[location] = number;
    }
    return { pid, numbers, replace: pool.replaceNumbers };
  }

  /**
   * A number nobody has shown for the quiet period (hold_minutes), least recently shown first. When
   * every number is in use the pool is exhausted: the one fewest live sessions share (then the least
   * recently shown) is shared, which calls to it report with a higher st_rank. Never no number.
   */
  private async choose(rotation: string[], held: Set<string>, since: number): Promise<string> {
    const use = await this.o.store.sourcetrak.numberUse(rotation, new Date(since));
    const others = use.filter((u) => !held.has(u.number));
    const pool = others.length > 0 ? others : use;
    const last = (u: { lastShownAt?: Date }): number => u.lastShownAt?.getTime() ?? 0;
    // Free numbers (no live session) first, least recently shown first; then the least shared.
    // Array.prototype.sort is stable: otherwise equal numbers keep the pool's order.
    const best = [...pool].sort((a, b) => a.liveSessions - b.liveSessions || last(a) - last(b))[0];
    if (!best) throw new SourcetrakError('invalid', 'the pool has no number to show'); // the loader refuses such a pool
    return best.number;
  }

  private newVisit(pid: string, pool: SourcetrakPool, v: PageView, now: number): SourcetrakVisit {
    const d = visitData({ page: v.page, referrer: v.referrer });
    return {
      pid,
      pool: pool.name,
      startedAt: new Date(now),
      lastSeenAt: new Date(now),
      ip: v.ip,
      ...d,
      title: v.title.trim().slice(0, 300),
      browser: browserOf(v.userAgent),
      os: osOf(v.userAgent),
      gaClientId: gaClientId(v.ga),
      custom: v.custom.trim().slice(0, 200),
      uniqueId: v.uniqueId.trim().slice(0, 200),
    };
  }

  /**
   * Matches a call to a pool's number with the session that showed it most recently, stores the match
   * with the call and returns the st_* values; undefined when the number is in no pool (one-to-one).
   * The rank (docs/sourcetrak.md): 1 one live session shows the number; 2 two share it; 3 three or
   * more; 4 none is live any more (the last one to show it is taken); 5 no session at all.
   */
  async matchCall(flows: Flows, sessionId: string, number: string): Promise<Record<string, string> | undefined> {
    const found = poolOfNumber(flows, number);
    if (!found) return undefined;
    const { pool, role } = found;
    const { store } = this.o;
    const now = this.o.clock.now();
    let rank = 5;
    let shown: SourcetrakShown | undefined;
    let visit: SourcetrakVisit | undefined;
    if (role === 'tracking') {
      const rows = await store.sourcetrak.showingsOf(number, 50);
      const live = new Set(rows.filter((r) => r.lastShownAt.getTime() >= now - pool.holdMinutes * MINUTE).map((r) => r.pid));
      shown = rows[0];
      if (shown) rank = live.size === 0 ? 4 : Math.min(3, live.size);
      visit = shown && (await store.sourcetrak.getVisit(shown.pid));
      if (!visit) [shown, rank] = [undefined, 5];
    }
    const values: Record<SourcetrakParam, string> = {
      st_rank: String(rank),
      st_search_term: visit?.searchTerm ?? '',
      st_referer: visit?.referrer ?? '',
      st_baseuri: visit?.landing ?? '',
      st_activity_keyword: pool.activityKeyword,
      st_displayed_timestamp: shown ? formatTimestamp(shown.firstShownAt, DISPLAYED_TIME_ZONE) : '',
      st_ip_address: visit?.ip ?? '',
      st_document_title: visit?.title ?? '',
      st_browser: visit?.browser ?? '',
      st_os: visit?.os ?? '',
      st_ibp_custom: visit?.custom ?? '',
      st_ibp_unique_id: visit?.uniqueId ?? '',
      st_pid: visit?.pid ?? '',
      st_domain_set_id: pool.domainSetId === undefined ? '' : String(pool.domainSetId),
      st_gclid: visit?.gclid ?? '',
      st_google_ua_client_id: visit?.gaClientId ?? '',
      st_pool_name: pool.name,
      st_location_name: shown?.location ?? '',
      st_sourceguard: role === 'sourceguard' ? '1' : '0',
      st_campaign: visit?.campaign || pool.campaign,
      st_platform: visit?.platform || pool.platform,
      st_url_tag: visit?.urlTag ?? '',
    };
    const params = Object.fromEntries(SOURCETRAK_PARAMS.map((n) => [n, values[n]]));
    await store.sourcetrak.saveMatch({
      sessionId,
      pool: pool.name,
      number,
      ...(visit ? { pid: visit.pid } : {}),
      rank,
      matchedAt: new Date(now),
      params,
      source: values.st_referer,
      campaign: values.st_campaign,
      keyword: values.st_search_term,
      landing: values.st_baseuri,
    });
    return params;
  }

  /** One retention pass: visits and the personal values of matches older than the retention period go. */
  async eraseExpired(): Promise<{ visits: number; matches: number }> {
    const before = new Date(this.o.clock.now() - this.o.retentionDays * 24 * HOUR);
    const erased = await this.o.store.sourcetrak.erase(before, PERSONAL_PARAMS);
    if (erased.visits + erased.matches > 0) this.o.logger.info({ ...erased, before: before.toISOString() }, 'SourceTrak retention: old visit data erased');
    return erased;
  }

  /** Runs the retention pass now and every hour; returns the stopper. */
  startRetention(): () => void {
    let cancel: (() => void) | undefined;
    let stopped = false;
    const tick = (): void => {
      void this.eraseExpired()
        .catch((err: unknown) => this.o.logger.error({ err }, 'SourceTrak retention pass failed'))
        .finally(() => {
          if (!stopped) cancel = this.o.clock.setTimer(HOUR, tick);
        });
    };
    tick();
    return () => {
      stopped = true;
      cancel?.();
    };
  }
}
