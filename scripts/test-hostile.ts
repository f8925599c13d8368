/**
 * `npm run test:hostile`: the hostile-traffic tests, and a count of what they tried and what came back.
 *
 *   1. builds the server (the interop tests run the built `hookline serve`);
 *   2. fuzzes the SIP receive path (bench/fuzz-sip.ts --quick: 50,000 messages in process, 5,000 over UDP
 *      and TCP to a server in a network namespace of its own);
 *   3. runs the tests that meet hostile peers: the RFC 4475 and RFC 5118 torture messages, the guard's
 *      own tests (allow list, scanners, budgets, TCP limits), SIPVicious and floods against `hookline
 *      serve`, and every webhook failure from the caller's side, with the webhook client's failure tests;
 *      each test writes what it tried to a report file (test/hostile-report.ts);
 *   4. prints the sums and every case, and exits non-zero if anything failed.
 *
 * Bounded: about three minutes on the project's 2-core VM, five at most. Under CI=1 a missing SIPp or
 * SIPVicious fails the interop tests instead of skipping them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostileEntry as Entry } from '../test/hostile-report.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TESTS = [
  'src/sip/torture.test.ts',
  'src/sip/torture-ipv6.test.ts',
  'src/sip/guard.test.ts',
  'src/sip/endpoint-guard.test.ts',
  'src/sip/transport-tcp-limits.test.ts',
  'src/sip/framing.test.ts',
  'src/calls/telephony/access.test.ts',
  'test/interop/sipvicious.test.ts',
  'test/interop/flood.test.ts',
  'src/webhook/client.test.ts',
  'src/webhook/response.test.ts',
  'test/webhook-faults.test.ts',
];
/** The webhook client's and reader's own failure tests, by their describe blocks. */
const WEBHOOK_FAULT_BLOCKS = ['deliver: failures', 'deliver: redirects', 'deliver: outbound-request policy', 'parseNextAction: failures'];

interface VitestJson {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }> }>;
}

const started = Date.now();
const out = (line = ''): void => console.log(line);
const n = (x: number): string => x.toLocaleString('en');
const run = (cmd: string, args: string[], env: Record<string, string> = {}): { status: number; stdout: string } => {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '' };
};

out('test:hostile: building the server');
let failed = run('npm', ['run', '--silent', 'build:server']).status !== 0;

out('test:hostile: fuzzing the SIP receive path (bench/fuzz-sip.ts --quick)');
const fuzz = run(process.execPath, ['--import', 'tsx', 'bench/fuzz-sip.ts', '--quick']);
failed ||= fuzz.status !== 0;
const resultsFile = /^results: (\S+)/m.exec(fuzz.stdout)?.[1];
const fuzzed = resultsFile
  ? (JSON.parse(readFileSync(path.join(ROOT, resultsFile), 'utf8')) as {
      parser?: { messages: number; crashes: number; hangs: number };
      net?: { messages: { udp: number; tcp: number }; crashes: number; hangs: number };
    })
  : {};
if (!resultsFile) out(fuzz.stdout.slice(-3000));

out('test:hostile: running the hostile-traffic tests');
const dir = mkdtempSync(path.join(tmpdir(), 'hookline-hostile-'));
const report = path.join(dir, 'report.jsonl');
const json = path.join(dir, 'vitest.json');
const vitest = run(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...TESTS, '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`], { HOOKLINE_HOSTILE_REPORT: report });
failed ||= vitest.status !== 0;
process.stdout.write(vitest.stdout.split('\n').filter((l) => /Test Files|Tests |FAIL|×/.test(l)).join('\n') + '\n');
const results = JSON.parse(readFileSync(json, 'utf8')) as VitestJson;
let entries: Entry[] = [];
try {
  entries = readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);
} catch {
  // No report: the tests that write it were skipped or failed before writing; the summary says so.
}
rmSync(dir, { recursive: true, force: true });

