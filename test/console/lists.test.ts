/**
 * The console's shared list and row-editing parts on the pages the main browser test does not visit:
 * a list read page by page with the server's cursor, the empty and not-found states, the audio
 * library's upload and delete, and the key and parameter grids of the Virtual Receptionist and
 * post-call action editors (read-only when the flows file defines the item).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, login, newPage, serveHookline, type Served } from './harness.js';

const FLOWS = `
numbers:
  "8005550100": vr/3
ivrs:
  - id: 1
    name: Front door
    questions:
      - type: menu
        prompt: "Press 1 or 2"
        options: { "1": "a", "2": "b" }
vrs:
  - id: 3
    name: Reception
    prompt: "Press 1"
    options: { "1": ivr/1 }
voicemails:
  - id: 7
    name: Box
    greeting: "Leave one"
post_call_actions:
  - url: http://127.0.0.1:9/x
    parameters:
      - name: sid
        value: call.session_id
`;

const FIXTURE = new URL('../../src/admin/testdata/tone440-16k.flac', import.meta.url).pathname;

describe.skipIf(!browserAvailable())('console lists and row editors in Chromium', () => {
  let server: Served;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([serveHookline(FLOWS), launchBrowser()]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    expect(await server?.stop()).toBe(0);
  });

  it('reads the calls page by page with the cursor, keeping the filters', async () => {
    const { page, errors, context } = await newPage(browser);
    await login(page, server.base);
    const asked: string[] = [];
    const call = (n: number) => ({
      session_id: n.toString(16).padStart(32, '0'),
      direction: 'inbound',
      from: `caller-${n}`,
      to: '8005550100',
      started_at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      ended_at: null,
      duration_s: null,
      end_reason: 'caller_hangup',
      in_progress: false,
      blocks: [],
      pass_through: '',
      monitored_seconds: 0,
      test: false,
    });
    // Three pages of one call each, from a stand-in for GET /calls.
    await page.route(/\/api\/v1\/calls\?/, async (route) => {
      const u = new URL(route.request().url());
      asked.push(u.search);
      const cursor = u.searchParams.get('cursor');
      const body = cursor === null ? { items: [call(1)], next_cursor: 'C2' } : cursor === 'C2' ? { items: [call(2)], next_cursor: 'C3' } : { items: [call(3)], next_cursor: null };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    await page.goto(`${server.base}/calls?caller=x`);
    const table = page.getByRole('table', { name: 'Calls, newest first' });
    await table.getByText('caller-1').waitFor();
    expect(await page.getByRole('button', { name: 'First page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Next page' }).click();
    await table.getByText('caller-2').waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await table.getByText('caller-3').waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'First page' }).click();
    await table.getByText('caller-1').waitFor();
    expect(asked.slice(0, 4)).toEqual(['?caller=x&limit=25', '?caller=x&cursor=C2&limit=25', '?caller=x&cursor=C3&limit=25', '?caller=x&limit=25']);
    expect(errors).toEqual([]);
    await context.close();
  }, 30_000);

  it('says when a list is empty or an item is not there; uploads to the audio library and deletes from it', async () => {
    const { page, errors, context } = await newPage(browser);
    await login(page, server.base);
    await page.goto(`${server.base}/voicemails/7/messages`);
    await page.getByText('No messages.').waitFor();
    await page.goto(`${server.base}/findmes`);
    await page.getByText('No find mes yet.').waitFor();
    await page.goto(`${server.base}/vrs`);
    await page.getByRole('table', { name: 'Virtual Receptionists' }).getByRole('link', { name: 'View Virtual Receptionist 3 (Reception)' }).waitFor();
    await page.getByText('Items marked “flows file” are defined in the flows file').waitFor();
    await page.goto(`${server.base}/calls/${'f'.repeat(32)}`);
    await page.getByRole('alert').filter({ hasText: 'No call with this session id.' }).waitFor();
    await page.goto(`${server.base}/webhooks/12345`);
    await page.getByRole('alert').filter({ hasText: 'No such request in the log.' }).waitFor();

    await page.goto(`${server.base}/audio`);
    await page.getByText('The library is empty.').waitFor();
    await page.getByLabel('Audio file').setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('button', { name: 'Delete tone440-16k.wav' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete tone440-16k.wav' }).click();
    await page.getByText('The library is empty.').waitFor();
    // The 404s asked for above are failed loads, which newPage lets through; nothing else may show.
    expect(errors).toEqual([]);
    await context.close();
  }, 30_000);

  it('edits the key and parameter grids of new items; file-managed ones show their rows without buttons', async () => {
    const { page, errors, context } = await newPage(browser);
    await login(page, server.base);
    for (const path of ['/vrs/3', '/ivrs/1', '/post-call-actions/1']) {
      await page.goto(`${server.base}${path}`);
      await page.getByText(/Defined in .*flows\.yaml; edit the file/).waitFor();
      expect(await page.getByRole('button', { name: /^(Remove|Add option|Add question|add parameter)/ }).count(), path).toBe(0);
    }
    expect(await page.getByLabel('Parameter 1 name').inputValue()).toBe('sid');

    await page.goto(`${server.base}/vrs/new`);
    await page.getByRole('textbox', { name: /^Prompt/ }).fill('Press 5');
    await page.getByRole('button', { name: 'Add option' }).click();
    expect(await page.getByLabel('Option 2 key').inputValue()).toBe('2');
    await page.getByLabel('Option 2 key').selectOption('5');
    await page.getByLabel('Option 2 (key 5) goes to').selectOption('ivr/1');
    await page.getByRole('button', { name: 'Remove option 1 (key 1)' }).click();
    await page.getByRole('button', { name: 'Create Virtual Receptionist' }).click();
    await page.waitForURL(/\/vrs\/\d+$/);
    const vr = (await (await page.request.get(`${server.base}/api/v1${new URL(page.url()).pathname}`)).json()) as { options: Record<string, string> };
    expect(vr.options).toEqual({ '5': 'ivr/1' });

    await page.goto(`${server.base}/post-call-actions/new`);
    await page.getByLabel('URL').fill('http://127.0.0.1:9/y');
    await page.getByRole('button', { name: 'add parameter' }).click();
    await page.getByLabel('Parameter 1 name').fill('answer');
    await page.getByLabel('Parameter 1 value from').selectOption('answer');
    await page.getByLabel('Parameter 1: IVR').selectOption('1');
    await page.getByLabel('Parameter 1: question').selectOption('1');
    await page.getByRole('button', { name: 'add parameter' }).click();
    await page.getByLabel('Parameter 2 name').fill('dropped');
    await page.getByRole('button', { name: 'Remove parameter 2' }).click();
    await page.getByRole('button', { name: 'Create post-call action' }).click();
    await page.waitForURL(/\/post-call-actions\/\d+$/);
    const action = (await (await page.request.get(`${server.base}/api/v1${new URL(page.url()).pathname}`)).json()) as { parameters: unknown };
    expect(action.parameters).toEqual([{ name: 'answer', value: 'ivr.1.question.1' }]);
    expect(errors).toEqual([]);
    await context.close();
  }, 30_000);
});
