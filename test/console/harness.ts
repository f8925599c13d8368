/**
 * The console's browser tests run the real thing: the built `hookline serve` (console included) on free
 * ports with a temporary data dir, and Debian's Chromium driven by playwright-core (no browser download:
 * the machine's /usr/bin/chromium, headless). Without Chromium the tests skip locally and fail in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../src/testkit/ports.js';
import { ROOT, tempDir } from '../helpers.js';

export const CHROMIUM = process.env['HOOKLINE_CHROMIUM'] ?? '/usr/bin/chromium';
export const PASSWORD = 'console-test-password';
export const SHOTS = path.join(ROOT, 'test-results', 'console');

/** Whether the browser tests can run; in CI a missing browser is a failure, not a skip. */
export function browserAvailable(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok && process.env['CI']) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return ok;
}

export interface Served {
  base: string;
  dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `node bin/hookline.js serve` and resolves once it prints its HTTP address. */
export async function serveHookline(flowsYaml: string, env: Record<string, string | undefined> = {}): Promise<Served> {
  const dir = await tempDir('hookline-console-');
  const flows = path.join(dir, 'flows.yaml');
  await writeFile(flows, flowsYaml);
  const rtp = await freePort();
  const rtpMin = rtp - (rtp % 2);
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', flows, '--data-dir', path.join(dir, 'data'), '--http-port', '0', '--sip-port', '0', '--rtp-ports', `${rtpMin}-${rtpMin + 99}`],
    // An `undefined` in env leaves the variable out (HOOKLINE_ADMIN_PASSWORD: undefined for a console without login).
    { cwd: ROOT, env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn', HOOKLINE_ADMIN_PASSWORD: PASSWORD, ...env } },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hookline did not start: ${out}`)), 15_000);
    const poll = setInterval(() => {
      const m = /HTTP on (http:\/\/[0-9.]+:[0-9]+)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(t);
        resolve(m[1] as string);
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(t);
        reject(new Error(`hookline exited: ${out}`));
      }
    }, 20);
  });
  return {
    base,
    dataDir: dir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
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
