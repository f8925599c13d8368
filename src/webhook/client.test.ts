import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, type AttemptInfo, type DeliveryOptions, type DeliveryRequest } from './client.js';
import { isPublicAddress } from './policy.js';
import { verifySignature } from './sign.js';
import { TestReceiver, type Handler } from './testing.js';

const PARAMS: Array<[string, string]> = [
  ['ivr_caller_id', '+13125550199'],
  ['ivr_pass_through', 'user_id|12345||step|call_user'],
  ['name', 'Zoë & Bill'],
];
const ENCODED = 'ivr_caller_id=%2B13125550199&ivr_pass_through=user_id%7C12345%7C%7Cstep%7Ccall_user&name=Zo%C3%AB+%26+Bill';

let servers: TestReceiver[] = [];
async function receiver(handler?: Handler): Promise<TestReceiver> {
  const r = await TestReceiver.start(handler);
  servers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const req = (over: Partial<DeliveryRequest> & { url: string }): DeliveryRequest => ({
  method: 'POST',
  params: PARAMS,
  userAgentVersion: '0.1.0',
  ...over,
});
const OPTS: DeliveryOptions = { timeoutMs: 2000, networks: 'all' };

/** A port nobody listens on: bind, note the port, close. */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const redirectTo = (location: string, status = 302): Handler => (_r, res) => {
  res.writeHead(status, { location });
  res.end('moved');
};

describe('deliver: what arrives', () => {
  it('GET: params appended to the static query, no body, User-Agent', async () => {
    const srv = await receiver((_r, res) => res.end('ok'));
    const r = await deliver(req({ method: 'GET', url: srv.url('/hook?source=ivr10') }), OPTS);
    expect(r).toMatchObject({ ok: true, status: 200, body: 'ok', urlSent: srv.url(`/hook?source=ivr10&${ENCODED}`) });
    const got = srv.received[0]!;
    expect(got.method).toBe('GET');
    expect(got.url).toBe(`/hook?source=ivr10&${ENCODED}`);
    expect([...new URL(got.url, 'http://x').searchParams]).toEqual([['source', 'ivr10'], ...PARAMS]);
    expect(got.body).toBe('');
    expect(got.headers['user-agent']).toBe('hookline/0.1.0');
    expect(got.headers['content-type']).toBeUndefined();
    expect(got.headers['hookline-signature']).toBeUndefined();
  });

  it('POST: a UTF-8 form body, the URL keeps its static params', async () => {
    const srv = await receiver((_r, res) => res.end('ok'));
    const r = await deliver(req({ url: srv.url('/hook?source=ivr10') }), OPTS);
    expect(r).toMatchObject({ ok: true, urlSent: srv.url('/hook?source=ivr10') });
    const got = srv.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hook?source=ivr10');
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(ENCODED)));
    expect(got.body).toBe(ENCODED);
    expect([...new URLSearchParams(got.body)]).toEqual(PARAMS);
  });

  it.each(['GET', 'POST'] as const)('%s: signs over the path and query as sent', async (method) => {
    const srv = await receiver((_r, res) => res.end());
    await deliver(req({ method, url: srv.url('/hook?source=ivr10'), secret: 's3cret' }), OPTS);
    const got = srv.received[0]!;
    const sig = got.headers['hookline-signature'] as string;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', sig, got.method, got.url, got.body, { nowSeconds: Date.now() / 1000 })).toBe(true);
    expect(verifySignature('other', sig, got.method, got.url, got.body)).toBe(false);
  });

  it('connects to the address the lookup resolved, keeping the host name in Host', async () => {
    const srv = await receiver((r, res) => res.end(r.headers.host));
    const lookup: LookupFunction = (_h, _o, cb) => (cb as unknown as (e: null, a: unknown) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    const r = await deliver(req({ url: `http://hook.test:${srv.port}/` }), { ...OPTS, lookup });
    expect(r).toMatchObject({ ok: true, body: `hook.test:${srv.port}` });
  });
});

