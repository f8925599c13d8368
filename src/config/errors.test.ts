import { describe, expect, it } from 'vitest';
import { HooklineError } from '../lib/errors.js';
import { ConfigError, formatIssue } from './errors.js';

describe('ConfigError', () => {
  it.each([
    [{ file: 'examples/flows.yaml', line: 12, key: 'ivrs[0].questions[2].max_digits', message: 'expected a number' }, 'examples/flows.yaml:12: ivrs[0].questions[2].max_digits: expected a number'],
    [{ file: 'f.yaml', line: 3, message: 'Map keys must be unique' }, 'f.yaml:3: Map keys must be unique'],
    [{ file: 'f.yaml', message: 'cannot read flows file: no such file' }, 'f.yaml: cannot read flows file: no such file'],
    [{ key: 'HOOKLINE_SIP_PORT', message: 'expected a port number' }, 'HOOKLINE_SIP_PORT: expected a port number'],
  ])('formats %j', (issue, text) => {
    expect(formatIssue(issue)).toBe(text);
    const err = new ConfigError(issue);
    expect(err.message).toBe(text);
    expect(err).toBeInstanceOf(HooklineError);
    expect(err.name).toBe('ConfigError');
    const i: { file?: string; line?: number; key?: string } = issue;
    expect([err.file, err.line, err.key]).toEqual([i.file, i.line, i.key]);
  });

  it('puts one issue a line and keeps the first in the fields', () => {
    const err = new ConfigError([
      { file: 'a', line: 1, key: 'x', message: 'one' },
      { file: 'a', line: 2, key: 'y', message: 'two' },
    ]);
    expect(err.message).toBe('a:1: x: one\na:2: y: two');
    expect([err.line, err.key, err.issues.length]).toEqual([1, 'x', 2]);
  });
});
