import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PortAllocator } from '../../src/rtp/ports.js';
import {  } from '../helpers.js';
import { CallerMedia, SCENARIOS, ci, freeRtpPort, freeSipPort, hasSipp, startSipp, waitForLog, type Hookline, trunkSuite } from './harness.js';

/**
 * 3xx redirects from the trunk against SIPp (redirect-far.xml): hookline follows a 302's Contacts
 * through the same trunk, best q first, and does not dial a target the dial-out policy refuses. The
 * SIPp caller reaches an IVR whose webhook transfers it to the redirected number, then waits for
 * hookline's BYE.
 */

const FLOWS = (hook: string) => `
numbers:
  "8005550100": ivr/1
  "8005550108": ivr/2
ivrs:
  - id: 1
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=3125550101" }
  - id: 2
    questions: [{ type: say, prompt: "One moment." }]
    webhook: { url: "${hook}?to=3125550108" }
`;

// hookline's RTP range for this file (early-media.test.ts has 35000-35249); other ports are free ones outside all such ranges (harness.ts).
const HOOKLINE_RTP = { min: 35250, max: 35499 };

describe.skipIf(!hasSipp && !ci)('3xx redirects from the trunk against SIPp', () => {
  let dir: string;
  let hookline: Hookline;
  let farPort: number;
  trunkSuite({ prefix: 'hookline-redirect-', flows: FLOWS, rtpPorts: `${HOOKLINE_RTP.min}-${HOOKLINE_RTP.max}` }, (s) => ({ dir, hookline, farPort } = s));

  /** One call to `number` against a far end running `calls` calls; resolves with the far end's message log. */
  async function run(number: string, calls: number) {
    const since = hookline.logs.length;
    const mediaPort = await freeRtpPort();
    const media = await CallerMedia.open(new PortAllocator(mediaPort, mediaPort + 1));
    const messages = path.join(dir, `far-${number}.log`);
    const far = startSipp(['-sf', path.join(SCENARIOS, 'redirect-far.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-m', String(calls), '-trace_msg', '-message_file', messages]);
    await new Promise((r) => setTimeout(r, 300));
    const callerPort = await freeSipPort();
    const inf = path.join(dir, `caller-${callerPort}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${media.port};wait\n`);
    const call = startSipp([`127.0.0.1:${hookline.sipPort}`, '-sf', path.join(SCENARIOS, 'caller.xml'), '-s', number, '-i', '127.0.0.1', '-p', String(callerPort), '-m', '1', '-inf', inf]);
    const [c, f] = await Promise.all([call.done, far.done]);
    await media.close();
    expect(f.code, f.output).toBe(0);
    expect(c.code, c.output).toBe(0); // the caller heard a prompt and got hookline's BYE
    const invites = [...(await readFile(messages, 'utf8')).matchAll(/^INVITE sip:([0-9+]+)@([^ ;>]+)/gm)].map((m) => `${m[1]}@${m[2]}`);
    return { since, invites };
  }

  /** The call's end reason in the store, once written (hookline writes it just after its BYE). */
  async function endReason(sessionId: unknown): Promise<string | null> {
    for (let i = 0; ; i++) {
      const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
      try {
        const row = db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(sessionId) as { end_reason: string | null } | undefined;
        if (row?.end_reason || i >= 50) return row?.end_reason ?? null;
      } finally {
        db.close();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a 302 is followed through the trunk to its Contacts, best q first, each INVITE logged', async () => {
    const { since, invites } = await run('8005550100', 3);
    expect(invites).toEqual([`3125550101@127.0.0.1:${farPort}`, `3125550177@127.0.0.1:${farPort}`, `3125550178@127.0.0.1:${farPort}`]);
    const redirected = await waitForLog(hookline, 'outbound leg redirected (302) to 3125550177, 3125550178', { since });
    expect(redirected).toMatchObject({ destination: '3125550101', status: 302 });
    const sent = hookline.logs.slice(since).filter((l) => l.msg === 'INVITE sent').map((l) => l.destination);
    expect(sent).toEqual(['3125550101', '3125550177', '3125550178']);
    expect(await endReason(redirected.sessionId)).toBe('transfer_busy');
  }, 60_000);

  it('a 302 to a number the dial-out policy refuses is not dialled, and the caller is told', async () => {
    const { since, invites } = await run('8005550108', 1);
    expect(invites).toEqual([`3125550108@127.0.0.1:${farPort}`]);
    // By the caller's BYE the transfer is over: its log lines are all in.
    const line = hookline.logs.slice(since).find((l) => l.msg.startsWith('redirect refused: 19005550100 is refused by the dial-out policy'));
    expect(line, hookline.logs.slice(since).map((l) => l.msg).join(' | ')).toMatchObject({ destination: '3125550108', target: '19005550100' });
    expect(hookline.logs.slice(since).filter((l) => l.msg === 'INVITE sent').map((l) => l.destination)).toEqual(['3125550108']);
    expect(await endReason(line!.sessionId)).toBe('transfer_refused');
  }, 60_000);
});
