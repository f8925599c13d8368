import { readFile } from 'node:fs/promises';
import { launchBrowser, login, newPage, serveHookline, shot } from './harness.js';

const flows = (await readFile('examples/demo-flows.yaml', 'utf8'));
const s = await serveHookline(flows, { HOOKLINE_LOG_LEVEL: 'error' });
try {
  const b = await launchBrowser();
  const { page, errors } = await newPage(b, { width: Number(process.env['W'] ?? 1280), height: 900 });
  await login(page, s.base);
  const sess = (await (await page.request.get(s.base + '/console/session')).json()) as { csrf_token: string };
  for (const to of ['8005550122', '8005550100']) {
    const r = await page.request.post(s.base + '/api/v1/test-calls', { data: { to, prompts: 'instant' }, headers: { 'X-CSRF-Token': sess.csrf_token } });
    const id = ((await r.json()) as { session_id: string }).session_id;
    await page.request.post(s.base + `/api/v1/test-calls/${id}/keys`, { data: { keys: '5#' }, headers: { 'X-CSRF-Token': sess.csrf_token } });
  }
  await page.waitForTimeout(2500);
  for (const p of (process.argv[2] ?? '/').split(',')) {
    await page.goto(s.base + p);
    await page.waitForTimeout(800);
    await shot(page, `scratch${p.replace(/[/?=&]/g, '_')}`);
  }
  console.log('errors', errors);
  await b.close();
} finally {
  await s.stop();
}
