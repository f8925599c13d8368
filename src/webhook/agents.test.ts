import { afterEach, describe, expect, it } from 'vitest';
import { WebhookAgents, agentKey } from './agents.js';
import { deliver, type DeliveryRequest } from './client.js';
import { TestReceiver } from './testing.js';

let receiver: TestReceiver | undefined;
let agents: WebhookAgents | undefined;
afterEach(async () => {
  await agents?.close();
  await receiver?.close();
  agents = receiver = undefined;
});

const req = (url: string): DeliveryRequest => ({ method: 'POST', url, params: [['ivr_caller_id', '3125550199']], userAgentVersion: '0.1.0' });

/** Three webhooks in a row; the client ports the receiver saw them come from. */
async function threeFrom(shared: WebhookAgents | undefined): Promise<number[]> {
  const ports: number[] = [];
  receiver = await TestReceiver.start((r, res) => {
    ports.push(r.remotePort);
    res.end('ok');
  });
  for (let i = 0; i < 3; i++) {
    const r = await deliver(req(receiver.url('/hook')), { timeoutMs: 2000, networks: 'all', ...(shared ? { agents: shared } : {}) });
    expect(r.ok).toBe(true);
    // undici hands the socket back to its pool a turn after the body ends; webhooks of different calls are apart.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return ports;
}

describe('WebhookAgents', () => {
  it('webhooks through the pool reuse one kept-alive connection', async () => {
    agents = new WebhookAgents();
    const ports = await threeFrom(agents);
    expect(new Set(ports).size).toBe(1);
    expect(agents.size).toBe(1);
  });

  it('without the pool each webhook opens its own connection', async () => {
    const ports = await threeFrom(undefined);
    expect(new Set(ports).size).toBe(3);
  });

  it('keys by policy and timeout; custom resolvers and function policies never share', () => {
    expect(agentKey('public', 5000, undefined)).toBe('public|5000');
    expect(agentKey('all', 5000, undefined)).not.toBe(agentKey('all', 4000, undefined));
    expect(agentKey('public', 5000, () => undefined)).toBeUndefined();
    expect(agentKey(() => true, 5000, undefined)).toBeUndefined();
  });

  it('after close, deliveries still work on one-off connections', async () => {
    agents = new WebhookAgents();
    await agents.close();
    const ports = await threeFrom(agents);
    expect(new Set(ports).size).toBe(3);
    expect(agents.size).toBe(0);
  });
});
