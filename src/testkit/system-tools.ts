import { spawnSync } from 'node:child_process';

/**
 * Tests that need a system program (sox, espeak-ng, flite, sipp, baresip) skip where it is missing on a
 * developer's machine, saying so, but never under CI (CI=1 or true): there a missing program must fail
 * the test, or a broken CI image would pass with the tests quietly skipped. `.ci/run` installs them all.
 */
// eslint-disable-next-line no-restricted-properties -- a test guard, not a setting
export const CI = ['1', 'true'].includes(String(process.env.CI ?? '').toLowerCase());

/** True when `program` runs (with `args`, which must make it exit at once). */
export function installed(program: string, args: string[] = ['--version']): boolean {
  return spawnSync(program, args, { timeout: 5000 }).error === undefined;
}

/** Whether to skip the tests of `program`: only where it is missing and only outside CI, with a warning. */
export function skipWithout(program: string, debianPackage: string, args?: string[]): boolean {
  if (installed(program, args)) return false;
  if (CI) return false; // run, and fail on the missing program
  console.warn(`[tests] ${program} is not installed (Debian: apt-get install ${debianPackage}): its tests are skipped. Under CI (CI=1) they fail instead.`);
  return true;
}