describe('deliver: failures', () => {
  it('times out against a server that never answers, within the timeout', async () => {
    const srv = await receiver(() => undefined);
    const t0 = Date.now();
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, timeoutMs: 300 });
    const took = Date.now() - t0;
    expect(r).toMatchObject({ ok: false, failure: { code: 'timeout' } });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(r.latencyMs).toBeLessThan(1000);
  });

  it('times out against a body that trickles forever', async () => {
    const srv = await receiver((_r, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(t));
    });
    const t0 = Date.now();
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, status: 200, failure: { code: 'timeout' } });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('treats a 500 as a failure and keeps its body', async () => {
    const srv = await receiver((_r, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const r = await deliver(req({ url: srv.url() }), OPTS);
    expect(r).toMatchObject({ ok: false, status: 500, body: 'boom', failure: { code: 'http_status', message: 'HTTP status 500' } });
  });

  it('retries a refused connection once, then fails', async () => {
    const port = await freePort();
    const attempts: AttemptInfo[] = [];
    const r = await deliver(req({ url: `http://127.0.0.1:${port}/` }), { ...OPTS, observer: { onSend: (a) => void attempts.push(a) } });
    expect(r).toMatchObject({ ok: false, failure: { code: 'connection', message: expect.stringContaining('ECONNREFUSED') } });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('a refused connection succeeds on the retry when the server came up', async () => {
    const port = await freePort();
    let late: http.Server | undefined;
    const r = await deliver(req({ url: `http://127.0.0.1:${port}/` }), {
      ...OPTS,
      observer: {
        onOutcome: async (a) => {
          if (a.attempt !== 1) return;
          late = http.createServer((_q, res) => res.end('late'));
          await new Promise<void>((ok) => late!.listen(port, '127.0.0.1', ok));
        },
      },
    });
    late?.closeAllConnections();
    late?.close();
    expect(r).toMatchObject({ ok: true, body: 'late' });
  });

  it('retries a reset connection once', async () => {
    let n = 0;
    const srv = await receiver((r, res) => {
      if (++n === 1) res.socket?.destroy();
      else res.end(`second ${r.body}`);
    });
    const r = await deliver(req({ url: srv.url(), params: [['a', '1']] }), OPTS);
    expect(r).toMatchObject({ ok: true, body: 'second a=1' });
    expect(srv.received).toHaveLength(2);
  });

  it('does not retry a DNS failure', async () => {
    const attempts: number[] = [];
    const lookup: LookupFunction = (_h, _o, cb) => cb(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }), '', 0);
    const r = await deliver(req({ url: 'http://nowhere.test/' }), { ...OPTS, lookup, observer: { onSend: (a) => void attempts.push(a.attempt) } });
    expect(r).toMatchObject({ ok: false, failure: { code: 'connection' } });
    expect(attempts).toEqual([1]);
  });

  it('refuses a body over 64 KiB, keeping its first 64 KiB', async () => {
    const srv = await receiver((_r, res) => res.end('x'.repeat(64 * 1024 + 1)));
    const r = await deliver(req({ url: srv.url() }), OPTS);
    expect(r).toMatchObject({ ok: false, status: 200, failure: { code: 'too_large' } });
    expect(r.body).toHaveLength(64 * 1024);
  });

  it('stops reading an endless body at once rather than at the timeout', async () => {
    const srv = await receiver((_r, res) => {
      res.writeHead(200);
      const chunk = 'y'.repeat(16 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      res.on('error', () => undefined);
      pump();
    });
    const t0 = Date.now();
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, timeoutMs: 5000 });
    expect(r).toMatchObject({ ok: false, failure: { code: 'too_large' } });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const srv = await receiver((_r, res) => res.end('z'.repeat(64 * 1024)));
    const r = await deliver(req({ url: srv.url() }), OPTS);
    expect(r).toMatchObject({ ok: true });
    expect(r.body).toHaveLength(64 * 1024);
  });

  it('fails an invalid URL without sending anything', async () => {
    const r = await deliver(req({ url: 'ftp://example.com/' }), OPTS);
    expect(r).toMatchObject({ ok: false, failure: { code: 'bad_url' }, urlSent: 'ftp://example.com/' });
  });
});

