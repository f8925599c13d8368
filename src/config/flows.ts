/**
 * Loading the flows file (docs/flows.md): YAML text -> validated, typed Flows, or one
 * ConfigError listing every mistake as `file:line: key: message`. Three stages, each stopping the
 * next when it fails, because later stages would only report consequences of earlier mistakes:
 * YAML syntax (yaml-source.ts), the shape of each value (schema.ts), the whole-file checks (build.ts).
 */
import { readFileSync } from 'node:fs';
import { FlowsBuilder, type SourceLookup } from './build.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { describeIssue, flattenIssues, type PathMessage } from './issues.js';
import { flowsSchema } from './schema.js';
import type { Flows } from './types.js';
import { YamlSource } from './yaml-source.js';

/** Issues in file order; a stable sort keeps several messages of one line in the order found. */
function sorted(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.i - b.i)
    .map((x) => x.issue);
}

function fail(src: YamlSource, found: PathMessage[]): never {
  throw new ConfigError(sorted(found.map((f) => src.issueAt(f.path, f.message))));
}

export type FlowsCheck = { ok: true; flows: Flows } | { ok: false; issues: PathMessage[] };

/**
 * The shape, then the whole-file checks, over plain data (from YAML, or JSON from the Administration
 * API): the issues come back as key paths, for the caller to word as it needs.
 */
export function checkFlowsData(data: unknown, file: string, src: SourceLookup = plainSource(data), where?: string): FlowsCheck {
  const parsed = flowsSchema.safeParse(data, { error: describeIssue });
  if (!parsed.success) return { ok: false, issues: flattenIssues(parsed.error.issues, data) };
  const builder = new FlowsBuilder(src, file, where);
  const flows = builder.build(parsed.data);
  return builder.issues.length > 0 ? { ok: false, issues: builder.issues } : { ok: true, flows };
}

/** Source lookup for data that never was YAML: values are what they are, and there are no lines. */
export function plainSource(data: unknown): SourceLookup {
  return {
    sourceOf(path) {
      let cur = data;
      for (const step of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[step] : undefined;
      return typeof cur === 'string' || typeof cur === 'number' ? String(cur) : undefined;
    },
    lineOf: () => 0,
  };
}

/** Parses and validates flows text; `file` is only used in messages (and kept as Flows.file). */
export function parseFlows(text: string, file: string): Flows {
  const src = new YamlSource(text, file);
  if (src.issues.length > 0) throw new ConfigError(sorted(src.issues));

  // An empty file is a server with nothing configured yet (flows may come through the admin API).
  const checked = checkFlowsData(src.data ?? {}, file, src);
  if (!checked.ok) fail(src, checked.issues);
  return checked.flows;
}

// The path usually comes from --flows, HOOKLINE_FLOWS or the default, so say how to change it.
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file (give another with --flows FILE or HOOKLINE_FLOWS)',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
};

/** Reads and parses a flows file; an unreadable file is a ConfigError too (a wrong --flows path is a user mistake). */
export function loadFlowsFile(path: string): Flows {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = READ_ERRORS[code] ?? (err as Error).message;
    throw new ConfigError({ file: path, message: `cannot read flows file: ${why}` }, { cause: err });
  }
  return parseFlows(text, path);
}
