import type { z } from 'zod';
import { flattenIssues } from '../config/issues.js';
import { formatPath } from '../config/yaml-source.js';
import type { AdminIssue } from './errors.js';

/** zod issues as the flows loader words them: `questions[2].max_digits: expected a number`. */
export function issuesFromZod(error: z.ZodError, data: unknown, prefix: (string | number)[] = []): AdminIssue[] {
  // zod's strictObject reports unknown keys together at the object; name each key, as the loader does.
  const issues = error.issues.flatMap((i): z.core.$ZodIssue[] =>
    i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ code: 'custom', input: undefined, path: [...i.path, k], message: 'unknown key' })) : [i],
  );
  return flattenIssues(issues, data).map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}
