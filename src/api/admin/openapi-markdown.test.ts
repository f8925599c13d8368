import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adminApiMarkdown, adminOpenApi } from './reference.js';

describe('the Administration API reference', () => {
  it('docs/admin-api.md is the one generated from the operations (run `npm run docs:api` after changing them)', () => {
    const committed = readFileSync(new URL('../../../docs/admin-api.md', import.meta.url), 'utf8');
    expect(committed).toBe(adminApiMarkdown());
  });

  it('documents every operation with its scope, and every body field of an IVR', () => {
    const doc = adminOpenApi() as { paths: Record<string, Record<string, { 'x-hookline-scope': string }>> };
    const scopes = Object.values(doc.paths).flatMap((m) => Object.values(m).map((op) => op['x-hookline-scope']));
    expect(scopes.length).toBeGreaterThan(10);
    expect(new Set(scopes)).toEqual(new Set(['read', 'calls', 'admin']));
    const md = adminApiMarkdown();
    for (const field of ['`questions[].max_digits`', '`webhook.parameters[].value`', '`webhook.on_failure.say`', '`opt_out_key`']) expect(md).toContain(field);
  });
});
