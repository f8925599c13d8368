/**
 * docs/admin-api.md, rendered from the OpenAPI document: one section per tag, one per operation,
 * with its scope, parameters, body fields and responses. The Markdown is generated (npm run docs:api)
 * and a test fails when the committed file differs, so the reference cannot drift from the code.
 */
type Json = Record<string, unknown>;

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');

/** A short type for a schema: `string`, `integer 1-30`, `"next_action" \| "read_text"`, `list of string`. */
function typeOf(s: Json | undefined): string {
  if (!s) return 'any';
  if (s['const'] !== undefined) return JSON.stringify(s['const']);
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const alts = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
  if (alts) {
    // Objects told apart by a `type` constant (the question types) are named by it.
    const kinds = alts.map((a) => ((a['properties'] as Record<string, Json> | undefined)?.['type']?.['const'] as string | undefined));
    if (kinds.every((k) => typeof k === 'string')) return `object: ${kinds.join(', ')}`;
    return alts.map((a) => typeOf(a)).join(' or ');
  }
  const t = s['type'];
  if (t === 'array') return `list of ${typeOf(s['items'] as Json | undefined)}`;
  if (t === 'object') return s['properties'] ? 'object' : 'map';
  const range = s['minimum'] !== undefined || s['maximum'] !== undefined
    ? ` ${String(s['minimum'] ?? '')}-${s['maximum'] !== undefined && Number(s['maximum']) < 1e15 ? String(s['maximum']) : ''}`
    : '';
  const pattern = s['format'] ? ` (${String(s['format'])})` : '';
  return `${String(t ?? 'any')}${range.trim() === '-' ? '' : range}${pattern}`;
}

interface Row {
  name: string;
  type: string;
  required: boolean;
  dflt: string;
  description: string;
}

/** Fields of an object schema, nested ones as `webhook.url` and list items as `questions[].prompt`. */
function rows(s: Json | undefined, prefix = '', depth = 0): Row[] {
  if (!s || depth > 4) return [];
  const alts = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
  if (alts) {
    // A union of objects (question types): the fields of each, once, with every type a field takes.
    const byName = new Map<string, Row>();
    for (const r of alts.flatMap((a) => rows(a, prefix, depth))) {
      const seen = byName.get(r.name);
      if (!seen) byName.set(r.name, { ...r });
      else if (!seen.type.split(' | ').includes(r.type)) seen.type = `${seen.type} | ${r.type}`;
    }
    return [...byName.values()];
  }
  if (s['type'] === 'array') return rows(s['items'] as Json | undefined, `${prefix}[]`, depth + 1);
  const props = s['properties'] as Record<string, Json> | undefined;
  if (!props) return [];
  const required = new Set((s['required'] ?? []) as string[]);
  return Object.entries(props).flatMap(([name, p]) => {
    const full = prefix ? `${prefix}.${name}` : name;
    const row: Row = {
      name: full,
      type: typeOf(p),
      required: required.has(name),
      dflt: p['default'] === undefined ? '' : JSON.stringify(p['default']),
      description: typeof p['description'] === 'string' ? p['description'] : '',
    };
    return [row, ...rows(p, full, depth + 1)];
  });
}

function table(list: Row[]): string[] {
  if (list.length === 0) return [];
  return [
    '| field | type | required | default | description |',
    '| --- | --- | --- | --- | --- |',
    ...list.map((r) => `| \`${r.name}\` | ${esc(r.type)} | ${r.required ? 'yes' : ''} | ${esc(r.dflt)} | ${esc(r.description)} |`),
    '',
  ];
}

const anchor = (id: string): string => id.toLowerCase();

