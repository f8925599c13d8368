/**
 * Building blocks, numbers and post-call actions: one resource each, in the flows file's own shape
 * (an IVR is exactly an entry of the file's `ivrs`), with ETags on every item and If-Match on changes.
 */
import { z } from 'zod';
import { ITEM_SCHEMA, KIND_WORDS, type ConfigKind } from '../../admin/config-kinds.js';
import type { ConfigEntry, ConfigService } from '../../admin/config-service.js';
import { exportYaml } from '../../admin/config-export.js';
import { ADMIN_API_BASE } from './paths.js';
import { AdminError } from '../../admin/errors.js';
import { ifMatch } from './etag.js';
import type { AdminContext, AdminRouter } from './router.js';

interface Resource {
  kind: ConfigKind;
  path: string;
  tag: string;
  /** The path parameter naming one item. */
  param: 'id' | 'number' | 'name';
  plural: string;
  /** The operation ids' noun (`listSourcetrakPools`) when the tag does not give it. */
  op?: string;
}

const RESOURCES: Resource[] = [
  { kind: 'ivr', path: '/ivrs', tag: 'ivrs', param: 'id', plural: 'IVRs' },
  { kind: 'findme', path: '/findmes', tag: 'findmes', param: 'id', plural: 'Find Mes' },
  { kind: 'vr', path: '/vrs', tag: 'vrs', param: 'id', plural: 'Virtual Receptionists' },
  { kind: 'voicemail', path: '/voicemails', tag: 'voicemails', param: 'id', plural: 'voicemail boxes' },
  { kind: 'number', path: '/numbers', tag: 'numbers', param: 'number', plural: 'numbers' },
  { kind: 'post_call_action', path: '/post-call-actions', tag: 'post-call-actions', param: 'id', plural: 'post-call actions' },
  { kind: 'sourcetrak_pool', path: '/sourcetrak-pools', tag: 'sourcetrak', param: 'name', plural: 'SourceTrak pools', op: 'SourcetrakPools' },
];

const article = (w: string): string => (/^[AEIOU]/i.test(w) ? 'an' : 'a');

const managedBy = z.enum(['file', 'api']).meta({ description: 'file: defined in the flows file, read-only here; api: made through the API or console' });

