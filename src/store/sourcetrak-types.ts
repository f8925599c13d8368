/** SourceTrak's stored records and repository (sourcetrak-repos.ts, docs/sourcetrak.md); re-exported by types.ts. */

/** A visitor session of a pool: what the website tag reported of its first page view. */
export interface SourcetrakVisit {
  /** The session's id (`st_pid`): 32 lowercase hex characters the server chose. */
  pid: string;
  pool: string;
  startedAt: Date;
  lastSeenAt: Date;
  ip: string;
  /** The referring site's host name; '' for a direct visit. */
  referrer: string;
  searchTerm: string;
  /** The landing page without its query string. */
  landing: string;
  title: string;
  browser: string;
  os: string;
  gclid: string;
  gaClientId: string;
  /** From the landing page's utm_* parameters; '' when absent (the pool's default applies at match time). */
  campaign: string;
  platform: string;
  urlTag: string;
  custom: string;
  uniqueId: string;
}

/** A number a session was shown, at one location of its pages ('' for the page's main number). */
export interface SourcetrakShown {
  pid: string;
  location: string;
  number: string;
  firstShownAt: Date;
  lastShownAt: Date;
}

/** How a number is used now, for choosing one for a new session. */
export interface SourcetrakNumberUse {
  number: string;
  /** When any session last showed it; undefined if never (within the retention period). */
  lastShownAt?: Date;
  /** Sessions that showed it at or after the `since` asked about. */
  liveSessions: number;
}

/** A call's match, stored with the call. */
export interface SourcetrakMatch {
  sessionId: string;
  pool: string;
  number: string;
  pid?: string;
  rank: number;
  matchedAt: Date;
  /** The st_* values as sent, by name. */
  params: Record<string, string>;
  /** Its visitor's personal values were blanked after the retention period. */
  erased: boolean;
}

export type SourcetrakDimension = 'source' | 'campaign' | 'keyword' | 'landing';

export interface SourcetrakRepo {
  createVisit(v: SourcetrakVisit): Promise<void>;
  getVisit(pid: string): Promise<SourcetrakVisit | undefined>;
  /** A page view of a known session: it and every number it was shown are seen again at `at`. */
  touch(pid: string, at: Date): Promise<void>;
  shownTo(pid: string): Promise<SourcetrakShown[]>;
  /** Records (or, for the same pid and location, replaces) the number a session is shown. */
  show(s: SourcetrakShown): Promise<void>;
  numberUse(numbers: readonly string[], since: Date): Promise<SourcetrakNumberUse[]>;
  /** The sessions that showed a number, most recent first. */
  showingsOf(number: string, limit: number): Promise<SourcetrakShown[]>;
  saveMatch(m: Omit<SourcetrakMatch, 'erased'> & { source: string; campaign: string; keyword: string; landing: string }): Promise<void>;
  matchOf(sessionId: string): Promise<SourcetrakMatch | undefined>;
  /** Matched calls in [since, until) by one dimension, most calls first. */
  report(dimension: SourcetrakDimension, since: Date, until: Date, limit: number): Promise<Array<{ value: string; calls: number }>>;
  /**
   * Retention: deletes sessions last seen before `before` (with what they were shown), and blanks the
   * named st_* values of matches made before it. Returns how many of each.
   */
  erase(before: Date, personal: readonly string[]): Promise<{ visits: number; matches: number }>;
}
