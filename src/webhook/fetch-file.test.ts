import type { LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchFile, type FetchFileOptions } from './fetch-file.js';
import { WebhookError } from './errors.js';
import { isPublicAddress } from './policy.js';
import { TestReceiver, type Handler } from './testing.js';

let servers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function receiver(handler: Handler): Promise<TestReceiver> {
  const r = await TestReceiver.start(handler);
  servers.push(r);
  return r;
}

const OPTS: FetchFileOptions = { networks: 'all', maxBytes: 1000, timeoutMs: 2000 };

async function failure(p: Promise<unknown>): Promise<WebhookError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WebhookError);
  return err as WebhookError;
}

describe('fetchFile', () => {
  it('returns the bytes as sent, with the content type, after following a redirect', async () => {
    const body = Buffer.from([0, 1, 2, 255, 254]);
    const srv = await receiver((r, res) => {
      if (r.url === '/old') {
        res.writeHead(302, { location: '/new.wav' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(body);
    });
    const got = await fetchFile(srv.url('/old'), OPTS);
    expect(Buffer.from(got.bytes)).toEqual(body);
    expect(got.contentType).toBe('audio/wav');
    expect(got.url).toBe(srv.url('/new.wav'));
  });

  it('refuses a body over the cap, announced or not', async () => {
    const announced = await receiver((_r, res) => res.end(Buffer.alloc(1001)));
    expect((await failure(fetchFile(announced.url(), OPTS))).code).toBe('too_large');
    const chunked = await receiver((_r, res) => {
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(600));
    });
    expect((await failure(fetchFile(chunked.url(), OPTS))).code).toBe('too_large');
  });

  it('names a non-2xx status, too many redirects, a bad URL and a refused connection', async () => {
    const missing = await receiver((_r, res) => {
      res.statusCode = 404;
      res.end('no');
    });
    expect(await failure(fetchFile(missing.url(), OPTS))).toMatchObject({ code: 'http_status', message: 'HTTP status 404' });
    const loop = await receiver((_r, res) => {
      res.writeHead(302, { location: '/again' });
      res.end();
    });
    expect((await failure(fetchFile(loop.url(), OPTS))).code).toBe('redirects');
    expect((await failure(fetchFile('ftp://example.com/a.wav', OPTS))).code).toBe('bad_url');
    const gone = await receiver((_r, res) => res.end());
    const url = gone.url();
    await gone.close();
    servers = servers.filter((s) => s !== gone);
    expect((await failure(fetchFile(url, OPTS))).code).toBe('connection');
  });

  it('keeps to the outbound-request policy: a literal address, and a name resolving to one', async () => {
    const srv = await receiver((_r, res) => res.end('secret'));
    expect(await failure(fetchFile(srv.url(), { ...OPTS, networks: 'public' }))).toMatchObject({ code: 'policy' });
    const lookup: LookupFunction = (_h, _o, cb) => (cb as unknown as (e: null, a: unknown) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    const named = `http://files.test:${srv.port}/a.wav`;
    expect(await failure(fetchFile(named, { ...OPTS, networks: isPublicAddress, lookup }))).toMatchObject({ code: 'policy' });
    // The same lookup under `all` connects: the refusal above was the policy's, not the resolver's.
    expect(Buffer.from((await fetchFile(named, { ...OPTS, lookup })).bytes).toString()).toBe('secret');
  });

  it('gives up after the timeout', async () => {
    const srv = await receiver(() => undefined);
    expect((await failure(fetchFile(srv.url(), { ...OPTS, timeoutMs: 100 }))).code).toBe('timeout');
  });
});
