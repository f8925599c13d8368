/**
 * The live configuration: the flows file plus the items made through the Administration API, as one
 * snapshot that new calls take when they start (calls in progress keep theirs). Changes go through
 * here: each is checked by the flows loader against everything else, written to the store with a
 * compare-and-swap (so two editors cannot overwrite each other silently, even from two processes),
 * and takes effect at once.
 *
 * Nodes sharing one database see each other's changes through `refresh` (run every few seconds by
 * `watch`): it reads the store's configuration revision, a single-row read that every write moves, and
 * only when that moved reads the items again. Polling rather than Postgres's LISTEN/NOTIFY: it works
 * the same on SQLite, needs no connection held open, and a notification lost while a connection was
 * down would leave a node stale until the next change; the price is a few seconds' delay.
 */
import { describeIssue } from '../config/issues.js';
import type { Flows } from '../config/types.js';
import { flowsToRaw } from '../config/canonical.js';
import type { Logger } from '../lib/logger.js';
import type { ConfigItemRepo } from '../store/types.js';
import { etagOf } from './etag.js';
import { AdminError, type AdminIssue } from './errors.js';
import { CONFIG_KINDS, ITEM_SCHEMA, KIND_WORDS, itemsOf, keyField, keyOfBody, type ConfigKind, type Json } from './config-kinds.js';
import { checkMerged, joinPath, mergeTolerant, type StoredItem } from './config-merge.js';
import { issuesFromZod } from './issues.js';

export interface ConfigEntry {
  kind: ConfigKind;
  key: string;
  value: Json;
  managedBy: 'file' | 'api';
  etag: string;
}

export interface DisabledItem {
  kind: ConfigKind;
  key: string;
  reason: string;
}

export interface ConfigStatus {
  file: string;
  /** Bumped by every change; a cheap way for a client to see that something changed. */
  revision: number;
  disabled: DisabledItem[];
}

/** How a write may proceed: POST creates only; PUT creates or replaces, or only replaces the version read (If-Match). */
export interface WriteCondition {
  mode: 'create' | 'put';
  ifMatch?: readonly string[];
}

const itemId = (kind: string, key: string): string => `${kind}/${key}`;

function parseStored(kind: string, key: string, body: string): StoredItem | undefined {
  if (!(CONFIG_KINDS as readonly string[]).includes(kind)) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    return value !== null && typeof value === 'object' ? { kind: kind as ConfigKind, key, value: value as Json } : undefined;
  } catch {
    return undefined;
  }
}

export class ConfigService {
  private fileRaw: Json;
  /** API items by `kind/key`, with the body text the store holds (for the compare-and-swap). */
  private readonly stored = new Map<string, { item: StoredItem; body: string }>();
  private snapshot!: Flows;
  private disabled: DisabledItem[] = [];
  private revision = 0;
  /** The store's configuration revision the items in `stored` were read at. */
  private storeRevision = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(flows: Flows) => void>();

  private constructor(
    private fileFlows: Flows,
    private readonly repo: ConfigItemRepo,
    private readonly logger: Logger,
  ) {
    this.fileRaw = flowsToRaw(fileFlows);
  }

  /** Loads the API items from the store and merges them with the (already loaded) flows file. */
  static async open(o: { file: Flows; repo: ConfigItemRepo; logger: Logger }): Promise<ConfigService> {
    const service = new ConfigService(o.file, o.repo, o.logger);
    await service.readStore();
    service.recompute();
    return service;
  }

  /** Reads the revision, then the items: a write landing between the two is seen by the next refresh. */
  private async readStore(): Promise<void> {
    const revision = await this.repo.revision();
    const rows = await this.repo.all();
    this.stored.clear();
    for (const row of rows) {
      const item = parseStored(row.kind, row.key, row.body);
      if (item) this.stored.set(itemId(row.kind, row.key), { item, body: row.body });
      else this.logger.error({ kind: row.kind, key: row.key }, 'configuration item in the store is unreadable; ignored');
    }
    this.storeRevision = revision;
  }

  /**
   * Takes in what other nodes changed: when the store's revision moved since the last read, reads the
   * items again and, if they differ from ours, applies them to new calls. Resolves whether anything
   * changed. Our own writes move the revision too; reading them back changes nothing.
   */
  refresh(): Promise<boolean> {
    return this.serial(async () => {
      if ((await this.repo.revision()) === this.storeRevision) return false;
      const before = new Map([...this.stored].map(([id, s]) => [id, s.body]));
      await this.readStore();
      const same = before.size === this.stored.size && [...this.stored].every(([id, s]) => before.get(id) === s.body);
      if (same) return false;
      this.recompute();
      this.changed();
      this.logger.info({ items: this.stored.size }, 'configuration: changed on another node; new calls take the new one');
      return true;
    });
  }

