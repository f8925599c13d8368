/**
 * SourceTrak end to end, as a customer's site uses it: a page on another origin (a server of this test
 * on its own 127.0.0.1 port, so the tag's request really is cross-origin and CORS is exercised) carries
 * the tag; Chromium visits it from a search, with a gclid and utm_* parameters; the tag swaps a pool
 * number in (by class, and in the page's own text format); then SIPp calls that number and the IVR Web
 * Hook carries every st_* value of that visit with st_rank=1. Then: a second visitor gets another
 * number, a third (more visitors than numbers) shares one and its call is ranked 2, a call to a
 * one-to-one number carries no st_* at all, and a page on a host outside the pool's domains is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SOURCETRAK_PARAMS } from '../../src/config/names.js';
import { paramsOf, WebhookReceiver, type ReceivedRequest } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { HANGUP } from '../interop/flows.js';
import { RUN_INTEROP, removeUnlessFailed, runSipp, startHookline, type HooklineProcess } from '../interop/harness.js';
import { browserAvailable, launchBrowser, login, newPage, PASSWORD } from './harness.js';

const MAIN_LINE = '8005550100';
const flows = (hook: string): string => `
timezone: America/New_York
numbers:
  "${MAIN_LINE}": ivr/10
  "8005550160": ivr/10
  "8005550161": ivr/10
  "8005550162": ivr/10
ivrs:
  - id: 10
    name: Front desk
    questions: [{ type: say, prompt: "Thanks for calling." }, { type: keypad, prompt: "Enter your account number.", timeout_s: 15 }]
    webhook: { url: "${hook}/hook", include_sourcetrak: true, parameters: [{ name: who, value: call.caller_id }] }
post_call_actions:
  - { url: "${hook}/after", method: POST, parameters: [{ name: rank, value: call.st_rank }, { name: campaign, value: call.st_campaign }] }
sourcetrak_pools:
  - name: web
    numbers: ["8005550160", "8005550161", "8005550162"]
    activity_keyword: seo
    domains: [127.0.0.1]
    domain_set_id: 7
    campaign: spring
    platform: google
    replace_numbers: ["${MAIN_LINE}"]
`;

const QUERY = '?utm_campaign=summer-sale&utm_source=bing&utm_content=ad-42&gclid=TeSt-GcLiD';
const REFERRER = 'https://www.google.com/search?q=blue+widgets&hl=en';

/** The customer's site: one landing page with the tag, a marked element, the number in text and a tel: link. */
function site(hookline: string): Server {
  return createServer((req, res) => {
    if (!req.url?.startsWith('/landing')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': '_ga=GA1.2.1111111111.2222222222; Path=/' });
    res.end(`<!doctype html><html><head><title>Blue widgets</title></head><body>
<h1>Widgets</h1>
<p>Sales: <span class="sourcetrak-number" id="by-class"></span></p>
<p id="text">Call us at (800) 555-0100 or +1 800.555.0100 today.</p>
<a id="tel" href="tel:+18005550100">Call</a>
<script src="${hookline}/st.js" data-pool="web" data-custom="vip" data-unique-id="user-77"></script>
</body></html>`);
  });
}

interface Visit {
  page: Page;
  shownMs: number;
  byClass: string;
  text: string;
  tel: string;
}

const digits = (s: string): string => s.replace(/\D/g, '');

describe.skipIf(!browserAvailable() || !RUN_INTEROP)('SourceTrak: the website tag in Chromium, then a SIP call to the number it showed', () => {
  const receiver = new WebhookReceiver((r) => ({ body: r.path === '/hook' ? HANGUP : '' }));
  let hook: string;
  let server: HooklineProcess;
  let browser: Browser;
  let pageServer: Server;
  let siteBase: string;
  let dir: string;
  const timings: number[] = [];

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
    [server, browser] = await Promise.all([startHookline(flows(hook), { env: { HOOKLINE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
    pageServer = site(server.httpBase);
    await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
    siteBase = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    dir = await tempDir('hookline-sourcetrak-');
  }, 30_000);
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    console.log(`[sourcetrak] page load to number swap: ${timings.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    await browser?.close();
    await new Promise((r) => pageServer?.close(r));
    await receiver.stop();
    expect(await server?.stop()).toBe(0);
    await removeUnlessFailed(failed ? 'fail' : 'pass', [dir, server.dir]);
  });

  /** A new visitor (its own browser context: its own cookies) landing from the search; waits for the swap. */
  async function visit(o: { headers?: Record<string, string>; base?: string } = {}): Promise<Visit> {
    const { page, errors, context } = await newPage(browser);
    if (o.headers) await context.setExtraHTTPHeaders(o.headers);
    await page.addInitScript(() => {
      window.addEventListener('sourcetrak:swapped', (e) => {
        (window as unknown as { swappedAt: number }).swappedAt = (e as CustomEvent<{ at: number }>).detail.at;
      });
    });
    await page.goto(`${o.base ?? siteBase}/landing${QUERY}`, { referer: REFERRER });
    await page.waitForFunction(() => typeof (window as unknown as { swappedAt?: number }).swappedAt === 'number');
    expect(errors).toEqual([]);
    const shownMs = await page.evaluate(() => (window as unknown as { swappedAt: number }).swappedAt);
    timings.push(shownMs);
    return {
      page,
      shownMs,
      byClass: await page.locator('#by-class').innerText(),
      text: await page.locator('#text').innerText(),
      tel: (await page.locator('#tel').getAttribute('href')) ?? '',
    };
  }

  async function call(number: string, n: number): Promise<Map<string, string>> {
    const before = receiver.requests.filter((r) => r.path === '/hook').length;
    const run = await runSipp({ scenario: 'listen-hangup.xml', dir, target: { host: '127.0.0.1', port: server.sipPort }, transport: 'u1', service: number, callers: ['3125550199'], timeoutS: 20 });
    expect(run.successful, `${run.report}\n--- hookline:\n${server.output()}`).toBe(1);
    let hooks: ReceivedRequest[] = [];
    await receiver.waitFor(n);
    for (let i = 0; i < 100 && hooks.length <= before; i++) {
      hooks = receiver.requests.filter((r) => r.path === '/hook');
      await new Promise((r) => setTimeout(r, 50));
    }
    const req = hooks[before];
    expect(req, 'the IVR webhook of the call').toBeDefined();
    return paramsOf(req!);
  }

  let first: Visit;

  it('serves the tag: a few KB, cacheable, of our own', async () => {
    const res = await fetch(`${server.httpBase}/st.js`);
    const js = await res.text();
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(js).not.toMatch(/https?:\/\//); // loads nothing from anywhere else
    const gz = gzipSync(js, { level: 9 }).length;
    console.log(`[sourcetrak] /st.js: ${Buffer.byteLength(js)} bytes, ${gz} gzipped`);
    expect(gz).toBeLessThan(4096);
  });

  it('swaps a pool number in by class and in the text\'s own format, and the call to it carries the visit with st_rank=1', async () => {
    first = await visit();
    const number = `800555${digits(first.byClass).slice(-4)}`;
    expect(['8005550161', '8005550162']).toContain(number);
    expect(first.byClass).toBe(`(800) 555-${number.slice(-4)}`);
    expect(first.text).toBe(`Call us at (800) 555-${number.slice(-4)} or +1 800.555.${number.slice(-4)} today.`);
    expect(first.tel).toBe(`tel:+1${number}`);

    const p = await call(number, 1);
    const names = [...p.keys()];
    // After the automatic ivr_* parameters, the 22 st_* in the contract's order, then the dynamic ones.
    expect(names.slice(names.indexOf('ivr_opted_out') + 1)).toEqual([...SOURCETRAK_PARAMS, 'who']);
    const st = Object.fromEntries(SOURCETRAK_PARAMS.map((n) => [n, p.get(n)]));
    expect(st).toEqual({
      st_rank: '1',
      st_search_term: 'blue widgets',
      st_referer: 'www.google.com',
      st_baseuri: `${siteBase}/landing`,
      st_activity_keyword: 'seo',
      st_displayed_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/),
      st_ip_address: '127.0.0.1',
      st_document_title: 'Blue widgets',
      st_browser: 'Chrome',
      st_os: 'Linux',
      st_ibp_custom: 'vip',
      st_ibp_unique_id: 'user-77',
      st_pid: expect.stringMatching(/^[0-9a-f]{32}$/),
      st_domain_set_id: '7',
      st_gclid: 'TeSt-GcLiD',
      st_google_ua_client_id: '1111111111.2222222222',
      st_pool_name: 'web',
      st_location_name: '',
      st_sourceguard: '0',
      st_campaign: 'summer-sale',
      st_platform: 'bing',
      st_url_tag: 'ad-42',
    });
    // Eastern time, within a minute of the page view.
    expect(Math.abs(Date.parse(st.st_displayed_timestamp!) - Date.now())).toBeLessThan(60_000);
    // The post-call action gets the same match.
    await receiver.waitFor(2);
    const after = await waitForPath('/after', 1);
    expect(paramsOf(after[0]!).get('rank')).toBe('1');
    expect(paramsOf(after[0]!).get('campaign')).toBe('summer-sale');
  }, 60_000);

  it('gives a second concurrent visitor another number; a third shares one (rank 2 on its call), never none', async () => {
    const second = await visit();
    expect(digits(second.byClass)).not.toBe(digits(first.byClass));
    expect(['8005550161', '8005550162']).toContain(`800555${digits(second.byClass).slice(-4)}`);
    const third = await visit();
    const shared = `800555${digits(third.byClass).slice(-4)}`;
    expect(['8005550161', '8005550162']).toContain(shared);
    const p = await call(shared, 4);
    expect(p.get('st_rank')).toBe('2');
  }, 60_000);

  it('sends no st_* for a call to a one-to-one number', async () => {
    const p = await call(MAIN_LINE, 6);
    expect([...p.keys()].filter((k) => k.startsWith('st_'))).toEqual([]);
    expect(p.get('who')).toBe('3125550199');
  }, 60_000);

  it('shows a visitor who asks not to be tracked the default number, keeping no session', async () => {
    const v = await visit({ headers: { DNT: '1' } });
    expect(v.byClass).toBe('(800) 555-0160');
    expect(await v.page.context().cookies()).not.toContainEqual(expect.objectContaining({ name: 'hookline_st_web' }));
  }, 30_000);

  it('refuses a page on a host outside the pool\'s domains: CORS hides the answer and the page keeps its number', async () => {
    const { page } = await newPage(browser);
    const outcome: string[] = [];
    page.on('console', (m) => outcome.push(m.text()));
    page.on('requestfailed', (r) => r.url().endsWith('/st/visit') && outcome.push(`failed: ${r.failure()?.errorText ?? ''}`));
    await page.goto(`${siteBase.replace('127.0.0.1', 'localhost')}/landing`);
    await page.waitForTimeout(1000);
    // Chromium blocks the answer (no Access-Control-Allow-Origin): the tag never sees it.
    expect(outcome.join('\n')).toMatch(/CORS|Access-Control-Allow-Origin|net::ERR_FAILED/);
    expect(await page.locator('#text').innerText()).toBe('Call us at (800) 555-0100 or +1 800.555.0100 today.');
  }, 30_000);

  it('shows the pool, the report by source and campaign, and a call\'s match in the console', async () => {
    const { page, errors } = await newPage(browser);
    await login(page, server.httpBase);
    await page.goto(`${server.httpBase}/sourcetrak-pools`);
    const row = page.getByRole('table', { name: 'SourceTrak pools' }).getByRole('row', { name: /web/ });
    await expect.poll(() => row.innerText()).toContain('3 numbers for 127.0.0.1; campaign spring');
    await row.getByRole('link').click();
    await expect.poll(() => page.getByLabel('Number 2').inputValue()).toBe('8005550161');
    await page.goto(`${server.httpBase}/sourcetrak`);
    const sources = page.getByRole('table', { name: 'Source' });
    await expect.poll(() => sources.innerText()).toMatch(/www\.google\.com\s+2/);
    await expect.poll(() => page.getByRole('table', { name: 'Campaign' }).innerText()).toMatch(/summer-sale\s+2/);
    // The console's own session reads the API (page.request shares the page's cookies).
    const calls = (await (await page.request.get(`${server.httpBase}/api/v1/calls?limit=50`)).json()) as { items: Array<{ session_id: string; to: string }> };
    const any = calls.items.find((c) => c.to === '8005550161' || c.to === '8005550162');
    await page.goto(`${server.httpBase}/calls/${any!.session_id}`);
    await page.getByText(/^SourceTrak: pool web, rank [12]/).click();
    await expect.poll(() => page.getByRole('table', { name: 'SourceTrak parameters' }).innerText()).toContain('st_gclid');
    expect(errors).toEqual([]);
  }, 60_000);

  async function waitForPath(path: string, n: number): Promise<ReceivedRequest[]> {
    for (let i = 0; i < 200; i++) {
      const got = receiver.requests.filter((r) => r.path === path);
      if (got.length >= n) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`expected ${n} requests to ${path}`);
  }
});
