import type { WebhookLogEntry, WebhookLogFilter, WebhookLogRepo } from '../store/types.js';

/**
 * An in-memory WebhookLogRepo: the test double for the webhook layer, and usable by the simulator
 * or a user's own tests when no database is wanted.
 */
export class MemoryWebhookLog implements WebhookLogRepo {
  readonly entries: WebhookLogEntry[] = [];
  private seq = 0;

  async logRequest(entry: Omit<WebhookLogEntry, 'id' | 'status' | 'latencyMs' | 'responseBody' | 'failure'>): Promise<number> {
    const id = ++this.seq;
    // Copies, so a caller mutating its params later cannot rewrite history.
    this.entries.push({ ...entry, params: entry.params.map(([k, v]): [string, string] => [k, v]), id });
    return id;
  }

  async logOutcome(
    id: number,
    outcome: { status?: number; latencyMs: number; responseBody?: string; failure?: string },
  ): Promise<void> {
    const e = this.entries.find((x) => x.id === id);
    if (!e) throw new Error(`no webhook log entry ${id}`);
    Object.assign(e, outcome);
  }

  async forSession(sessionId: string): Promise<WebhookLogEntry[]> {
    return this.entries.filter((e) => e.sessionId === sessionId);
  }

  async recent(limit: number): Promise<WebhookLogEntry[]> {
    return this.entries.slice(-limit).reverse();
  }

  async get(id: number): Promise<WebhookLogEntry | undefined> {
    return this.entries.find((e) => e.id === id);
  }

  async list(f: WebhookLogFilter, beforeId: number | undefined, limit: number): Promise<WebhookLogEntry[]> {
    return this.entries
      .filter((e) =>
        (f.sessionId === undefined || e.sessionId === f.sessionId) &&
        (f.kind === undefined || e.kind === f.kind) &&
        (f.failed === undefined || (e.failure !== undefined) === f.failed) &&
        (f.since === undefined || e.sentAt.getTime() >= f.since.getTime()) &&
        (f.until === undefined || e.sentAt.getTime() < f.until.getTime()) &&
        (beforeId === undefined || e.id < beforeId))
      .reverse()
      .slice(0, limit);
  }
}
