import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFlows } from '../config/flows.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { SourceTrak } from '../sourcetrak/service.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { MAX_VISIT_BYTES, sourcetrakRoutes } from './sourcetrak-routes.js';

const FLOWS = `
numbers: { "8005550160": ivr/1, "8005550161": ivr/1 }
ivrs: [{ id: 1, questions: [{ type: say, prompt: Hi }] }]
sourcetrak_pools:
  - { name: web, numbers: ["8005550160", "8005550161"], domains: [example.com] }
`;
const TAG = '(function(){/* the tag */})();'.repeat(20);

describe('SourceTrak HTTP', () => {
  let store: Store;
  let app: ReturnType<typeof sourcetrakRoutes>;
  beforeEach(async () => {
    const clock = new FakeClock();
    store = await createSqliteStore(':memory:', { clock });
    const flows = parseFlows(FLOWS, 'f.yaml');
    const sourcetrak = new SourceTrak({ store, flows: () => flows, clock, logger: silentLogger, retentionDays: 90 });
    app = sourcetrakRoutes({ sourcetrak, clock, logger: silentLogger, tag: TAG, rate: { perMinute: 60, burst: 5 }, clientAddress: (c) => c.req.header('X-Test-Peer') ?? 'a' });
  });
  afterEach(() => store.close());

  const visit = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/st/visit', { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: 'https://www.example.com', 'X-Test-Peer': String(Math.random()), ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('serves the tag cacheable, gzipped when asked, and 304 for its ETag', async () => {
    const plain = await app.request('/st.js');
    expect(await plain.text()).toBe(TAG);
    expect(plain.headers.get('Cache-Control')).toBe('public, max-age=3600');
    const zipped = await app.request('/st.js', { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(zipped.headers.get('Content-Encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString()).toBe(TAG);
    expect((await app.request('/st.js', { headers: { 'If-None-Match': plain.headers.get('ETag')! } })).status).toBe(304);
  });

  it('answers a page on the pool\'s domain with CORS, the number and a session, and nothing of what was sent', async () => {
    const res = await visit({ pool: 'web', page: 'https://www.example.com/?utm_campaign=<script>', title: '<img src=x onerror=alert(1)>' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('https://www.example.com');
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ pid: expect.stringMatching(/^[0-9a-f]{32}$/), numbers: { '': '8005550161' }, replace: [] });
    expect(body).not.toMatch(/script|img/);
  });

  it('refuses other sites (no CORS), a missing origin, bad bodies, unknown pools and large bodies', async () => {
    const other = await visit({ pool: 'web', page: 'https://evil.test/' }, { Origin: 'https://evil.test' });
    expect([other.status, other.headers.get('Access-Control-Allow-Origin')]).toEqual([403, null]);
    expect((await visit({ pool: 'web', page: 'https://example.com/' }, { Origin: '' })).status).toBe(403);
    expect((await visit('{not json')).status).toBe(400);
    expect((await visit({ pool: 'web', page: 'x', locations: 'all' })).status).toBe(400);
    expect((await visit({ pool: 'nope', page: 'https://example.com/' })).status).toBe(404);
    expect((await visit({ pool: 'web', page: 'x'.repeat(MAX_VISIT_BYTES) })).status).toBe(413);
    expect(await store.sourcetrak.numberUse(['8005550161'], new Date(0))).toEqual([{ number: '8005550161', liveSessions: 0 }]);
  });

  it('honours Do Not Track and Global Privacy Control: the default number, no session', async () => {
    for (const h of [{ DNT: '1' }, { 'Sec-GPC': '1' }] as Array<Record<string, string>>) {
      expect(await (await visit({ pool: 'web', page: 'https://example.com/' }, h)).json()).toEqual({ pid: null, numbers: { '': '8005550160' }, replace: [] });
    }
    expect((await (await visit({ pool: 'web', page: 'https://example.com/', dnt: true })).json()) as { pid: null }).toMatchObject({ pid: null });
  });

  it('limits each address, not everyone', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await visit({ pool: 'web', page: 'https://example.com/' }, { 'X-Test-Peer': 'busy' })).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await visit({ pool: 'web', page: 'https://example.com/' }, { 'X-Test-Peer': 'other' })).status).toBe(200);
  });
});
