import { HooklineError } from '../lib/errors.js';

/**
 * One mistake in the flows file or the settings. `file` and `line` are absent for settings, where
 * `key` names the environment variable or command-line flag instead.
 */
export interface ConfigIssue {
  file?: string;
  /** 1-based. */
  line?: number;
  /** `ivrs[0].questions[2].max_digits`, `HOOKLINE_SIP_PORT` or `--sip-port`. */
  key?: string;
  message: string;
}

/** `examples/flows.yaml:12: ivrs[0].questions[2].max_digits: expected a number`, leaving out the parts not known. */
export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file ?? '';
  if (issue.file !== undefined && issue.line !== undefined) where += `:${issue.line}`;
  const parts = [where, issue.key ?? ''].filter((p) => p !== '');
  return [...parts, issue.message].join(': ');
}

/**
 * A configuration mistake made by a person, not a bug: the CLI prints `message` alone (one issue a
 * line) and no stack trace. `file`, `line` and `key` are those of the first issue; `issues` has them all,
 * sorted by line, so that one run shows every mistake rather than one per edit-and-retry.
 */
export class ConfigError extends HooklineError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue | readonly ConfigIssue[], options?: { cause?: unknown }) {
    const list = Array.isArray(issues) ? (issues as readonly ConfigIssue[]) : [issues as ConfigIssue];
    if (list.length === 0) throw new TypeError('ConfigError needs at least one issue');
    super('CONFIG_INVALID', list.map(formatIssue).join('\n'), options);
    const first = list[0] as ConfigIssue;
    this.file = first.file;
    this.line = first.line;
    this.key = first.key;
    this.issues = list;
  }
}
