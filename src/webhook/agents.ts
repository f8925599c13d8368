import { Agent } from 'undici';
import type { LookupFunction } from 'node:net';

/**
 * Kept-alive HTTP connections to customers' webhook servers, shared between deliveries. A fresh
 * connection per webhook costs a TCP handshake (and a TLS one for https: one or two round trips, tens
 * of milliseconds to a distant server) on every IVR's end; reusing one is what callers' waiting time
 * asks for. The network policy still holds: every new connection goes through the guarded lookup the
 * agent was made with, and a kept-alive socket is only ever one such lookup vetted. One agent per
 * (policy, timeout) pair, because the connect timeout is the agent's.
 */
export class WebhookAgents {
  private readonly agents = new Map<string, Agent>();
  private closed = false;

  /** The agent for `key`, made by `make` the first time; undefined once closed (use a one-off agent). */
  get(key: string, make: () => Agent): Agent | undefined {
    if (this.closed) return undefined;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = make();
      this.agents.set(key, agent);
    }
    return agent;
  }

  get size(): number {
    return this.agents.size;
  }

  /** Closes every kept-alive connection (at shutdown, after the last delivery). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.destroy().catch(() => undefined)));
  }
}

/** The pool key of a delivery, or undefined when its options cannot share connections (custom resolvers, function policies). */
export function agentKey(networks: unknown, timeoutMs: number, lookup: LookupFunction | undefined): string | undefined {
  if (lookup !== undefined || typeof networks !== 'string') return undefined;
  return `${networks}|${timeoutMs}`;
}
