/**
 * API keys: HOOKLINE_API_KEY (every scope, never stored) and keys made through the API, stored as a
 * SHA-256 of the key. A key is 256 random bits, so a fast hash is enough: there is nothing to guess,
 * and a slow password hash would cost every API request tens of milliseconds. The key itself is shown
 * once, when it is made.
 */
import { createHash, randomBytes } from 'node:crypto';
import { keyMatches } from './key-compare.js';
import type { Clock } from '../lib/clock.js';
import { API_SCOPES, type ApiKeyRecord, type ApiKeyRepo, type ApiScope } from '../store/types.js';
import { AdminError } from './errors.js';

export { API_SCOPES, type ApiScope };

/** Who is asking, and what they may do. */
export interface Principal {
  kind: 'env_key' | 'api_key' | 'console';
  /** For logs and the audit trail: the key's name, `HOOKLINE_API_KEY`, or the console user. */
  name: string;
  keyId?: number;
  scopes: ReadonlySet<ApiScope>;
}

export const KEY_PREFIX = 'hk_';
/** Seen in lists so people can tell keys apart: `hk_` and 6 characters of 43 (36 bits: no help to a guesser). */
const SHOWN_CHARS = KEY_PREFIX.length + 6;
/** last_used_at is a hint for people, not an audit log: one write a minute per key is plenty. */
const TOUCH_EVERY_MS = 60_000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeys {
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly repo: ApiKeyRepo,
    private readonly envKey: string | undefined,
    private readonly clock: Clock,
  ) {}

  /** The principal a presented key stands for, or undefined for a missing or unknown key. */
  async authenticate(presented: string | undefined): Promise<Principal | undefined> {
    if (presented === undefined || presented === '') return undefined;
    if (keyMatches(this.envKey, presented)) return { kind: 'env_key', name: 'HOOKLINE_API_KEY', scopes: new Set(API_SCOPES) };
    if (!presented.startsWith(KEY_PREFIX)) return undefined;
    // Looking a key up by its hash is a constant-time question to the database about a value the
    // caller cannot steer towards a match, so it leaks nothing a timing attack could use.
    const rec = await this.repo.byHash(hashKey(presented));
    if (!rec) return undefined;
    const now = this.clock.now();
    if (now - (this.touched.get(rec.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.touched.set(rec.id, now);
      await this.repo.touch(rec.id, new Date(now));
    }
    return { kind: 'api_key', name: rec.name, keyId: rec.id, scopes: new Set(rec.scopes) };
  }

  /**
   * For the Call Initiation API: HOOKLINE_API_KEY or a stored key with the `calls` scope. A store
   * failure refuses (and is logged by the caller's request log), never lets a caller in.
   */
  async mayPlaceCalls(presented: string | undefined): Promise<boolean> {
    try {
      return (await this.authenticate(presented))?.scopes.has('calls') ?? false;
    } catch {
      return false;
    }
  }

  /** Makes a key; `key` is returned this once and never again. */
  async create(name: string, scopes: readonly ApiScope[]): Promise<{ record: ApiKeyRecord; key: string }> {
    if (scopes.length === 0) throw new AdminError('invalid', 'a key needs at least one scope', { issues: [{ path: 'scopes', message: 'must not be empty' }] });
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const record = await this.repo.create({ name, prefix: key.slice(0, SHOWN_CHARS), hash: hashKey(key), scopes: [...new Set(scopes)] });
    return { record, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.repo.list();
  }

  async delete(id: number): Promise<void> {
    if (!(await this.repo.delete(id))) throw new AdminError('not_found', `no API key with id ${id}`);
    this.touched.delete(id);
  }
}
