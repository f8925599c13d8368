/**
 * The OpenAPI 3.1 document of the Administration API, built from the operations' own zod schemas
 * (zod 4's toJSONSchema emits JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect).
 * Served at /api/v1/openapi.json; docs/admin-api.md is rendered from it (scripts/admin-api-doc.ts).
 */
import { z } from 'zod';
import type { AnyOperation, ResponseSpec } from './router.js';
import { PROBLEM_TYPE_BASE } from './problem.js';

type Json = Record<string, unknown>;

/**
 * Objects that refuse unknown keys are built as loose objects with a check (config/schema.ts, for
 * better messages); the document says what they accept: no other keys.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const j = ctx.jsonSchema as Json;
      const extra = j['additionalProperties'];
      if (j['type'] === 'object' && j['properties'] && extra && typeof extra === 'object' && Object.keys(extra).length === 0) {
        j['additionalProperties'] = false;
      }
    },
  }) as Json;
  delete json['$schema'];
  return json;
}

const problemSchema = {
  type: 'object',
  description: `RFC 9457 problem details. \`type\` is ${PROBLEM_TYPE_BASE}<code>; \`errors\` lists key paths at fault, written as the flows loader writes them.`,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] } },
  },
  required: ['type', 'title', 'status', 'detail'],
};

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string): Json => ({ description, content: { 'application/problem+json': { schema: problemRef } } });

function response(spec: ResponseSpec): Json {
  const out: Json = { description: spec.description };
  if (spec.schema) out['content'] = { [spec.contentType ?? 'application/json']: { schema: toSchema(spec.schema, 'output') } };
  else if (spec.contentType) out['content'] = { [spec.contentType]: {} };
  if (spec.headers) out['headers'] = Object.fromEntries(Object.entries(spec.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]));
  return out;
}

/** Path or query parameters from an object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const props = (json['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function operation(op: AnyOperation): Json {
  // An error response without a body of its own is a problem detail, like every error of the API.
  const responses: Json = Object.fromEntries(
    Object.entries(op.responses).map(([status, spec]) => [status, Number(status) >= 400 && !spec.schema && !spec.contentType ? problemResponse(spec.description) : response(spec)]),
  );
  if (op.query || op.params) responses['400'] ??= problemResponse('A path or query parameter is not valid');
  responses['401'] ??= problemResponse('No API key, or an unknown one');
  responses['403'] ??= problemResponse(`The key lacks the \`${op.scope}\` scope`);
  if (op.body && 'schema' in op.body) {
    responses['415'] ??= problemResponse('The body is not application/json');
    responses['422'] ??= problemResponse('The body is not valid; `errors` names each key path at fault');
  }
  if (op.conditional) responses['412'] ??= problemResponse('If-Match names a version that is no longer current');
  const params = [...parameters(op.params, 'path'), ...parameters(op.query, 'query')];
  if (op.conditional) params.push({ name: 'If-Match', in: 'header', required: false, description: 'The ETag you read; the change is refused with 412 if the resource changed since.', schema: { type: 'string' } });
  const out: Json = {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    description: `${op.description ? op.description + '\n\n' : ''}Scope: \`${op.scope}\`.`,
    'x-hookline-scope': op.scope,
    ...(params.length > 0 ? { parameters: params } : {}),
    responses,
  };
  if (op.body && 'schema' in op.body) {
    out['requestBody'] = { required: true, ...(op.body.description ? { description: op.body.description } : {}), content: { 'application/json': { schema: toSchema(op.body.schema, 'input') } } };
  } else if (op.body && 'raw' in op.body) {
    out['requestBody'] = { required: true, description: op.body.raw.description, content: Object.fromEntries(op.body.raw.contentTypes.map((t) => [t, {}])) };
  }
  return out;
}

export interface OpenApiInfo {
  version: string;
  tags: Array<{ name: string; description: string }>;
}

export function openApiDocument(ops: readonly AnyOperation[], info: OpenApiInfo): Json {
  const paths: Record<string, Json> = {};
  for (const op of ops) {
    const path = (paths[op.path] ??= {});
    path[op.method] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'hookline Administration API',
      version: info.version,
      description: 'Manage building blocks, numbers, post-call actions, audio, calls, recordings, the webhook log and API keys of a hookline server. Every error is an RFC 9457 problem detail.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }, { consoleSession: [] }],
    tags: info.tags,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'HOOKLINE_API_KEY, or a key made with POST /keys. Scopes: read, calls, admin.' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'hookline_session', description: 'The web console\'s session; changes also need the X-CSRF-Token header.' },
      },
      schemas: { Problem: problemSchema },
    },
  };
}
