import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PortAllocator } from '../../src/rtp/ports.js';
import { decodeWav } from '../../src/media/wav.js';
import { tempDir } from '../helpers.js';
import { CallerMedia, SCENARIOS, ci, freeUdpPort, hasSipp, startHookline, startSipp, startWebhook, toneFrames, waitForLog, type Hookline, type LogLine } from './harness.js';

/**
 * hookline's outbound legs against SIPp, a SIP implementation that is not ours: SIPp is the trunk's far
 * end (far-end.xml: 3125550101 answers and echoes RTP, 3125550109 is busy, 3125550102 rings until
 * CANCELled) and SIPp is the caller (caller.xml), whose media this process plays and hears. hookline runs
 * as `hookline serve` with HOOKLINE_TRUNK pointing at the far end. Skipped where sipp is not installed,
 * except under CI, where a missing sipp must fail rather than quietly skip.
 */

const FLOWS = (hook: string) => `
numbers:
  "8005550100": ivr/1
  "8005550109": ivr/2
  "8005550119": ivr/3
  "8005550122": findme/4
ivrs:
  - id: 1
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=3125550101" }
  - id: 2
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=3125550109" }
  - id: 3
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=19005550100" }
findmes:
  - id: 4
    phone_list: ["3125550101", "3125550102"]
    simultaneous: 2
    timeout_s: 15
    auto_accept: 1
    record: 1
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Fixed ports sit below the ephemeral range (32768+), where SIPp's and the tests' own sockets land.
const callerPorts = new PortAllocator(19500, 19599);

describe.skipIf(!hasSipp && !ci)('outbound legs and bridging against SIPp', () => {
  let dir: string;
  let farPort: number;
  let mediaPort: number;
  let hookline: Hookline;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const pdd: Array<{ fromDialMs: number; fromWebhookMs?: number }> = [];

  beforeAll(async () => {
    if (!hasSipp) return;
    dir = await tempDir('hookline-trunk-');
    farPort = await freeUdpPort();
    mediaPort = 19600 + 4 * Math.floor(Math.random() * 50); // even; rtp_echo also takes +2
    webhook = await startWebhook();
    hookline = await startHookline({
      flowsYaml: FLOWS(webhook.url),
      dir,
      trunk: `sip:hookline:secret@127.0.0.1:${farPort};transport=udp`,
      rtpPorts: '19400-19499',
    });
  }, 30_000);

  afterAll(async () => {
    if (pdd.length) console.log(`post-dial delay added by hookline (ms): ${JSON.stringify(pdd)}`);
    await hookline?.stop();
    await webhook?.close();
  });

  it('sipp is installed', () => {
    expect(hasSipp).toBe(true);
  });

  /** The far end, listening on the trunk's port; `calls` calls complete before it exits 0. */
  function farEnd(calls: number) {
    const messages = path.join(dir, `far-${Date.now()}.log`);
    const run = startSipp(['-sf', path.join(SCENARIOS, 'far-end.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-rtp_echo', '-m', String(calls), '-trace_msg', '-message_file', messages]);
    return { run, messages: () => readFile(messages, 'utf8').catch(() => '') };
  }

  /** The caller: hangs up after `holdMs` of the call, or waits for hookline's BYE. */
  async function caller(number: string, media: CallerMedia, mode: 'hangup' | 'wait', holdMs = 6000) {
    const port = await freeUdpPort();
    const inf = path.join(dir, `caller-${port}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${media.port};${mode}\n`);
    return startSipp([`127.0.0.1:${hookline.sipPort}`, '-sf', path.join(SCENARIOS, 'caller.xml'), '-s', number, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-d', String(holdMs), '-inf', inf]);
  }

  /** Post-dial delay of the call's INVITEs: from dial() (hookline's own measure) and, after a webhook, from its response. */
  function notePdd(sessionId: unknown, afterWebhook: boolean): void {
    const sent = hookline.logs.filter((l) => l.msg === 'INVITE sent' && l.sessionId === sessionId);
    const hook = afterWebhook ? webhook.responses.at(-1) : undefined;
    for (const l of sent) pdd.push({ fromDialMs: l.pddMs as number, ...(hook ? { fromWebhookMs: l.time - hook.at } : {}) });
  }

  it('transfer: the far end gets the INVITE, and the bridge carries audio and keys both ways (PCMA caller, PCMU far end)', async () => {
    const since = hookline.logs.length;
    const media = await CallerMedia.open(callerPorts);
    const far = farEnd(1);
    await sleep(300);
    const call = await caller('8005550100', media, 'hangup', 7000);
    const answered = await waitForLog(hookline, 'outbound leg answered', { since });
    const bridgedAt = Date.now();
    await sleep(800);
    await media.session.sendDigits('5');
    const [c, f] = await Promise.all([call.done, far.run.done]);
    const ended = await waitForLog(hookline, 'bridge ended', { since, ms: 5000 });
    await media.close();
    notePdd(answered.sessionId, true);

    expect(c.code, c.output).toBe(0);
    expect(f.code, f.output).toBe(0);
    const msgs = await far.messages();
    expect(msgs).toContain(`INVITE sip:3125550101@127.0.0.1:${farPort} SIP/2.0`);
    expect(msgs).toMatch(/From: <sip:3125550199@127\.0\.0\.1:\d+>/);
    expect(msgs).toMatch(/m=audio \d+ RTP\/AVP 0 8 101/);
    expect(ended).toMatchObject({ endedBy: 'caller' });
    const stats = ended as LogLine & { toCallee: Record<string, number>; toCaller: Record<string, number> };
    // PCMA from the caller crosses to the PCMU far end; the echo comes back the same way.
    expect(stats.toCallee.relayed).toBeGreaterThan(100);
    expect(stats.toCallee.transcoded).toBe(stats.toCallee.relayed);
    expect(stats.toCaller.relayed).toBeGreaterThan(100);
    expect(stats.toCallee.digits).toBe(1);
    expect(stats.toCaller.digits).toBe(1);
    // The caller hears their own voice through hookline → far end → hookline, and their key came back.
    expect(media.framesAt(1000, bridgedAt)).toBeGreaterThan(50);
    expect(media.keys).toContain('5');
  }, 60_000);

  it('a busy far end: the caller hears "not available" and gets BYE', async () => {
    const since = hookline.logs.length;
    const media = await CallerMedia.open(callerPorts);
    const far = farEnd(1);
    await sleep(300);
    const call = await caller('8005550109', media, 'wait');
    const busy = await waitForLog(hookline, 'outbound leg busy', { since });
    const [c, f] = await Promise.all([call.done, far.run.done]);
    await media.close();
    notePdd(busy.sessionId, true);

    expect(f.code, f.output).toBe(0);
    expect(c.code, c.output).toBe(0); // the scenario insists on hookline's BYE
    // "The party you are trying to reach is not available. Goodbye." is several seconds of speech.
    expect(media.loudFrames(busy.time)).toBeGreaterThan(100);
    const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(busy.sessionId) as { end_reason: string };
      expect(row.end_reason).toBe('transfer_busy');
    } finally {
      db.close();
    }
  }, 60_000);

  it('the dial-out policy: a webhook transfer to a premium number is not dialled, is logged, and the caller hears why', async () => {
    const since = hookline.logs.length;
    const media = await CallerMedia.open(callerPorts);
    const call = await caller('8005550119', media, 'wait');
    // The default policy: North American numbers, no premium (+1 900, 976) and no Caribbean ones.
    const isRefusal = (l: LogLine) => l.msg.startsWith('transfer refused: 19005550100 is refused by the dial-out policy (HOOKLINE_DIAL_ALLOW=+1NXXNXXXXXX,!+1900NXXXXXX,');
    for (const end = Date.now() + 20_000; !hookline.logs.slice(since).some(isRefusal) && Date.now() < end; ) await sleep(20);
    const refused = hookline.logs.slice(since).find(isRefusal) as LogLine;
    expect(refused, 'no refusal logged').toBeDefined();
    const c = await call.done;
    await media.close();

    expect(refused.level).toBe(40); // warn: the customer's webhook asked for something the operator forbids
    expect(c.code, c.output).toBe(0); // the scenario insists on hookline's BYE
    // "We are sorry, that number cannot be reached from this line. Goodbye." is a few seconds of speech.
    expect(media.loudFrames(refused.time)).toBeGreaterThan(75);
    const logs = hookline.logs.slice(since);
    expect(logs.filter((l) => l.msg === 'INVITE sent')).toEqual([]); // nothing reached the trunk
    const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(refused.sessionId) as { end_reason: string };
      expect(row.end_reason).toBe('transfer_refused');
    } finally {
      db.close();
    }
  }, 60_000);

  it('Find Me with two numbers at once: the first to answer wins, the ringing one is CANCELled, the bridge is recorded in stereo', async () => {
    const since = hookline.logs.length;
    const media = await CallerMedia.open(callerPorts);
    const far = farEnd(2);
    await sleep(300);
    const call = await caller('8005550122', media, 'hangup', 8000);
    const answered = await waitForLog(hookline, 'outbound leg answered', { since });
    const [c, f] = await Promise.all([call.done, far.run.done]);
    const ended = await waitForLog(hookline, 'bridge ended', { since, ms: 5000 });
    await media.close();
    notePdd(answered.sessionId, false);

    expect(c.code, c.output).toBe(0);
    expect(f.code, f.output).toBe(0); // both calls followed the script: one answered, one CANCELled
    const msgs = await far.messages();
    expect(msgs).toContain(`INVITE sip:3125550101@127.0.0.1:${farPort}`);
    expect(msgs).toContain(`CANCEL sip:3125550102@127.0.0.1:${farPort}`);
    const invites = hookline.logs.filter((l) => l.msg === 'INVITE sent' && l.sessionId === answered.sessionId);
    expect(invites.map((l) => l.destination).sort()).toEqual(['3125550101', '3125550102']);
    expect(Math.abs((invites[0] as LogLine).time - (invites[1] as LogLine).time)).toBeLessThan(100);
    expect(hookline.logs.some((l) => l.msg === 'outbound leg canceled' && l.destination === '3125550102')).toBe(true);

    expect((ended as LogLine & { recordedMs: number }).recordedMs).toBeGreaterThan(1000);
    const recDir = path.join(dir, 'recordings', String(answered.sessionId));
    const file = (await readdir(recDir)).find((n) => n.startsWith('call-'));
    const wav = decodeWav(await readFile(path.join(recDir, file as string)));
    expect(wav.channels).toHaveLength(2);
    // Left: the caller's 1 kHz voice. Right: the far end, which echoes that voice back.
    for (const ch of wav.channels) expect(toneFrames(Int16Array.from(ch, (x) => x * 32767), 1000)).toBeGreaterThan(50);
  }, 60_000);
});
