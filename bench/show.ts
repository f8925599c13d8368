/**
 * Prints the table of a stored result again (bench/results/*.json), e.g. to put two commits side by side.
 *
 *   node --import tsx bench/show.ts bench/results/<file>.json [...more files]
 */
import { readFile } from 'node:fs/promises';
import { renderTable } from './lib/table.js';
import { COLUMNS, type Results } from './report.js';

for (const file of process.argv.slice(2)) {
  const r = JSON.parse(await readFile(file, 'utf8')) as Results;
  console.log(`\n${file}: ${String(r.meta['git_sha'])}${r.meta['git_dirty'] ? ' (dirty)' : ''}, ${String(r.meta['date'])}, ${String(r.meta['mode'])}, ${String(r.meta['duration_s'])} s`);
  console.log(renderTable(COLUMNS, r.table ?? []));
}
