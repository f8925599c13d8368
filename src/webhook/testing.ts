import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver saw, byte for byte: the assertions in the client tests are about the wire. */
export interface Received {
  method: string;
  /** Path and query as the request line carried them. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's TCP port: which connection the request came on. */
  remotePort: number;
}

export type Handler = (req: Received, res: http.ServerResponse) => void;

/**
 * A webhook receiver on 127.0.0.1 with a port chosen by the OS, for tests here and for users testing
 * their own IVRs. Every request is recorded before the handler runs.
 */
export class TestReceiver {
  readonly received: Received[] = [];
  private server: http.Server;
  handler: Handler = (_req, res) => res.end('');

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: req.socket.remotePort ?? 0,
        };
        this.received.push(r);
        this.handler(r, res);
      });
    });
  }

  static async start(handler?: Handler): Promise<TestReceiver> {
    const r = new TestReceiver();
    if (handler) r.handler = handler;
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    // Hanging handlers never end their responses; cut them so close() does not wait on them.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
