/**
 * Writes docs/admin-api.md from the Administration API's own operation definitions
 * (`npm run docs:api`). src/api/admin/openapi-markdown.test.ts fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { adminApiMarkdown } from '../src/api/admin/reference.js';

const target = new URL('../docs/admin-api.md', import.meta.url);
writeFileSync(target, adminApiMarkdown());
console.log(`wrote ${target.pathname}`);
