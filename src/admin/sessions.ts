/**
 * Console logins: user `admin` with HOOKLINE_ADMIN_PASSWORD. A session is a random token in an
 * HttpOnly, SameSite=Strict cookie, kept in the store as a SHA-256 (a copy of the database logs nobody
 * in) with its own CSRF token, which the console sends back in a header on every change: a cookie is
 * sent by the browser on its own, a header only by our own script.
 *
 * Failed logins are limited per client address and in total (FailureLimiter), so a password cannot
 * be guessed at the speed of the network.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { ConsoleSessionRepo } from '../store/types.js';
import { AdminError } from './errors.js';
import { hashKey, type Principal, API_SCOPES } from './keys.js';
import { keyMatches } from './key-compare.js';

export const CONSOLE_USER = 'admin';
const DEFAULT_TTL_MS = 12 * 3600_000;

/** Counts failures in a sliding window; `blockedFor` says how long until one more try is allowed. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  private recent(key: string): number[] {
    const now = this.clock.now();
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Milliseconds until a try is allowed again; 0 when allowed now. */
  blockedFor(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return Math.max(1, (list[list.length - this.max] ?? 0) + this.windowMs - this.clock.now());
  }

  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.clock.now()]);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}

export interface ConsoleSessionInfo {
  token: string;
  csrf: string;
  expiresAt: Date;
}

export class ConsoleSessions {
  /** 5 wrong passwords per client per 15 minutes; 100 in total per 15 minutes, whoever sends them. */
  private readonly perClient: FailureLimiter;
  private readonly overall: FailureLimiter;
  private readonly ttlMs: number;

  constructor(
    private readonly repo: ConsoleSessionRepo,
    private readonly password: string | undefined,
    private readonly clock: Clock,
    opts: { ttlMs?: number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.perClient = new FailureLimiter(clock, 5, 15 * 60_000);
    this.overall = new FailureLimiter(clock, 100, 15 * 60_000);
  }

  get enabled(): boolean {
    return this.password !== undefined && this.password !== '';
  }

  async login(user: string, password: string, client: string): Promise<ConsoleSessionInfo> {
    if (!this.enabled) throw new AdminError('unavailable', 'the console login is off: set HOOKLINE_ADMIN_PASSWORD and restart hookline');
    const wait = Math.max(this.perClient.blockedFor(client), this.overall.blockedFor('*'));
    if (wait > 0) throw new AdminError('rate_limited', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
    // Both comparisons always run, so the time taken does not say which one was wrong.
    const userOk = keyMatches(CONSOLE_USER, user);
    const passwordOk = keyMatches(this.password, password);
    if (!userOk || !passwordOk) {
      this.perClient.fail(client);
      this.overall.fail('*');
      throw new AdminError('unauthorized', 'wrong user name or password');
    }
    this.perClient.clear(client);
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now + this.ttlMs);
    await this.repo.purge(new Date(now));
    await this.repo.create({ tokenHash: hashKey(token), csrf, userName: CONSOLE_USER, createdAt: new Date(now), expiresAt });
    return { token, csrf, expiresAt };
  }

  /** The session of a cookie's token, with the principal it acts as; undefined if unknown or expired. */
  async verify(token: string | undefined): Promise<{ csrf: string; expiresAt: Date; principal: Principal } | undefined> {
    if (!this.enabled || !token) return undefined;
    const s = await this.repo.get(hashKey(token));
    if (!s || s.expiresAt.getTime() <= this.clock.now()) return undefined;
    return { csrf: s.csrf, expiresAt: s.expiresAt, principal: { kind: 'console', name: s.userName, scopes: new Set(API_SCOPES) } };
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.repo.delete(hashKey(token));
  }
}
