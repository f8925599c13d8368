/**
 * Turning zod's issues into the loader's messages: short, in the flows file's own words
 * ("expected a number", "required", "unknown key; did you mean max_digits?"), never zod's internals.
 */
import type { z } from 'zod';
import type { Path } from './yaml-source.js';

/** Edit distance, for "did you mean". Keys are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_');

/** The allowed key a typo most likely meant, if any is close enough to be worth suggesting. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  // camelCase or kebab-case spellings of a snake_case key are a common slip (the model is camelCase).
  const asSnake = snake(key);
  if (allowed.includes(asSnake)) return asSnake;
  let best: string | undefined;
  let bestD = Infinity;
  for (const candidate of allowed) {
    const d = distance(asSnake.toLowerCase(), candidate);
    if (d < bestD) [best, bestD] = [candidate, d];
  }
  return bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = suggestKey(key, allowed);
  return guess ? `unknown key; did you mean ${guess}?` : `unknown key; expected one of ${allowed.join(', ')}`;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

// Quotes only where a bare value would be invisible or misread ("", "#").
const show = (v: unknown): string => (typeof v === 'string' && !/^[\w./-]+$/.test(v) ? JSON.stringify(v) : String(v));

/**
 * The per-parse error map: the message for every issue whose schema did not bring its own.
 * Returning undefined falls back to zod's wording, which only happens for checks we do not use.
 */
export function describeIssue(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      // A missing key arrives as undefined; an empty `key:` in YAML is null and is a wrong type.
      if (iss.input === undefined) return 'required';
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'string') return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (iss.origin === 'array') return min === 1 ? 'must not be empty' : `must have at least ${min} items`;
      return `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'string') return `must be at most ${max} characters`;
      if (iss.origin === 'array') return `must have at most ${max} items`;
      return `must be at most ${max}`;
    }
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected ${show(iss.values[0])}`
        : `expected one of ${iss.values.map(show).join(', ')}`;
    default:
      return undefined;
  }
}

export interface PathMessage {
  path: Path;
  message: string;
}

/** Reads the value at a path of the plain data (for messages that depend on what was written). */
function valueAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/**
 * Flattens zod issues to path + message. A union's issue is replaced by the issues of the one branch
 * that matches the written value's shape (a prompt written as a list gets the list's errors), so the
 * author is not told about branches they never meant.
 */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], data: unknown, prefix: Path = []): PathMessage[] {
  const out: PathMessage[] = [];
  for (const iss of issues) {
    const path = [...prefix, ...(iss.path as (string | number)[])];
    if (iss.code === 'invalid_union' && iss.discriminator !== undefined) {
      // No branch has this discriminator value; zod puts the discriminator (`type`) at the end of the path.
      const options = ('options' in iss ? (iss.options ?? []) : []).map(String).join(', ');
      const given = valueAt(data, path);
      out.push({ path, message: given === undefined ? `required: one of ${options}` : `expected one of ${options}` });
    } else if (iss.code === 'invalid_union') {
      const fitting = iss.errors.filter((branch) => !branch.some((b) => b.code === 'invalid_type' && b.path.length === 0));
      if (valueAt(data, path) === undefined) out.push({ path, message: 'required' });
      else if (fitting.length === 1) out.push(...flattenIssues(fitting[0] ?? [], data, path));
      else out.push({ path, message: iss.message });
    } else {
      out.push({ path, message: iss.message });
    }
  }
  return out;
}
