import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One transcription request as the service saw it. */
export interface SttRequest {
  path: string;
  authorization?: string;
  model?: string;
  /** The uploaded file's bytes, its name and its content type. */
  file?: { bytes: Uint8Array; name: string; type: string };
  /** The file starts with a RIFF/WAVE header. */
  isWav: boolean;
}

export type SttReply =
  | { text: string }
  | { status: number; body: string; contentType?: string }
  /** Accept the request and never answer. */
  | 'hang';

/**
 * A speech-to-text service in the OpenAI audio-transcription shape for tests: `POST
 * /v1/audio/transcriptions` with a multipart `file` and `model`, answering what the test's handler
 * says (by default a fixed text). It runs no model: it stands in for one so tests can check what
 * hookline sends and how it takes each kind of answer.
 */
export class SttService {
  readonly requests: SttRequest[] = [];
  private server: Server | undefined;
  private readonly hung = new Set<ServerResponse>();

  constructor(private handler: (req: SttRequest, n: number) => SttReply = () => ({ text: 'hello from the test service' })) {}

  setHandler(handler: (req: SttRequest, n: number) => SttReply): void {
    this.handler = handler;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const rec: SttRequest = { path, isWav: false, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    if (req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      // The platform's own multipart parser, so the test does not trust hand-written parsing.
      const form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body: Buffer.concat(chunks) }).formData();
      const model = form.get('model');
      if (typeof model === 'string') rec.model = model;
      const file = form.get('file');
      if (file && typeof file !== 'string') {
        const bytes = new Uint8Array(await file.arrayBuffer());
        rec.file = { bytes, name: file.name, type: file.type };
        rec.isWav = Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WAVE';
      }
    }
    this.requests.push(rec);
    if (path !== '/v1/audio/transcriptions' || req.method !== 'POST') {
      res.writeHead(404).end('not found');
      return;
    }
    const reply = this.handler(rec, this.requests.length);
    if (reply === 'hang') {
      this.hung.add(res);
      return;
    }
    if ('text' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: reply.text }));
      return;
    }
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' }).end(reply.body);
  }
}