export function openApiMarkdown(doc: Json): string {
  const info = doc['info'] as Json;
  const tags = (doc['tags'] ?? []) as Array<{ name: string; description: string }>;
  const paths = doc['paths'] as Record<string, Record<string, Json>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const out: string[] = [
    '# Administration API reference',
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs:api`; edit the operations in src/api/admin/, not this file. -->',
    '',
    `${String(info['description'])}`,
    '',
    'Base URL: `/api/v1` on hookline\'s HTTP port. Send `Authorization: Bearer <key>` (HOOKLINE_API_KEY, or a key made with `POST /keys`); ',
    'the console\'s session cookie works too, with `X-CSRF-Token` on changes. The machine-readable document is `GET /api/v1/openapi.json` (OpenAPI 3.1).',
    'How to use it, with examples: [admin-api-guide.md](admin-api-guide.md).',
    '',
    '## Contents',
    '',
  ];
  for (const t of tags) {
    const mine = ops.filter((o) => ((o.op['tags'] as string[] | undefined) ?? [])[0] === t.name);
    if (mine.length === 0) continue;
    out.push(`- **${t.name}**: ${mine.map((o) => `[${o.method.toUpperCase()} ${o.path}](#${anchor(String(o.op['operationId']))})`).join(', ')}`);
  }
  out.push('');
  for (const t of tags) {
    const mine = ops.filter((o) => ((o.op['tags'] as string[] | undefined) ?? [])[0] === t.name);
    if (mine.length === 0) continue;
    out.push(`## ${t.name}`, '', t.description, '');
    for (const { path, method, op } of mine) {
      out.push(`### ${String(op['operationId'])}`, '', `\`${method.toUpperCase()} ${path}\` — ${String(op['summary'])}`, '', String(op['description'] ?? ''), '');
      const params = (op['parameters'] ?? []) as Array<{ name: string; in: string; required: boolean; description?: string; schema: Json }>;
      if (params.length > 0) {
        out.push('| parameter | in | type | required | description |', '| --- | --- | --- | --- | --- |');
        for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${esc(typeOf(p.schema))} | ${p.required ? 'yes' : ''} | ${esc(p.description ?? '')} |`);
        out.push('');
      }
      const body = op['requestBody'] as Json | undefined;
      if (body) {
        const content = body['content'] as Record<string, Json>;
        const [type, media] = Object.entries(content)[0] ?? ['', {}];
        out.push(`Request body (\`${Object.keys(content).join('`, `')}\`)${body['description'] ? `: ${String(body['description'])}` : ''}`, '');
        if (type.includes('json')) out.push(...table(rows(media['schema'] as Json | undefined)));
      }
      out.push('| status | meaning |', '| --- | --- |');
      for (const [status, r] of Object.entries(op['responses'] as Record<string, Json>)) out.push(`| ${status} | ${esc(String(r['description'] ?? ''))} |`);
      out.push('');
    }
  }
  out.push('## Problems', '', 'Every error is an RFC 9457 problem detail (`application/problem+json`): `type` is `tag:hookline,2026:problem/<code>` with these codes:', '');
  out.push(
    '| code | status | when |',
    '| --- | --- | --- |',
    '| bad_request | 400 | the request cannot be read: a bad path or query parameter, a body that is not JSON |',
    '| unauthorized | 401 | no key, or an unknown one |',
    '| forbidden | 403 | the key lacks the scope; or a console change without its CSRF token |',
    '| not_found | 404 | no such resource |',
    '| conflict | 409 | the id exists already, or the change would break other items (each is named in `errors`) |',
    '| file_managed | 409 | the item is defined in the flows file: edit the file, then reload (SIGHUP) |',
    '| precondition_failed | 412 | If-Match names a version that is no longer current |',
    '| too_large | 413 | the body is larger than the operation takes |',
    '| unsupported_media | 415 | the body is not of a type the operation takes |',
    '| invalid | 422 | the body is not valid: `errors[].path` names each key, as the flows loader does |',
    '| rate_limited | 429 | too many attempts (console login) |',
    '| unavailable | 503 | something the request needs is not set up on this server |',
    '| internal | 500 | a fault in hookline: the log says more |',
    '',
  );
  return out.join('\n');
}
