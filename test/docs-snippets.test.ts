/**
 * The signature-verification snippets of docs/webhook.md, run as published: each block marked
 * `<!-- test: verify-node -->`, `verify-python` or `verify-php` is written to a file and called from
 * a small harness in its own language, on requests hookline's webhook client really sent (signed,
 * to a local receiver), and on the same requests tampered with. A snippet that drifts from the
 * signing code (src/webhook/sign.ts) fails here. Python and PHP are skipped, visibly, where their
 * interpreter is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../src/webhook/client.js';
import { WebhookReceiver, type ReceivedRequest } from '../src/testkit/webhook-receiver.js';
import { codeBlocks, readText } from './docs-markdown.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'webhook.md');
const SECRET = 'change-me';

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

function snippet(name: string): string {
  const found = codeBlocks(readText(DOC)).filter((b) => b.marker === name);
  if (found.length !== 1) throw new Error(`docs/webhook.md must have exactly one block marked <!-- test: ${name} -->, found ${found.length}`);
  return found[0]?.text ?? '';
}

interface Case {
  label: string;
  secret: string;
  header: string;
  method: string;
  pathAndQuery: string;
  body: string;
  now: number;
  expected: boolean;
}

const receiver = new WebhookReceiver(() => ({ status: 200, body: '<action><app>hangup</app></action>' }));
let cases: Case[] = [];
let dir = '';

/** Sends one request the way hookline sends webhooks and returns it as the receiver saw it. */
async function sendSigned(method: 'GET' | 'POST', path: string): Promise<ReceivedRequest> {
  const before = receiver.requests.length;
  const r = await deliver(
    {
      method,
      url: receiver.url(path),
      params: [['ivr_id', '10'], ['ivr_timestamp', '2026-12-06T04:15:30-05:00'], ['account', '12345'], ['name', 'Zoë & Bill']],
      secret: SECRET,
      userAgentVersion: 'test',
    },
    { timeoutMs: 5000, networks: 'all' },
  );
  if (!r.ok) throw new Error(`delivery failed: ${r.failure.message}`);
  const req = receiver.requests[before];
  if (!req) throw new Error('the receiver saw nothing');
  return req;
}

function asCase(label: string, r: ReceivedRequest, change: Partial<Case> = {}, expected = true): Case {
  const header = String(r.headers['hookline-signature'] ?? '');
  const t = Number(/t=(\d+)/.exec(header)?.[1]);
  return { label, secret: SECRET, header, method: r.method, pathAndQuery: r.url, body: r.body, now: t + 2, expected, ...change };
}

beforeAll(async () => {
  await receiver.start();
  dir = mkdtempSync(join(tmpdir(), 'hookline-doc-snippets-'));
  const post = await sendSigned('POST', '/hook?source=ivr10');
  const get = await sendSigned('GET', '/survey?source=ivr20');
  const header = String(post.headers['hookline-signature'] ?? '');
  const [tPart = '', v1Part = ''] = header.split(',');
  cases = [
    asCase('the POST as received', post),
    asCase('the GET as received (empty body)', get),
    asCase('the method in lower case', post, { method: 'post' }),
    asCase('a second v1 (secret rotation) that matches', post, { header: `${tPart},v1=${'0'.repeat(64)},${v1Part}` }),
    asCase('a changed body', post, { body: post.body.replace('12345', '12346') }, false),
    asCase('a changed query', post, { pathAndQuery: '/hook?source=ivr11' }, false),
    asCase('another method', get, { method: 'POST' }, false),
    asCase('another secret', post, { secret: 'not-the-secret' }, false),
    asCase('a changed t', post, { header: header.replace(/t=(\d+)/, (_m, t: string) => `t=${Number(t) + 1}`) }, false),
    asCase('older than 300 s (a replay)', post, { now: Number(/t=(\d+)/.exec(header)?.[1]) + 301 }, false),
    asCase('no header', post, { header: '' }, false),
    asCase('garbage', post, { header: 't=abc,v1=zz' }, false),
  ];
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
});

afterAll(async () => {
  await receiver.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function check(results: unknown): void {
  expect(Array.isArray(results)).toBe(true);
  const got = cases.map((c, i) => `${c.label}: ${String((results as unknown[])[i])}`);
  expect(got).toEqual(cases.map((c) => `${c.label}: ${String(c.expected)}`));
}

/** Under CI every snippet runs: a missing interpreter fails there instead of skipping (.ci/run installs php-cli). */
const CI = ['1', 'true'].includes(String(process.env['CI'] ?? '').toLowerCase());

describe('docs/webhook.md signature snippets', () => {
  it('the requests really carry a v1 signature', () => {
    expect(cases[0]?.header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(cases[1]?.pathAndQuery).toContain('/survey?source=ivr20&ivr_id=10');
  });

  it('Node.js', () => {
    writeFileSync(join(dir, 'verify-hookline.mjs'), snippet('verify-node'));
    writeFileSync(
      join(dir, 'run.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { verifyHooklineSignature } from './verify-hookline.mjs';",
        "const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));",
        'console.log(JSON.stringify(cases.map((c) => verifyHooklineSignature(c.secret, c.header, c.method, c.pathAndQuery, c.body, 300, c.now))));',
      ].join('\n'),
    );
    check(JSON.parse(execFileSync(process.execPath, [join(dir, 'run.mjs'), join(dir, 'cases.json')], { encoding: 'utf8' })));
  });

  it.skipIf(!has('python3') && !CI)('Python (python3)', () => {
    writeFileSync(join(dir, 'verify_hookline.py'), snippet('verify-python'));
    writeFileSync(
      join(dir, 'run.py'),
      [
        'import json, sys',
        'from verify_hookline import verify_hookline_signature',
        'cases = json.load(open(sys.argv[1], encoding="utf-8"))',
        'print(json.dumps([verify_hookline_signature(c["secret"], c["header"], c["method"], c["pathAndQuery"], c["body"], 300, c["now"]) for c in cases]))',
      ].join('\n'),
    );
    check(JSON.parse(execFileSync('python3', [join(dir, 'run.py'), join(dir, 'cases.json')], { encoding: 'utf8', cwd: dir })));
  });

  it.skipIf(!has('php') && !CI)('PHP (php-cli)', () => {
    writeFileSync(join(dir, 'verify-hookline.php'), snippet('verify-php'));
    writeFileSync(
      join(dir, 'run.php'),
      [
        '<?php',
        "require __DIR__ . '/verify-hookline.php';",
        '$cases = json_decode(file_get_contents($argv[1]), true);',
        "echo json_encode(array_map(fn($c) => verify_hookline_signature($c['secret'], $c['header'], $c['method'], $c['pathAndQuery'], $c['body'], 300, $c['now']), $cases));",
      ].join('\n'),
    );
    check(JSON.parse(execFileSync('php', [join(dir, 'run.php'), join(dir, 'cases.json')], { encoding: 'utf8' })));
  });
});
