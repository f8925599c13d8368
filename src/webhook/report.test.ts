import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../lib/metrics.js';
import { SelfUrl } from '../lib/self-url.js';
import { MemoryWebhookLog } from './memory-log.js';
import { deliverReported, urlForLog } from './report.js';
import { TestReceiver } from './testing.js';

type Line = Record<string, unknown> & { msg: string; level: number };
const SID = '0123456789abcdef0123456789abcdef';

let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function capture(level: string): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  return { logger: pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) }), lines };
}

const request = (url: string) => ({ method: 'POST' as const, url, params: [['account', '12345']] as Array<[string, string]>, userAgentVersion: 'test' });

describe('deliverReported', () => {
  it('logs the request and its response at info with the session id, the parameters only at debug', async () => {
    receiver = await TestReceiver.start((_r, res) => res.end('<action><app>hangup</app></action>'));
    const url = receiver.url('/hook?step=lookup');
    for (const level of ['info', 'debug']) {
      const { logger, lines } = capture(level);
      const r = await deliverReported(new MemoryWebhookLog(), { sessionId: SID, kind: 'ivr' }, request(url), { timeoutMs: 5000, networks: 'all' }, { logger });
      expect(r.ok).toBe(true);
      const [sent, answered] = lines;
      expect(sent).toMatchObject({ level: 30, msg: 'webhook request', sessionId: SID, kind: 'ivr', method: 'POST', url });
      expect(answered).toMatchObject({ level: 30, msg: 'webhook response', sessionId: SID, kind: 'ivr', url, status: 200, bytes: 34 });
      expect(answered!.latencyMs).toEqual(expect.any(Number));
      if (level === 'info') {
        expect(sent).not.toHaveProperty('params');
        expect(answered).not.toHaveProperty('body');
      } else {
        expect(sent!.params).toEqual([['account', '12345']]);
        expect(answered!.body).toBe('<action><app>hangup</app></action>');
      }
    }
  });

  it('logs a failure at warn with its reason, and counts it by kind and outcome', async () => {
    receiver = await TestReceiver.start((_r, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const { logger, lines } = capture('info');
    const metrics = new Metrics();
    await deliverReported(new MemoryWebhookLog(), { sessionId: SID, kind: 'post_call' }, request(receiver.url('/pc')), { timeoutMs: 5000, networks: 'all' }, { logger, metrics });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'webhook failed', kind: 'post_call', status: 503, bytes: 4, failure: 'http_status: HTTP status 503' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('hookline_webhook_requests_total{kind="post_call",outcome="http_status"} 1');
    expect(text).toContain('hookline_webhook_latency_seconds_count{kind="post_call"} 1');
  });

  it('sends a path to the own server, or fails it as a connection failure while nothing listens', async () => {
    receiver = await TestReceiver.start((_r, res) => res.end('ok'));
    const self = new SelfUrl();
    const { logger, lines } = capture('info');
    const log = new MemoryWebhookLog();
    const before = await deliverReported(log, { kind: 'transcription' }, request('/demo/hook?step=transcript'), { timeoutMs: 5000, networks: 'public' }, { logger, self });
    expect(before).toMatchObject({ ok: false, failure: { code: 'connection' } });
    expect(lines.at(-1)).toMatchObject({ msg: 'webhook failed', url: '/demo/hook?step=transcript' });
    self.listening('127.0.0.1', receiver.port);
    const after = await deliverReported(log, { kind: 'transcription' }, request('/demo/hook?step=transcript'), { timeoutMs: 5000, networks: 'public' }, { logger, self });
    expect(after.ok).toBe(true);
    expect(receiver.received.map((r) => r.url)).toEqual(['/demo/hook?step=transcript']);
    expect(lines.at(-1)).toMatchObject({ msg: 'webhook response', url: '/demo/hook?step=transcript', status: 200 });
  });
});

describe('urlForLog', () => {
  it('keeps the URL as configured but drops a user and password', () => {
    expect(urlForLog('https://user:pw@crm.example.com/x?a=1')).toBe('https://crm.example.com/x?a=1');
    expect(urlForLog('https://crm.example.com/x?a=1')).toBe('https://crm.example.com/x?a=1');
    expect(urlForLog('/demo/hook?step=lookup')).toBe('/demo/hook?step=lookup');
  });
});
