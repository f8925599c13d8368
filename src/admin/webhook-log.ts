/**
 * The webhook log as the operator reads it, and replaying an entry: the same request sent again
 * through the same delivery code as a call's (deliverLogged), under today's network policy and
 * timeout, signed with the secret the configuration holds today, and logged as a new entry that names
 * the one it repeats. Useful after fixing a receiver, or to see what it answers now.
 */
import type { LookupFunction } from 'node:net';
import type { Flows } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store, WebhookLogEntry, WebhookLogFilter } from '../store/types.js';
import type { WebhookAgents } from '../webhook/agents.js';
import { formEncode } from '../webhook/encode.js';
import { deliverLogged } from '../webhook/log.js';
import type { NetworkPolicy } from '../webhook/policy.js';
import { AdminError } from './errors.js';
import type { Page, WebhookSummaryView, WebhookView } from './view-types.js';
import { idCursor, pageOf, readIdCursor, webhookSummaryView, webhookView } from './views.js';

/** What the outbox allows a post-call action or notification; IVR webhooks have their own `timeout`. */
export const DEFAULT_REPLAY_TIMEOUT_MS = 10_000;

export interface WebhookLogOptions {
  store: Pick<Store, 'webhooks'>;
  /** The current configuration: secrets and timeouts are taken from it at the time of the replay. */
  flows: () => Flows;
  networks: NetworkPolicy;
  clock: Clock;
  logger: Logger;
  userAgentVersion: string;
  agents?: WebhookAgents;
  /** DNS resolver, injectable for tests. */
  lookup?: LookupFunction;
}

/**
 * The URL the request was made for, before its parameters were added. A GET's parameters were
 * appended to the query after the URL's own (webhook/encode.ts), so they are cut off the end again;
 * sending the result with the same parameters puts the same bytes on the wire.
 */
export function targetUrl(e: Pick<WebhookLogEntry, 'method' | 'url' | 'params'>): string {
  if (e.method !== 'GET') return e.url;
  const encoded = formEncode(e.params);
  if (encoded === '' || !e.url.endsWith(encoded)) return e.url;
  const base = e.url.slice(0, -encoded.length);
  return base.endsWith('?') || base.endsWith('&') ? base.slice(0, -1) : base;
}

const param = (e: WebhookLogEntry, name: string): number | undefined => {
  const v = e.params.find(([k]) => k === name)?.[1];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** Secret and timeout for the entry as the configuration has them now; none when it names nothing. */
function currentSettings(e: WebhookLogEntry, flows: Flows, url: string): { secret?: string; timeoutMs: number } {
  const none = { timeoutMs: DEFAULT_REPLAY_TIMEOUT_MS };
  switch (e.kind) {
    case 'ivr': {
      const ivrId = param(e, 'ivr_id');
      const hook = ivrId === undefined ? undefined : flows.ivrs.get(ivrId)?.webhook;
      return hook ? { timeoutMs: hook.timeoutS * 1000, ...(hook.secret ? { secret: hook.secret } : {}) } : none;
    }
    case 'transcription': {
      // Post-backs are signed with their IVR's webhook secret; `survo_id` names the IVR.
      const ivrId = param(e, 'survo_id');
      const secret = ivrId === undefined ? undefined : flows.ivrs.get(ivrId)?.webhook?.secret;
      return secret ? { ...none, secret } : none;
    }
    case 'voicemail': {
      const boxId = param(e, 'voicemail_id');
      const secret = boxId === undefined ? undefined : flows.voicemails.get(boxId)?.notify?.secret;
      return secret ? { ...none, secret } : none;
    }
    case 'post_call': {
      const action = (flows.postCallActions ?? []).find((a) => a.method === e.method && sameUrl(a.url, url));
      return action?.secret ? { ...none, secret: action.secret } : none;
    }
  }
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

export class WebhookLog {
  constructor(private readonly o: WebhookLogOptions) {}

  async list(filter: WebhookLogFilter, cursor: string | undefined, limit: number): Promise<Page<WebhookSummaryView>> {
    const rows = await this.o.store.webhooks.list(filter, readIdCursor(cursor), limit + 1);
    return pageOf(rows, limit, webhookSummaryView, (last) => idCursor(last.id));
  }

  async get(id: number): Promise<WebhookView> {
    return webhookView(await this.entry(id));
  }

  /** Sends entry `id` again; resolves with the new entry (the last one, when the receiver redirected). */
  async replay(id: number): Promise<WebhookView> {
    const e = await this.entry(id);
    const url = targetUrl(e);
    const { secret, timeoutMs } = currentSettings(e, this.o.flows(), url);
    const r = await deliverLogged(
      this.o.store.webhooks,
      { kind: e.kind, replayOf: e.id, ...(e.sessionId !== undefined ? { sessionId: e.sessionId } : {}) },
      { method: e.method, url, params: e.params, userAgentVersion: this.o.userAgentVersion, ...(secret ? { secret } : {}) },
      { timeoutMs, networks: this.o.networks, clock: this.o.clock, ...(this.o.agents ? { agents: this.o.agents } : {}), ...(this.o.lookup ? { lookup: this.o.lookup } : {}) },
    );
    const outcome = r.ok ? `HTTP ${r.status}` : r.failure.message;
    this.o.logger.info({ webhookId: id, replayId: r.logId, outcome }, 'webhook replayed');
    // Nothing left: the stored URL cannot be sent at all (it fails before any connection is made).
    if (r.logId === 0 && r.logError === undefined && !r.ok) throw new AdminError('conflict', `entry ${id} cannot be sent again: ${r.failure.message}`);
    const logged = r.logId > 0 ? await this.o.store.webhooks.get(r.logId) : undefined;
    if (!logged) {
      this.o.logger.error({ err: r.logError, webhookId: id }, 'webhook replay: the request went out but could not be logged');
      throw new AdminError('unavailable', `the request was sent again (${outcome}) but could not be written to the webhook log`);
    }
    return webhookView(logged);
  }

  private async entry(id: number): Promise<WebhookLogEntry> {
    const e = await this.o.store.webhooks.get(id);
    if (!e) throw new AdminError('not_found', `no webhook log entry with id ${id}`);
    return e;
  }
}
