/**
 * The console's browser tests run the real thing: the built `hookline serve` (console included) on free
 * ports with a temporary data dir, and Debian's Chromium driven by playwright-core (no browser download:
 * the machine's /usr/bin/chromium, headless). Without Chromium the tests skip locally and fail in CI.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../src/testkit/ports.js';
import { ROOT, startServe, tempDir, writeFlows, type ServeProcess } from '../helpers.js';

export const CHROMIUM = process.env['HOOKLINE_CHROMIUM'] ?? '/usr/bin/chromium';
export const PASSWORD = 'console-test-password';
export const SHOTS = path.join(ROOT, 'test-results', 'console');

/** Whether the browser tests can run; in CI a missing browser is a failure, not a skip. */
export function browserAvailable(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok && process.env['CI']) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return ok;
}

export interface Served extends ServeProcess {
  dataDir: string;
}

/** Starts `node bin/hookline.js serve` and resolves once it prints its HTTP address. */
export async function serveHookline(flowsYaml: string, env: Record<string, string | undefined> = {}): Promise<Served> {
  const dir = await tempDir('hookline-console-');
  const flows = await writeFlows(dir, flowsYaml);
  const rtp = await freePort();
  const rtpMin = rtp - (rtp % 2);
  const served = await startServe(
    ['--flows', flows, '--data-dir', path.join(dir, 'data'), '--http-port', '0', '--sip-port', '0', '--rtp-ports', `${rtpMin}-${rtpMin + 99}`],
    // HOOKLINE_ADMIN_PASSWORD: undefined in env for a console without login.
    { HOOKLINE_ADMIN_PASSWORD: PASSWORD, ...env },
  );
  return { ...served, dataDir: dir };
}

/** Each launch gets a fresh, temporary profile (playwright makes one; it refuses --user-data-dir with launch()). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newPage(browser: Browser, o: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: string[] = [];
  // A CSP violation or a script error shows here: the console must run under its own policy.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|409|412|422|429)/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(10_000);
  return { context, page, errors };
}

export async function login(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export async function shot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  // From the top: a full-page shot of a scrolled page would draw the sticky header in the middle.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
