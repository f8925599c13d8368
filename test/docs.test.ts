/**
 * The documentation checked against the code, so that it cannot drift:
 *
 * (a) Every relative link in README.md and docs/*.md points at a file that exists, and a `#anchor`
 *     into a Markdown file (or `#anchor` alone, into the same file) at one of its headings, by
 *     GitHub's slug rules (test/docs-markdown.ts).
 * (b) Every ```yaml block is a flows file the loader (`parseFlows`) accepts, with two conventions
 *     written as the block's first line:
 *       `# fragment of KEY:`  the block is (the value of) the top-level key KEY only, and is checked
 *                             merged into examples/demo-flows.yaml, so that it may refer to the
 *                             demo's blocks (ivr/10, findme/4, vr/3, voicemail/7) and numbers: a
 *                             list item replaces the demo's item of the same id or is added, a
 *                             `numbers` entry is added, anything else (`timezone`,
 *                             `post_call_actions`) replaces the demo's. A block that does not
 *                             itself start with `KEY:` is taken as KEY's value.
 *       `# expect-error: TEXT` the loader must refuse the block with a message containing TEXT.
 * (c) Every ```xml block whose root is <action> is a next-action response that `parseNextAction`
 *     (src/webhook/response.ts) accepts without warnings; one whose first line is
 *     `<!-- fails: CODE -->` must be refused with that WebhookError code. Any other ```xml block (an
 *     answer of ibp_api.php, or only the data that follows its `<result>`) must be well-formed XML
 *     inside a `<response>` element.
 * (d) No file of README.md, docs/, src/, test/, examples/, bench/, scripts/ or bin/ names the team's
 *     reference folder outside the repository.
 *
 * Failures name the file and line of the bad link or example.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SaxesParser } from 'saxes';
import { parseFlows } from '../src/config/flows.js';
import { parseNextAction } from '../src/webhook/response.js';
import { WebhookError } from '../src/webhook/errors.js';
import { codeBlocks, headingAnchors, links, readText, type CodeBlock } from './docs-markdown.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO_FLOWS = join(ROOT, 'examples', 'demo-flows.yaml');

const docFiles = (): string[] => [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(ROOT, 'docs', f)),
];
const rel = (path: string): string => relative(ROOT, path);
const where = (file: string, line: number): string => `${rel(file)}:${line}`;

describe('links', () => {
  it.each(docFiles().map(rel))('%s: every relative link resolves', (name) => {
    const file = join(ROOT, name);
    const bad: string[] = [];
    for (const { target, line } of links(readText(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:...
      const [pathPart = '', anchor] = target.split('#', 2);
      const dest = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      if (!existsSync(dest)) {
        bad.push(`${where(file, line)}: ${target}: no such file ${rel(dest)}`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && dest.endsWith('.md') && !headingAnchors(readText(dest)).has(anchor)) {
        bad.push(`${where(file, line)}: ${target}: no heading #${anchor} in ${rel(dest)}`);
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('reads anchors as GitHub makes them', () => {
    const md = '# The `<app>` element\n## p_t and *user* [params](x.md)\n## Again\n## Again\n```\n# not a heading\n```\n';
    expect([...headingAnchors(md)]).toEqual(['the-app-element', 'p_t-and-user-params', 'again', 'again-1']);
  });
});

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const idOf = (v: unknown): unknown => (isMap(v) ? v['id'] : undefined);

/** A fragment's value for `key` merged into the demo's (see the conventions at the top). */
function mergeInto(demo: Record<string, unknown>, key: string, value: unknown): unknown {
  const old = demo[key];
  if (Array.isArray(old) && Array.isArray(value) && key !== 'post_call_actions') {
    const ids = new Set(value.map(idOf));
    return [...old.filter((item) => !ids.has(idOf(item))), ...value];
  }
  if (key === 'numbers' && isMap(old) && isMap(value)) return { ...old, ...value };
  return value;
}

/** The flows text a yaml block stands for, and whether it is a fragment (see the top). */
function flowsText(block: CodeBlock): { text: string; fragment: boolean } {
  const first = block.text.split('\n')[0] ?? '';
  const fragment = /^#\s*fragment of\s+([a-z_]+):?\s*$/.exec(first);
  if (!fragment) return { text: block.text, fragment: false };
  const key = fragment[1] ?? '';
  const parsed: unknown = parseYaml(block.text);
  const value = isMap(parsed) && Object.keys(parsed).length === 1 && key in parsed ? parsed[key] : parsed;
  const demo = parseYaml(readText(DEMO_FLOWS)) as Record<string, unknown>;
  return { text: stringifyYaml({ ...demo, [key]: mergeInto(demo, key, value) }), fragment: true };
}

function yamlBlocks(file: string): CodeBlock[] {
  return codeBlocks(readText(file)).filter((b) => b.lang === 'yaml' || b.lang === 'yml');
}

