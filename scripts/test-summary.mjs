// Prints the plain `N passed, N failed` line CI reads, from vitest's JSON report, so that a run which
// executed no test (or never reached the tests) is visible as such. Exits non-zero unless tests ran
// and none failed.
import { readFileSync, existsSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
if (!existsSync(file)) {
  console.error(`no test report at ${file}: the tests did not run`);
  console.log('0 passed, 0 failed');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
// A test file that failed before running any test (an import error, say) has no assertion results.
const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0);
for (const t of brokenFiles) console.error(`test file failed to run: ${t.name}: ${(t.message ?? '').split('\n')[0]}`);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles.length} failed`);
process.exit(r.numPassedTests > 0 && r.numFailedTests === 0 && brokenFiles.length === 0 ? 0 : 1);
