import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';
import { AUTH_FAILURES_PER_MINUTE } from './router.js';

describe('API keys', () => {
  let kit: AdminTestKit;
  beforeEach(async () => (kit = await adminTestKit()));
  afterEach(() => kit.close());

  it('makes a key shown once, which then works with exactly its scopes', async () => {
    const res = await kit.request('POST', '/keys', { json: { name: 'crm', scopes: ['read'] } });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { id: number; key: string; prefix: string; scopes: string[] };
    expect(made.key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(made.key.startsWith(made.prefix)).toBe(true);
    expect(made.scopes).toEqual(['read']);

    const list = (await (await kit.request('GET', '/keys')).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(made.key);

    expect((await kit.request('GET', '/keys', { key: made.key })).status).toBe(403); // read cannot list keys
    const del = await kit.request('DELETE', `/keys/${made.id}`);
    expect(del.status).toBe(204);
    expect((await kit.request('GET', '/keys', { key: made.key })).status).toBe(401);
  });

  it('names each mistake in the body with its key path', async () => {
    const res = await kit.request('POST', '/keys', { json: { name: '', scopes: ['root'], extra: 1 } });
    expect(res.status).toBe(422);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    const body = (await res.json()) as { type: string; status: number; errors: Array<{ path: string; message: string }> };
    expect(body.status).toBe(422);
    expect(body.type).toBe('tag:hookline,2026:problem/invalid');
    expect(body.errors.map((e) => e.path).sort()).toEqual(['extra', 'name', 'scopes[0]']);
  });

  it('refuses a body that is not JSON, and says so', async () => {
    const notJson = await kit.request('POST', '/keys', { body: '{name:', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const form = await kit.request('POST', '/keys', { body: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });

  it('answers 404 for a key that does not exist and 400 for an id that is not one', async () => {
    expect((await kit.request('DELETE', '/keys/999')).status).toBe(404);
    const bad = await kit.request('DELETE', '/keys/abc');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe('id');
  });

  it('refuses a source that keeps failing to authenticate for a minute, valid key or not, and logs every change', async () => {
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) expect((await kit.request('GET', '/keys', { key: `wrong-${i}` })).status).toBe(401);
    const blocked = await kit.request('GET', '/keys');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('Retry-After'))).toBeGreaterThan(0);
    kit.clock.advance(60_000);
    expect((await kit.request('GET', '/keys')).status).toBe(200);
  });

  it('writes an audit line for every change, naming the key that made it', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const audited = await adminTestKit(() => [], { logger });
    try {
      const made = (await (await audited.request('POST', '/keys', { json: { name: 'ops', scopes: ['admin'] } })).json()) as { id: number; key: string };
      await audited.request('DELETE', `/keys/${made.id}`, { key: made.key });
      await audited.request('GET', '/keys');
      const audit = lines.filter((l) => l['audit']).map((l) => l['audit']);
      expect(audit).toEqual([
        { actor: 'HOOKLINE_API_KEY', via: 'env_key', operation: 'createKey', path: '/api/v1/keys', status: 201, peer: 'unknown' },
        { actor: 'ops', via: 'api_key', keyId: made.id, operation: 'deleteKey', path: `/api/v1/keys/${made.id}`, status: 204, peer: 'unknown' },
      ]);
    } finally {
      await audited.close();
    }
  });

  it('refuses every operation without a key, and with a key lacking its scope', async () => {
    expect(await authFailures(kit)).toEqual([]);
  });

  it('serves an OpenAPI 3.1 document without a key', async () => {
    const res = await kit.app.request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths['/keys/{id}']?.['delete']?.responses ?? {}).sort()).toEqual(['204', '400', '401', '403', '404']);
  });
});
