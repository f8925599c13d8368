import { FakeClock } from '../lib/clock.js';
import { MemoryNonceStore, verifyDigest, type DigestVerdict, type VerifyOptions } from './digest-server.js';
import { SipEndpoint, type RequestHandler } from './endpoint.js';
import { MemoryTransport } from './memory-transport.js';
import { SipRequest, type SipMessage } from './message.js';
import type { ServerTransaction } from './transaction-server.js';
import type { Destination, MessageHandler } from './transport.js';

/**
 * Socketless pairs of endpoints for the auth and registration tests: what one sends, the other
 * receives on the next microtask (never synchronously, as a socket would not), both on one FakeClock.
 */

class LinkedTransport extends MemoryTransport {
  peer: { transport: LinkedTransport; deliver: MessageHandler } | undefined;
  /** Drops everything sent while true: a peer that has gone silent. */
  mute = false;

  override send(data: Buffer, dest: Destination): Promise<void> {
    const sent = super.send(data, dest);
    const peer = this.peer;
    if (peer && !this.mute) queueMicrotask(() => peer.transport.inject(data, { address: this.address, port: this.port }, peer.deliver));
    return sent;
  }
}

export interface LinkedPair {
  clock: FakeClock;
  client: SipEndpoint;
  server: SipEndpoint;
  clientWire: MemoryTransport & { mute: boolean };
  serverWire: MemoryTransport & { mute: boolean };
  /** Where the client sends to reach the server. */
  serverAddress: Destination;
  /** Requests the server's TU was handed (ACK and CANCEL are absorbed by its core). */
  received: SipRequest[];
  /** Replaces the server's request handler. */
  handle(handler: RequestHandler): void;
}

export function linkedPair(clock = new FakeClock(0)): LinkedPair {
  const clientWire = new LinkedTransport('UDP', '192.0.2.1', 5060);
  const serverWire = new LinkedTransport('UDP', '192.0.2.2', 5060);
  let handler: RequestHandler = (_req, tx) => tx.respond(200);
  const received: SipRequest[] = [];
  let c = 0;
  let s = 0;
  const client = new SipEndpoint({ host: '192.0.2.1', clock, random: () => `c${++c}`, onRequest: () => {} });
  const server = new SipEndpoint({
    host: '192.0.2.2',
    clock,
    random: () => `s${++s}`,
    methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS'],
    onRequest: (req, tx) => {
      received.push(req);
      handler(req, tx);
    },
  });
  client.addTransport(clientWire);
  server.addTransport(serverWire);
  clientWire.peer = { transport: serverWire, deliver: (m: SipMessage, src) => server.receive(m, src) };
  serverWire.peer = { transport: clientWire, deliver: (m: SipMessage, src) => client.receive(m, src) };
  return {
    clock,
    client,
    server,
    clientWire,
    serverWire,
    serverAddress: { transport: 'UDP', address: '192.0.2.2', port: 5060 },
    received,
    handle: (h) => {
      handler = h;
    },
  };
}

/** Lets queued deliveries (and whatever they trigger) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface DigestGuardOptions extends VerifyOptions {
  realm: string;
  users: Record<string, string>;
  nonces?: MemoryNonceStore;
  clock?: FakeClock;
}

/**
 * The check a fake trunk or registrar makes first: true when the request may proceed, otherwise the
 * challenge (or 400) has been sent. Verdicts are kept for assertions.
 */
export function digestGuard(opts: DigestGuardOptions): { check(req: SipRequest, tx: ServerTransaction): boolean; verdicts: DigestVerdict[]; nonces: MemoryNonceStore } {
  let n = 0;
  const nonces = opts.nonces ?? new MemoryNonceStore({ ...(opts.clock ? { clock: opts.clock } : {}), random: () => `nonce${++n}` });
  const verdicts: DigestVerdict[] = [];
  return {
    nonces,
    verdicts,
    check(req, tx) {
      const v = verifyDigest(req, (u) => opts.users[u], opts.realm, nonces, opts);
      verdicts.push(v);
      if (!v.ok) tx.respond(v.status, undefined, { headers: v.headers });
      return v.ok;
    },
  };
}