const testsOf = (file: string): Array<{ ancestorTitles: string[]; title: string; status: string }> =>
  results.testResults.find((f) => f.name.endsWith(file))?.assertionResults ?? [];
const tortureCases = (file: string): Array<{ title: string; status: string }> => testsOf(file).filter((t) => /^\d[\d.]* \S+: /.test(t.title));
const t4475 = tortureCases('src/sip/torture.test.ts');
const t5118 = tortureCases('src/sip/torture-ipv6.test.ts');
const decisions = new Map<string, number>();
for (const t of [...t4475, ...t5118]) {
  const d = /^\S+ \S+: (\w+)/.exec(t.title)?.[1] ?? '?';
  decisions.set(d, (decisions.get(d) ?? 0) + 1);
}
const webhookOwn = ['src/webhook/client.test.ts', 'src/webhook/response.test.ts'].flatMap(testsOf).filter((t) => WEBHOOK_FAULT_BLOCKS.includes(t.ancestorTitles[0] ?? ''));
const sum = (section: string, k: 'tried' | 'answered' | 'dropped'): number => entries.filter((e) => e.section === section).reduce((a, e) => a + (e[k] ?? 0), 0);
const passed = (ts: Array<{ status: string }>): string => `${ts.filter((t) => t.status === 'passed').length} passed, ${ts.filter((t) => t.status === 'failed').length} failed`;

out();
out('What was tried, and what came back');
out('-----------------------------------');
const p = fuzzed.parser;
const net = fuzzed.net;
out(`fuzzed SIP messages   ${n((p?.messages ?? 0) + (net ? net.messages.udp + net.messages.tcp : 0))}: ${n(p?.messages ?? 0)} in process, ${n(net ? net.messages.udp + net.messages.tcp : 0)} over UDP and TCP; crashes ${(p?.crashes ?? 0) + (net?.crashes ?? 0)}, hangs ${(p?.hangs ?? 0) + (net?.hangs ?? 0)}`);
out(`torture messages      ${t4475.length + t5118.length} (RFC 4475: ${t4475.length}, RFC 5118: ${t5118.length}): ${[...decisions].map(([d, c]) => `${c} ${d}`).join(', ')}; ${passed([...t4475, ...t5118])}`);
for (const [section, title] of [
  ['scanner', 'scanner requests'],
  ['sip_allow', 'refused by SIP_ALLOW'],
  ['rate_limit', 'over the call budget'],
  ['flood', 'calls during floods'],
  ['enumeration', 'enumeration probes'],
] as const) {
  const heard = [...new Set(entries.filter((e) => e.section === section).map((e) => e.heard.replace(/\s*\(.*$/, '')))];
  out(`${title.padEnd(22)}${n(sum(section, 'tried'))} tried: ${n(sum(section, 'answered'))} answered, ${n(sum(section, 'dropped'))} dropped; heard: ${heard.join(' | ') || 'nothing recorded (skipped?)'}`);
}
const faults = entries.filter((e) => e.section === 'webhook_fault');
const heardAll = [...new Set(faults.map((e) => /^"([^"]*)"/.exec(e.heard)?.[1] ?? e.heard))];
out(`webhook faults        ${webhookOwn.length + faults.length} tried: ${webhookOwn.length} client and reader failure tests (${passed(webhookOwn)}), ${faults.length} calls against a failing webhook server; the callers heard: ${heardAll.map((h) => `"${h}"`).join(' / ') || 'nothing recorded'}`);
out();
out('Every case');
out('----------');
for (const e of entries) {
  out(`[${e.section}] ${e.case}`);
  out(`    tried ${n(e.tried)}${e.answered !== undefined ? `, answered ${n(e.answered)}` : ''}${e.dropped !== undefined ? `, dropped ${n(e.dropped)}` : ''}; heard: ${e.heard}`);
}
out();
out(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
process.exitCode = failed || !results.success ? 1 : 0;
