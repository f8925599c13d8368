import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a customer's server saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Query parameters in order (GET webhooks carry everything here). */
  query: Array<[string, string]>;
  /** Form body parameters in order (POST webhooks). */
  form: Array<[string, string]>;
  body: string;
  at: number;
}

export type Reply =
  | { status?: number; body?: string; contentType?: string; delayMs?: number }
  /** Accept the connection and never answer (a hung server). */
  | 'hang'
  /** Drop the connection without a response. */
  | 'reset';

/**
 * A local webhook receiver for tests (ours and our users'): records every request exactly as received
 * and answers with what the test's handler says.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  private pendingHang = new Set<ServerResponse>();

  constructor(private handler: (req: ReceivedRequest) => Reply | Promise<Reply> = () => ({ status: 200, body: '' })) {}

  setHandler(handler: (req: ReceivedRequest) => Reply | Promise<Reply>): void {
    this.handler = handler;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    return this.url('');
  }

  url(pathAndQuery: string): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}${pathAndQuery}`;
  }

  async stop(): Promise<void> {
    for (const res of this.pendingHang) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Waits until `n` requests have arrived (or fails after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const until = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} webhook requests, got ${this.requests.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.requests;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://localhost');
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const rec: ReceivedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: u.pathname,
      headers: req.headers,
      query: [...u.searchParams],
      form: isForm ? [...new URLSearchParams(body)] : [],
      body,
      at: Date.now(),
    };
    this.requests.push(rec);
    const reply = await this.handler(rec);
    if (reply === 'hang') {
      this.pendingHang.add(res);
      return;
    }
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'text/xml' });
    res.end(reply.body ?? '');
  }
}

/** The parameters of a request whichever way they came (query for GET, form for POST), as a map. */
export function paramsOf(r: ReceivedRequest): Map<string, string> {
  return new Map(r.method === 'GET' ? r.query : r.form);
}