function itemParams(r: Resource): z.ZodType<Record<string, string>> {
  if (r.param === 'name') return z.object({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a pool name: letters, digits, - and _' }) });
  return r.param === 'id'
    ? z.object({ id: z.string().regex(/^[1-9][0-9]{0,9}$/, { error: 'expected a positive whole number' }) })
    : z.object({ number: z.string().regex(/^\+?[0-9]{1,20}$/, { error: 'expected a dialed number: digits with an optional leading +' }) });
}

function sendEntry(c: AdminContext, e: ConfigEntry, status: 200 | 201 = 200): Response {
  c.header('ETag', e.etag);
  c.header('Hookline-Managed-By', e.managedBy);
  if (status === 201) c.header('Location', `${ADMIN_API_BASE}${RESOURCES.find((r) => r.kind === e.kind)?.path ?? ''}/${encodeURIComponent(e.key)}`);
  return c.json(e.value, status);
}

function registerResource(router: AdminRouter, config: ConfigService, r: Resource): void {
  const words = KIND_WORDS[r.kind];
  const schema = ITEM_SCHEMA[r.kind];
  const one = `${r.path}/{${r.param}}`;
  const entryHeaders = { ETag: 'The version, for If-Match', 'Hookline-Managed-By': 'file or api' };
  const shape = r.kind === 'number' ? 'a number as { number, to, label }' : r.kind === 'sourcetrak_pool' ? "an entry of the flows file's `sourcetrak_pools`" : `an entry of the flows file's \`${r.path.slice(1).replace(/-/g, '_')}\``;
  const opId = r.op ?? r.tag.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase()).replace(/^./, (ch) => ch.toUpperCase());

  router.add({
    id: `list${opId}`,
    method: 'get',
    path: r.path,
    tag: r.tag,
    summary: `List ${r.plural}`,
    description: `Each item is ${shape}, with who manages it and its ETag.`,
    scope: 'read',
    responses: {
      200: {
        description: `Every ${words} of the configuration`,
        schema: z.object({ items: z.array(z.object({ managed_by: managedBy, etag: z.string(), value: schema })) }),
      },
    },
    handle: (c) => c.json({ items: config.entries(r.kind).map((e) => ({ managed_by: e.managedBy, etag: e.etag, value: e.value })) }),
  });

  router.add({
    id: `get${opId.replace(/s$/, '')}`,
    method: 'get',
    path: one,
    tag: r.tag,
    summary: `Read one ${words}`,
    scope: 'read',
    params: itemParams(r),
    responses: { 200: { description: `The ${words}: ${shape}`, schema, headers: entryHeaders }, 404: { description: `No such ${words}` } },
    handle: (c, { params }) => {
      const key = String(params[r.param]);
      const e = config.entry(r.kind, key);
      if (!e) throw new AdminError('not_found', `no ${words} ${key}`);
      return sendEntry(c, e);
    },
  });

  router.add({
    id: `create${opId.replace(/s$/, '')}`,
    method: 'post',
    path: r.path,
    tag: r.tag,
    summary: `Make ${article(words)} ${words}`,
    description: r.param === 'id' ? 'Without an `id` the next free one is taken. It takes effect for new calls at once.' : r.kind === 'sourcetrak_pool' ? 'It takes effect for the next page view and call at once.' : 'It takes effect for new calls at once.',
    scope: 'admin',
    body: { schema, validate: false, description: shape },
    responses: {
      201: { description: `The ${words} as stored, every default written out`, schema, headers: { ...entryHeaders, Location: 'Its URL' } },
      409: { description: 'The id exists already, or it conflicts with the rest of the configuration' },
    },
    handle: async (c, { body, principal }) => sendEntry(c, (await config.write(r.kind, undefined, body, { mode: 'create' }, principal.name)).entry, 201),
  });

  router.add({
    id: `replace${opId.replace(/s$/, '')}`,
    method: 'put',
    path: one,
    tag: r.tag,
    summary: `Make or replace ${article(words)} ${words}`,
    description: `With If-Match the ${words} must exist and be the version read. It takes effect for new calls at once; calls in progress keep the configuration they started with.`,
    scope: 'admin',
    conditional: true,
    params: itemParams(r),
    body: { schema, validate: false, description: shape },
    responses: {
      200: { description: 'Replaced', schema, headers: entryHeaders },
      201: { description: 'Made', schema, headers: entryHeaders },
      409: { description: 'Managed by the flows file, or it conflicts with the rest of the configuration' },
    },
    handle: async (c, { params, body, principal }) => {
      const tags = ifMatch(c);
      const r2 = await config.write(r.kind, String(params[r.param]), body, { mode: 'put', ...(tags ? { ifMatch: tags } : {}) }, principal.name);
      return sendEntry(c, r2.entry, r2.created ? 201 : 200);
    },
  });

  router.add({
    id: `delete${opId.replace(/s$/, '')}`,
    method: 'delete',
    path: one,
    tag: r.tag,
    summary: `Delete ${article(words)} ${words}`,
    description: 'Refused while something else refers to it (409 names each reference).',
    scope: 'admin',
    conditional: true,
    params: itemParams(r),
    responses: { 204: { description: 'Deleted' }, 404: { description: `No such ${words}` }, 409: { description: 'Managed by the flows file, or still referred to' } },
    handle: async (c, { params, principal }) => {
      await config.remove(r.kind, String(params[r.param]), ifMatch(c), principal.name);
      return c.body(null, 204);
    },
  });
}

const statusSchema = z.object({
  file: z.string().meta({ description: 'The flows file' }),
  revision: z.int().meta({ description: 'Goes up with every change' }),
  disabled: z.array(z.object({ kind: z.string(), key: z.string(), reason: z.string() })).meta({
    description: 'Items made through the API that are not served, and why (e.g. the flows file now defines the same id)',
  }),
});

export function registerConfigRoutes(router: AdminRouter, config: ConfigService): void {
  for (const r of RESOURCES) registerResource(router, config, r);
  router.add({
    id: 'configStatus',
    method: 'get',
    path: '/config/status',
    tag: 'config',
    summary: 'The configuration\'s revision, and API items not served',
    scope: 'read',
    responses: { 200: { description: 'Status', schema: statusSchema } },
    handle: (c) => c.json(config.status()),
  });
  router.add({
    id: 'exportConfig',
    method: 'get',
    path: '/config/export',
    tag: 'config',
    summary: 'The whole configuration as a flows file',
    description: 'What `hookline export` writes: the flows file and every item made through the API, as YAML that loads back to the same configuration.',
    scope: 'read',
    responses: { 200: { description: 'A flows file', contentType: 'application/yaml' } },
    handle: (c) => c.body(exportYaml(config), 200, { 'Content-Type': 'application/yaml; charset=utf-8', 'Content-Disposition': 'attachment; filename="flows.yaml"' }),
  });
}
