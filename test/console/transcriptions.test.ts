/**
 * The console's Transcriptions page in Chromium: a recorded answer marked `transcribe: human` is in
 * the queue with a player; a person claims it, types what the caller said and submits it, and the
 * post-back reaches the IVR's Transcription Post Back URL once.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { encodeWav } from '../../src/media/wav.js';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { browserAvailable, launchBrowser, login, newPage, serveHookline, shot, type Served } from './harness.js';

const SID = 'f'.repeat(32);

describe.skipIf(!browserAvailable())('console transcriptions page in Chromium', () => {
  const receiver = new WebhookReceiver();
  let server: Served;
  let browser: Browser;
  let hook: string;
  beforeAll(async () => {
    hook = await receiver.start();
    [server, browser] = await Promise.all([
      serveHookline(`
numbers:
  "8005550100": ivr/20
ivrs:
  - id: 20
    name: Feedback
    questions:
      - type: recorded
        prompt: "Tell us."
        transcribe: human
    webhook:
      url: ${hook}/hook
      transcription_url: ${hook}/transcripts
`),
      launchBrowser(),
    ]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    expect(await server?.stop()).toBe(0);
    await receiver.stop();
  });

  it('lists the recording waiting to be typed; claim, type and submit send the post-back once', async () => {
    // A call that left a recorded answer, written as the flow writes it (the server reads the same database).
    const data = path.join(server.dataDir, 'data');
    const store = await createSqliteStore(path.join(data, 'hookline.db'));
    const at = new Date();
    await store.calls.create({ sessionId: SID, direction: 'inbound', from: '3125550199', to: '8005550100', startedAt: at, endedAt: at, endReason: 'caller_hangup', passThrough: '', monitoredSeconds: 0 });
    const responseId = await store.interactions.start({ sessionId: SID, ivrId: 20, startedAt: at });
    const rel = `recordings/${SID}/${responseId}-q1.wav`;
    await mkdir(path.join(data, 'recordings', SID), { recursive: true });
    await writeFile(path.join(data, rel), encodeWav(Int16Array.from({ length: 8000 * 3 }, (_, i) => Math.round(4000 * Math.sin(i / 3)))));
    await store.recordings.add({ sessionId: SID, kind: 'question', path: rel, durationMs: 3000, callerId: '3125550199', createdAt: at, responseId, questionNo: 1 });
    await store.transcriptions.create({ sessionId: SID, ivrId: 20, responseId, questionNo: 1, recordingPath: rel, durationMs: 3000, mode: 'human', createdAt: at, timezone: 'UTC', postback: { url: `${hook}/transcripts` } });
    await store.close();

    const { page, errors, context } = await newPage(browser);
    await login(page, server.base);
    await page.getByRole('link', { name: 'Transcriptions' }).click();
    const label = `IVR 20, response ${responseId}, question 1`;
    await page.getByText(label).waitFor();
    await expect(page.getByLabel(`Recording of ${label}`).getAttribute('src')).resolves.toMatch(/^\/api\/v1\/recordings\/\d+\/audio$/);
    await page.getByRole('button', { name: 'Claim' }).click();
    await page.getByText(`Claimed ${label} for 15 minutes.`).waitFor();
    await page.getByText('Claimed by admin until').waitFor();
    await page.getByLabel('What the caller said').fill('Please call me back about my order');
    await shot(page, 'transcriptions-typing');
    await page.getByRole('button', { name: 'Submit text' }).click();
    await page.getByText(`Saved the text of ${label}.`).waitFor();
    await page.getByText('Nothing to type.').waitFor();

    const [pb] = await receiver.waitFor(1);
    expect(pb!.path).toBe('/transcripts');
    const p = paramsOf(pb!);
    expect([p.get('survo_id'), p.get('unique_id'), p.get('question'), p.get('duration'), p.get('text')]).toEqual(['20', String(responseId), '1', '3', 'Please call me back about my order']);

    // The Done view shows the text and that it was posted.
    await page.getByLabel('Show').selectOption('done');
    await page.getByText('Please call me back about my order').waitFor();
    await page.getByText(`Post-back to ${hook}/transcripts queued`).waitFor();
    await shot(page, 'transcriptions-done');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