describe('yaml examples', () => {
  const files = docFiles().filter((f) => yamlBlocks(f).length > 0);
  it.each(files.map(rel))('%s: every flows example is accepted by the loader', (name) => {
    const file = join(ROOT, name);
    const bad: string[] = [];
    for (const block of yamlBlocks(file)) {
      const at = where(file, block.line);
      const expectError = /^#\s*expect-error:\s*(.+)$/.exec(block.text.split('\n')[0] ?? '')?.[1]?.trim();
      const { text, fragment } = flowsText(block);
      try {
        parseFlows(text, 'BLOCK');
        if (expectError !== undefined) bad.push(`${at}: expected the loader to refuse it with "${expectError}", but it was accepted`);
      } catch (err) {
        // The loader's lines are the block's; name the document's instead (a fragment's are the merged file's).
        const message = (err instanceof Error ? err.message : String(err)).replace(/BLOCK:(\d+)/g, (_m, n: string) =>
          fragment ? `${at} (fragment merged into the demo flows, line ${n})` : where(file, block.line + Number(n) - 1),
        );
        if (expectError === undefined) bad.push(`${at}: refused by the loader:\n    ${message.split('\n').join('\n    ')}`);
        else if (!message.includes(expectError)) bad.push(`${at}: refused with "${message}", not "${expectError}"`);
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('merges a fragment into the demo flows by id', () => {
    const block: CodeBlock = { lang: 'yaml', line: 1, text: '# fragment of vrs:\n- id: 3\n  prompt: "Press 1."\n  options: { "1": ivr/10 }\n- id: 9\n  prompt: "Press 2."\n  options: { "2": findme/4 }' };
    const flows = parseFlows(flowsText(block).text, 'fragment');
    expect([...flows.vrs.keys()].sort()).toEqual([3, 9]);
    expect(flows.vrs.get(3)?.options['1']).toEqual({ kind: 'ivr', id: 10 });
    expect(flows.numbers.get('8005550111')).toEqual({ kind: 'vr', id: 3 });
  });
});

/** Why a text is not well-formed XML with one root, or undefined when it is. */
function xmlProblem(text: string): string | undefined {
  const parser = new SaxesParser();
  let problem: string | undefined;
  parser.on('error', (err) => (problem ??= err.message));
  parser.write(text).close();
  return problem;
}

describe('xml examples', () => {
  const xmlBlocks = (file: string): CodeBlock[] => codeBlocks(readText(file)).filter((b) => b.lang === 'xml');
  const files = docFiles().filter((f) => xmlBlocks(f).length > 0);
  it.each(files.map(rel))('%s: every next-action example parses, or fails as marked', (name) => {
    const file = join(ROOT, name);
    const bad: string[] = [];
    for (const block of xmlBlocks(file)) {
      const at = where(file, block.line);
      const fails = /^<!--\s*fails:\s*([a-z_]+)\s*-->/.exec(block.text.trim())?.[1];
      const root = /<([A-Za-z_][\w.-]*)/.exec(block.text.replace(/<\?[^>]*\?>|<!--[\s\S]*?-->/g, ''))?.[1];
      if (fails === undefined && root !== undefined && root.toLowerCase() !== 'action') {
        const text = block.text.trim();
        const problem = xmlProblem(/^<(\?xml|response\b)/.test(text) ? text : `<response>${text}</response>`);
        if (problem) bad.push(`${at}: not well-formed XML: ${problem}`);
        continue;
      }
      try {
        const { warnings } = parseNextAction(block.text);
        if (fails !== undefined) bad.push(`${at}: marked to fail with ${fails}, but it parsed`);
        else if (warnings.length > 0) bad.push(`${at}: parsed with warnings: ${warnings.join('; ')}`);
      } catch (err) {
        const code = err instanceof WebhookError ? err.code : String(err);
        if (fails === undefined) bad.push(`${at}: refused: ${err instanceof Error ? err.message : String(err)}`);
        else if (code !== fails) bad.push(`${at}: failed with ${code}, marked ${fails}`);
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });
});

describe('self-contained repository', () => {
  // Built from parts so that this file does not contain what it looks for.
  const forbidden = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')];
  const SKIP_DIRS = new Set(['node_modules', 'dist', 'results', 'test-results', 'data']);

  function* walk(path: string): Generator<string> {
    if (!existsSync(path)) return;
    if (statSync(path).isFile()) {
      yield path;
      return;
    }
    for (const name of readdirSync(path).sort()) {
      if (!SKIP_DIRS.has(name)) yield* walk(join(path, name));
    }
  }

  it('no file refers to the team reference outside the repository', () => {
    const bad: string[] = [];
    for (const top of ['README.md', 'docs', 'src', 'test', 'examples', 'bench', 'scripts', 'bin']) {
      for (const file of walk(join(ROOT, top))) {
        readText(file)
          .split('\n')
          .forEach((text, i) => {
            for (const f of forbidden) if (text.includes(f)) bad.push(`${where(file, i + 1)}: mentions ${f}`);
          });
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });
});
