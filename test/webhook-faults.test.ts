/**
 * Every way a webhook server can fail, from the caller's side: a real call (`hookline simulate`'s engine:
 * the flow, the real webhook client, the real XML reader) against a local HTTP server that misbehaves in
 * one way per case, and what the caller heard then. docs/webhook.md ("Causes of failure") lists the
 * codes; each one is here, with the failure the webhook log records. Whatever the webhook does, the
 * caller hears the IVR's `on_failure` prompt and the call ends: never silence, never a hung line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFlows } from '../src/config/flows.js';
import { silentLogger } from '../src/lib/logger.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { simulate } from '../src/cli/simulate.js';
import { freePort } from '../src/testkit/ports.js';
import { reportHostile } from './hostile-report.js';
import { tempDir } from './helpers.js';

const ON_FAILURE = 'Sorry, our systems are down. Goodbye.';
const QUESTION = 'Enter your number, then press pound.';

interface Fault {
  code: string;
  what: string;
  path: string;
  networks?: 'all' | 'public';
  /** What the webhook log records: failures of the request start with their code, refused XML says why. */
  logged?: RegExp;
}

const FAULTS: Fault[] = [
  { code: 'timeout', what: 'never answers', path: '/hang' },
  { code: 'timeout', what: 'sends its body a byte at a time, forever', path: '/trickle' },
  { code: 'connection', what: 'refuses the connection', path: 'refused' },
  { code: 'connection', what: 'resets the connection', path: '/reset' },
  { code: 'http_status', what: 'answers 500', path: '/500' },
  { code: 'http_status', what: 'answers 302 without Location', path: '/302' },
  { code: 'too_large', what: 'answers 70 KiB', path: '/huge' },
  { code: 'policy', what: 'is on loopback, with HOOKLINE_WEBHOOK_NETWORKS=public', path: '/ok', networks: 'public' },
  { code: 'redirects', what: 'redirects to itself', path: '/loop' },
  { code: 'bad_url', what: 'redirects to ftp://', path: '/ftp' },
  { code: 'xml_parse', what: 'answers truncated XML', path: '/truncated', logged: /^response is not well-formed XML/ },
  { code: 'doctype', what: 'answers XML with a DOCTYPE (entity expansion)', path: '/doctype', logged: /^a DOCTYPE is not allowed/ },
  { code: 'no_action', what: 'answers an empty body', path: '/empty', logged: /^empty response body/ },
  { code: 'wrong_root', what: 'answers an HTML page', path: '/html', logged: /^root element is <html>/ },
  { code: 'unknown_app', what: 'answers an application that does not exist', path: '/unknown', logged: /^unknown app "launch"/ },
  { code: 'missing_param', what: 'answers a transfer without a destination', path: '/transfer', logged: /requires <destination>/ },
  { code: 'bad_param', what: 'answers an IVR id that is not a number', path: '/badid', logged: /must be a positive integer/ },
  { code: 'no IVR', what: 'answers an IVR id that names no IVR', path: '/noivr', logged: /no IVR with id 99/ },
];

const BODIES: Record<string, string> = {
  '/ok': '<action><app>hangup</app></action>',
  '/huge': `<action><app>hangup</app><p_t>${'x'.repeat(70 * 1024)}</p_t></action>`,
  '/truncated': '<action><app>survo</app><parameters><id>10',
  '/doctype': '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">]><action><app>hangup</app></action>',
  '/empty': '',
  '/html': '<html><body><h1>It works!</h1></body></html>',
  '/unknown': '<action><app>launch</app></action>',
  '/transfer': '<action><app>transfer</app></action>',
  '/badid': '<action><app>survo</app><parameters><id>ten</id></parameters></action>',
  '/noivr': '<action><app>survo</app><parameters><id>99</id></parameters></action>',
};

/** The misbehaving webhook server: one behaviour per path. */
function faultServer(): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    req.resume();
    switch (path) {
      case '/hang':
        return; // never a byte back
      case '/trickle': {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        const t = setInterval(() => res.write('<'), 200);
        res.on('close', () => clearInterval(t));
        return;
      }
      case '/reset':
        req.socket.destroy();
        return;
      case '/500':
        res.writeHead(500).end('Internal Server Error');
        return;
      case '/302':
        res.writeHead(302).end();
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' }).end();
        return;
      case '/ftp':
        res.writeHead(302, { Location: 'ftp://127.0.0.1/next.xml' }).end();
        return;
      default:
        res.writeHead(200, { 'Content-Type': path === '/html' ? 'text/html' : 'text/xml' }).end(BODIES[path] ?? '');
    }
  });
}

function flowsYaml(url: string): string {
  return `
timezone: America/New_York
numbers:
  "8005550100": ivr/10
ivrs:
  - id: 10
    name: Faults
    questions:
      - { type: keypad, prompt: "${QUESTION}", min_digits: 1, max_digits: 4, terminator: "#", timeout_s: 2 }
    webhook:
      method: POST
      url: ${url}
      timeout_s: 1
      on_failure: { say: "${ON_FAILURE}" }
`;
}

interface Heard {
  prompts: string[];
  failure: string | undefined;
  hungUpBy: unknown;
}

async function callThrough(url: string, networks: 'all' | 'public'): Promise<Heard> {
  const store = await createSqliteStore(':memory:');
  const lines: string[] = [];
  let failure: string | undefined;
  try {
    await simulate(
      { to: '8005550100', from: '3125550199', keys: '12#', json: true, farEnd: '' },
      { flows: parseFlows(flowsYaml(url), 'faults.yaml'), store, logger: silentLogger, dataDir: await tempDir('hookline-faults-'), dialAllow: ['default'], webhookNetworks: networks, out: (l) => lines.push(l) },
    );
    failure = (await store.webhooks.recent(1))[0]?.failure;
  } finally {
    await store.close();
  }
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    prompts: events.filter((e) => e.type === 'prompt').map((e) => String(e.text)),
    failure,
    hungUpBy: events.findLast((e) => e.type === 'hangup')?.by,
  };
}

describe('a failing webhook, from the caller\'s side', () => {
  const server = faultServer();
  let base: string;
  let refused: string;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    refused = `http://127.0.0.1:${await freePort({ tcp: true })}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(FAULTS.map((f) => [f.code, f.what, f] as const))('%s (the server %s): the caller hears on_failure, then the call ends', async (_code, _what, f) => {
    const url = f.path === 'refused' ? refused : `${base}${f.path}?case=${f.code}`;
    const heard = await callThrough(url, f.networks ?? 'all');
    expect(heard.prompts).toEqual([QUESTION, ON_FAILURE]);
    expect(heard.hungUpBy).toBe('hookline');
    expect(heard.failure ?? '', JSON.stringify(heard)).toMatch(f.logged ?? new RegExp(`^${f.code}:`));
    reportHostile({ section: 'webhook_fault', case: `${f.code}: the webhook server ${f.what}`, tried: 1, answered: 1, dropped: 0, heard: `"${heard.prompts.at(-1)}", then hang-up (log: ${heard.failure?.slice(0, 60)})` });
  }, 20_000);
});