describe('deliver: redirects', () => {
  it('follows up to 3 redirects', async () => {
    const srv = await receiver((r, res) => {
      const n = Number(new URL(r.url, 'http://x').searchParams.get('n') ?? '0');
      if (n < 3) return redirectTo(`/hop?n=${n + 1}`)(r, res);
      res.end(`arrived after ${n}`);
    });
    const r = await deliver(req({ method: 'GET', url: srv.url('/start'), params: [['a', '1']] }), OPTS);
    expect(r).toMatchObject({ ok: true, body: 'arrived after 3', urlSent: srv.url('/hop?n=3') });
    expect(srv.received.map((x) => x.url)).toEqual(['/start?a=1', '/hop?n=1', '/hop?n=2', '/hop?n=3']);
  });

  it('fails a chain of more than 3 redirects', async () => {
    let n = 0;
    const srv = await receiver((r, res) => redirectTo(`/loop${++n}`)(r, res));
    const r = await deliver(req({ url: srv.url('/') }), OPTS);
    expect(r).toMatchObject({ ok: false, status: 302, failure: { code: 'redirects' } });
    expect(srv.received).toHaveLength(4);
  });

  it.each([
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'a=1'],
    [308, 'POST', 'a=1'],
  ])('POST then %i -> %s with body %j, re-signed for the new path', async (status, method, body) => {
    const srv = await receiver((r, res) => {
      if (r.url === '/first') return redirectTo('/second?x=1', status)(r, res);
      res.end('done');
    });
    const r = await deliver(req({ url: srv.url('/first'), params: [['a', '1']], secret: 'k' }), OPTS);
    expect(r).toMatchObject({ ok: true, body: 'done' });
    const second = srv.received[1]!;
    expect(second.method).toBe(method);
    expect(second.body).toBe(body);
    expect(second.headers['content-type']).toBe(method === 'POST' ? 'application/x-www-form-urlencoded' : undefined);
    expect(verifySignature('k', second.headers['hookline-signature'] as string, second.method, second.url, second.body)).toBe(true);
  });

  it('a 3xx without Location is a final non-2xx response', async () => {
    const srv = await receiver((_r, res) => {
      res.writeHead(302);
      res.end();
    });
    expect(await deliver(req({ url: srv.url() }), OPTS)).toMatchObject({ ok: false, status: 302, failure: { code: 'http_status' } });
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const srv = await receiver(redirectTo('file:///etc/passwd'));
    expect(await deliver(req({ url: srv.url() }), OPTS)).toMatchObject({ ok: false, failure: { code: 'bad_url' } });
  });
});

describe('deliver: outbound-request policy', () => {
  it('public refuses a loopback target, literal or by name, before anything is sent', async () => {
    const srv = await receiver((_r, res) => res.end('should not arrive'));
    const literal = await deliver(req({ url: srv.url() }), { ...OPTS, networks: 'public' });
    expect(literal).toMatchObject({ ok: false, failure: { code: 'policy' } });
    const byName = await deliver(req({ url: `http://localhost:${srv.port}/` }), { ...OPTS, networks: 'public' });
    expect(byName).toMatchObject({ ok: false, failure: { code: 'policy' } });
    const ipv6 = await deliver(req({ url: `http://[::1]:${srv.port}/` }), { ...OPTS, networks: 'public' });
    expect(ipv6).toMatchObject({ ok: false, failure: { code: 'policy' } });
    expect(srv.received).toHaveLength(0);
  });

  it('public refuses a name that resolves to the metadata address', async () => {
    const lookup: LookupFunction = (_h, _o, cb) => (cb as unknown as (e: null, a: unknown) => void)(null, [{ address: '169.254.169.254', family: 4 }]);
    const r = await deliver(req({ url: 'http://metadata.test/latest/' }), { ...OPTS, networks: 'public', lookup });
    expect(r).toMatchObject({ ok: false, failure: { code: 'policy', message: expect.stringContaining('169.254.169.254') } });
  });

  // The test server is on loopback, so a policy that allows exactly 127.0.0.1 stands in for
  // "public": the first hop passes, and each redirect target must be checked again.
  const only127001 = (a: string): boolean => a === '127.0.0.1';

  it('checks a redirect to a literal address again', async () => {
    const srv = await receiver(redirectTo('http://127.0.0.2:1/admin'));
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, networks: only127001 });
    // The result describes the refused hop: nothing was sent there, so there is no status.
    expect(r).toMatchObject({ ok: false, failure: { code: 'policy' }, urlSent: 'http://127.0.0.2:1/admin' });
    expect(r.status).toBeUndefined();
    expect(srv.received).toHaveLength(1);
  });

  it('checks a redirect to a host name again, after resolving it', async () => {
    const srv = await receiver((r, res) => (r.url === '/' ? redirectTo(`http://internal.test:${srv.port}/secret`)(r, res) : res.end('leaked')));
    const lookup: LookupFunction = (_h, _o, cb) => (cb as unknown as (e: null, a: unknown) => void)(null, [{ address: '127.0.0.3', family: 4 }]);
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, networks: only127001, lookup });
    expect(r).toMatchObject({ ok: false, failure: { code: 'policy', message: expect.stringContaining('127.0.0.3') } });
    expect(srv.received).toHaveLength(1);
  });

  it('public refuses a redirect into the private network (address check of every hop)', async () => {
    const srv = await receiver(redirectTo('http://10.0.0.1/'));
    const r = await deliver(req({ url: srv.url() }), { ...OPTS, networks: (a) => a === '127.0.0.1' || isPublicAddress(a) });
    expect(r).toMatchObject({ ok: false, failure: { code: 'policy', message: expect.stringContaining('10.0.0.1') } });
  });
});