  /**
   * Calls `refresh` every `everyMs` until the returned function is called. A failed read (the database
   * away) is logged once per outage and tried again at the next tick.
   */
  watch(o: { everyMs: number; setTimer: (ms: number, fn: () => void) => () => void }): () => void {
    let stopped = false;
    let cancel: (() => void) | undefined;
    let failing = false;
    const tick = (): void => {
      void this.refresh().then(
        () => {
          if (failing) this.logger.info('configuration: the store answers again');
          failing = false;
        },
        (err: unknown) => {
          if (!failing) this.logger.warn({ err }, 'configuration: cannot read the store; other nodes\' changes wait until it answers');
          failing = true;
        },
      ).finally(() => {
        if (!stopped) cancel = o.setTimer(o.everyMs, tick);
      });
    };
    cancel = o.setTimer(o.everyMs, tick);
    return () => {
      stopped = true;
      cancel?.();
    };
  }

  /** The configuration a call starting now runs with. */
  current(): Flows {
    return this.snapshot;
  }

  status(): ConfigStatus {
    return { file: this.fileFlows.file, revision: this.revision, disabled: [...this.disabled] };
  }

  /** Called with the new snapshot after every change (for prompt pre-synthesis and the console). */
  onChange(fn: (flows: Flows) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  entries(kind: ConfigKind): ConfigEntry[] {
    return [...itemsOf(this.snapshot, kind)].map(([key, value]) => this.entryOf(kind, key, value));
  }

  entry(kind: ConfigKind, key: string): ConfigEntry | undefined {
    const value = itemsOf(this.snapshot, kind).get(key);
    if (value) return this.entryOf(kind, key, value);
    // A disabled API item can still be read, fixed or deleted.
    const stored = this.stored.get(itemId(kind, key));
    return stored ? this.entryOf(kind, key, stored.item.value) : undefined;
  }

  /** The flows file changed on disk (SIGHUP): API items are checked against it again. */
  reloadFile(file: Flows): void {
    this.fileFlows = file;
    this.fileRaw = flowsToRaw(file);
    this.recompute();
    this.changed();
  }

  /** Creates or replaces one item; `key` is absent for a POST that lets the server pick an id. */
  write(kind: ConfigKind, key: string | undefined, body: unknown, cond: WriteCondition, actor: string): Promise<{ entry: ConfigEntry; created: boolean }> {
    return this.serial(async () => {
      const field = keyField(kind);
      const named = keyOfBody(kind, body);
      if (key !== undefined && named !== undefined && named !== key) {
        throw new AdminError('invalid', `${field} ${named} in the body does not match ${key} in the URL`, { issues: [{ path: field, message: `must be ${key}, as in the URL` }] });
      }
      // The URL's key, or the one a POST leaves to the server, goes into the body before it is checked.
      const filled = body !== null && typeof body === 'object' && !Array.isArray(body) && named === undefined && (key !== undefined || field === 'id')
        ? { ...(body as Json), [field]: field === 'id' ? Number(key ?? this.nextId(kind)) : key }
        : body;
      const value = this.validateShape(kind, filled);
      const finalKey = String(value[field]);
      this.refuseFileManaged(kind, finalKey);
      const existing = this.stored.get(itemId(kind, finalKey));
      if (cond.mode === 'create' && existing) throw new AdminError('conflict', `${KIND_WORDS[kind]} ${finalKey} already exists; PUT to replace it`);
      if (cond.ifMatch) this.checkIfMatch(kind, finalKey, cond.ifMatch);

      const candidate: StoredItem = { kind, key: finalKey, value };
      const others = this.enabledItems().filter((i) => itemId(i.kind, i.key) !== itemId(kind, finalKey));
      const checked = checkMerged(this.fileRaw, [...others, candidate], this.fileFlows.file);
      if (!checked.ok) {
        const own = checked.issues.filter((i) => i.item === candidate).map((i): AdminIssue => ({ path: joinPath('', i.path), message: i.message }));
        if (own.length > 0) throw new AdminError('invalid', `${KIND_WORDS[kind]} ${finalKey}: ${own[0]?.path ? `${own[0].path}: ` : ''}${own[0]?.message}`, { issues: own });
        throw this.conflictOf(kind, finalKey, checked.issues);
      }
      const canonical = itemsOf(checked.flows, kind).get(finalKey) ?? value;
      const text = JSON.stringify(canonical);
      const ok = await this.repo.put({ kind, key: finalKey, body: text }, existing ? { body: existing.body } : { absent: true });
      if (!ok) throw new AdminError('precondition_failed', `${KIND_WORDS[kind]} ${finalKey} was changed by someone else meanwhile; read it again`);
      this.stored.set(itemId(kind, finalKey), { item: { kind, key: finalKey, value: canonical }, body: text });
      this.recompute();
      this.changed();
      this.logger.info({ kind, key: finalKey, actor }, `configuration: ${KIND_WORDS[kind]} ${finalKey} ${existing ? 'replaced' : 'created'}`);
      return { entry: this.entryOf(kind, finalKey, canonical), created: !existing };
    });
  }

  remove(kind: ConfigKind, key: string, ifMatch: readonly string[] | undefined, actor: string): Promise<void> {
    return this.serial(async () => {
      this.refuseFileManaged(kind, key);
      const existing = this.stored.get(itemId(kind, key));
      if (!existing) throw new AdminError('not_found', `no ${KIND_WORDS[kind]} ${key}`);
      if (ifMatch) this.checkIfMatch(kind, key, ifMatch);
      const others = this.enabledItems().filter((i) => itemId(i.kind, i.key) !== itemId(kind, key));
      const checked = checkMerged(this.fileRaw, others, this.fileFlows.file);
      if (!checked.ok) throw this.conflictOf(kind, key, checked.issues, 'is still used');
      if (!(await this.repo.delete(kind, key, existing.body))) {
        throw new AdminError('precondition_failed', `${KIND_WORDS[kind]} ${key} was changed by someone else meanwhile; read it again`);
      }
      this.stored.delete(itemId(kind, key));
      this.recompute();
      this.changed();
      this.logger.info({ kind, key, actor }, `configuration: ${KIND_WORDS[kind]} ${key} deleted`);
    });
  }

  private entryOf(kind: ConfigKind, key: string, value: Json): ConfigEntry {
    const managedBy = itemsOf(this.fileFlows, kind).has(key) ? 'file' : 'api';
    return { kind, key, value, managedBy, etag: etagOf(value) };
  }

  private validateShape(kind: ConfigKind, body: unknown): Json {
    const r = ITEM_SCHEMA[kind].safeParse(body, { error: describeIssue });
    if (!r.success) {
      const issues = issuesFromZod(r.error, body);
      const first = issues[0];
      throw new AdminError('invalid', `${KIND_WORDS[kind]}: ${first?.path ? `${first.path}: ` : ''}${first?.message ?? 'not valid'}`, { issues });
    }
    return { ...(r.data as Json) };
  }

  private refuseFileManaged(kind: ConfigKind, key: string): void {
    if (itemsOf(this.fileFlows, kind).has(key)) {
      throw new AdminError('file_managed', `${KIND_WORDS[kind]} ${key} is defined in ${this.fileFlows.file} and managed by that file: edit the file, then reload (SIGHUP) or restart hookline`);
    }
  }

  private checkIfMatch(kind: ConfigKind, key: string, tags: readonly string[]): void {
    const current = this.entry(kind, key);
    if (tags.includes('*') ? !current : !current || !tags.includes(current.etag)) {
      throw new AdminError('precondition_failed', current ? `${KIND_WORDS[kind]} ${key} changed since you read it (its ETag is now ${current.etag})` : `${KIND_WORDS[kind]} ${key} does not exist any more`);
    }
  }

  private conflictOf(kind: ConfigKind, key: string, issues: ReadonlyArray<{ where: string; message: string }>, verb = 'would break other items'): AdminError {
    const errors = issues.map((i) => ({ path: i.where, message: i.message }));
    const first = errors[0];
    return new AdminError('conflict', `${KIND_WORDS[kind]} ${key} ${verb}: ${first ? `${first.path}: ${first.message}` : ''}`, { issues: errors });
  }

  /** The next free id of a kind, after every id in the file and the store. */
  private nextId(kind: ConfigKind): string {
    if (keyField(kind) !== 'id') throw new AdminError('invalid', `a ${KIND_WORDS[kind]} needs its ${keyField(kind)}`, { issues: [{ path: keyField(kind), message: 'required' }] });
    const ids = [...itemsOf(this.fileFlows, kind).keys(), ...[...this.stored.values()].filter((s) => s.item.kind === kind).map((s) => s.item.key)].map(Number);
    return String(Math.max(0, ...ids) + 1);
  }

  private enabledItems(): StoredItem[] {
    const off = new Set(this.disabled.map((d) => itemId(d.kind, d.key)));
    return [...this.stored.values()].map((s) => s.item).filter((i) => !off.has(itemId(i.kind, i.key)));
  }

  private recompute(): void {
    const merged = mergeTolerant(this.fileRaw, [...this.stored.values()].map((s) => s.item), this.fileFlows.file, this.fileFlows);
    this.snapshot = merged.flows;
    const before = new Set(this.disabled.map((d) => itemId(d.kind, d.key)));
    this.disabled = merged.disabled.map((d) => ({ kind: d.item.kind, key: d.item.key, reason: d.reason }));
    for (const d of this.disabled) {
      if (!before.has(itemId(d.kind, d.key))) this.logger.error({ kind: d.kind, key: d.key }, `configuration: ${KIND_WORDS[d.kind]} ${d.key} made through the API is not served: ${d.reason}`);
    }
  }

  private changed(): void {
    this.revision++;
    for (const fn of this.listeners) {
      try {
        fn(this.snapshot);
      } catch (err) {
        this.logger.error({ err }, 'configuration change listener failed');
      }
    }
  }

  /** One change at a time: each checks against the state the previous one left. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
