import { z } from 'zod';
import { API_SCOPES, type ApiKeys } from '../../admin/keys.js';
import type { ApiKeyRecord } from '../../store/types.js';
import type { AdminRouter } from './router.js';
import { strict } from '../../config/schema.js';

const scope = z.enum(API_SCOPES as unknown as ['read', 'calls', 'admin']);

export const apiKeySchema = z.object({
  id: z.int().positive(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart' }),
  scopes: z.array(scope),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable().meta({ description: 'Updated at most once a minute' }),
});

function toJson(k: ApiKeyRecord): z.output<typeof apiKeySchema> {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, created_at: k.createdAt.toISOString(), last_used_at: k.lastUsedAt?.toISOString() ?? null };
}

const createBody = strict({
  name: z.string().trim().min(1).max(100).meta({ description: 'Who or what uses the key' }),
  scopes: z.array(scope).min(1).meta({ description: 'read: every GET; calls: place calls and test calls, replay webhooks; admin: change configuration, audio, recordings and keys' }),
});

export function registerKeyRoutes(router: AdminRouter, keys: ApiKeys): void {
  router.add({
    id: 'listKeys',
    method: 'get',
    path: '/keys',
    tag: 'keys',
    summary: 'List API keys (never the keys themselves)',
    scope: 'admin',
    responses: { 200: { description: 'The keys made through the API', schema: z.object({ items: z.array(apiKeySchema) }) } },
    handle: async (c) => c.json({ items: (await keys.list()).map(toJson) }),
  });
  router.add({
    id: 'createKey',
    method: 'post',
    path: '/keys',
    tag: 'keys',
    summary: 'Make an API key',
    description: 'The response is the only time the key is shown; hookline keeps only its SHA-256.',
    scope: 'admin',
    body: { schema: createBody },
    responses: { 201: { description: 'The key, shown this once', schema: apiKeySchema.extend({ key: z.string() }) } },
    handle: async (c, { body }) => {
      const { record, key } = await keys.create(body.name, body.scopes);
      return c.json({ ...toJson(record), key }, 201);
    },
  });
  router.add({
    id: 'deleteKey',
    method: 'delete',
    path: '/keys/{id}',
    tag: 'keys',
    summary: 'Revoke an API key',
    scope: 'admin',
    params: z.object({ id: z.coerce.number().int().positive() }),
    responses: { 204: { description: 'Revoked: the key no longer works' }, 404: { description: 'No such key' } },
    handle: async (c, { params }) => {
      await keys.delete(params.id);
      return c.body(null, 204);
    },
  });
}
