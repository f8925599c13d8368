import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminTestKit, authFailures, type AdminTestKit } from './testing.js';

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
