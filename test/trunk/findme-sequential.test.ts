import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { tempDir } from '../helpers.js';
import {
  ci, freeSipPort, hasSipp, openCallerMedia, parseSippTrace, startCaller, startFarEnd, startHookline, waitForLog, waitForLogOrExit, type Hookline, type LogLine,
} from './harness.js';

/**
 * Find Me one number at a time (`simultaneous: 1`) over SIP: SIPp is the trunk's far end (far-end.xml:
 * 3125550102 rings until CANCELled, 3125550101 answers and echoes RTP) and the caller (caller.xml), whose
 * media this process plays (a 1 kHz voice) and hears. The first number rings out its ring time and is
 * CANCELled; only then is the second dialled, and the caller is bridged to it. Skipped where sipp is not
 * installed, except under CI, where a missing sipp must fail rather than quietly skip.
 */

const RING_S = 5; // the smallest timeout_s the flows file allows

const FLOWS = `
numbers:
  "8005550160": findme/6
findmes:
  - id: 6
    phone_list: ["3125550102", "3125550101"]
    simultaneous: 1
    timeout_s: ${RING_S}
    auto_accept: 1
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe.skipIf(!hasSipp && !ci)('Find Me, one number at a time, against SIPp', () => {
  let dir: string;
  let farPort: number;
  let hookline: Hookline;

  beforeAll(async () => {
    if (!hasSipp) return;
    dir = await tempDir('hookline-trunk-findme-seq-');
    farPort = await freeSipPort();
    hookline = await startHookline({ flowsYaml: FLOWS, dir, trunk: `sip:127.0.0.1:${farPort};transport=udp`, rtpPorts: '33400-33599' });
  }, 30_000);

  afterAll(async () => {
    expect(await hookline?.stop()).toBe(0);
  });

  it('sipp is installed', () => {
    expect(hasSipp).toBe(true);
  });

  it('the first number rings out its ring time and is CANCELled, then the second is dialled and the caller is bridged to it', async () => {
    const since = hookline.logs.length;
    const media = await openCallerMedia();
    try {
      const far = await startFarEnd({ scenario: 'far-end.xml', port: farPort, dir, calls: 2 });
      await sleep(300);
      // The caller's hold counts from hookline's answer: the first number's ring time, then the bridge.
      const call = await startCaller({ hookline, dir, number: '8005550160', media, mode: 'hangup', holdMs: RING_S * 1000 + 5000, timeoutMs: 45_000 });
      const answered = await waitForLogOrExit(hookline, 'outbound leg answered', { since, ms: 30_000 }, far.run, call);
      const bridgedAt = Date.now();
      const [c, f] = await Promise.all([call.done, far.run.done]);
      const ended = await waitForLog(hookline, 'bridge ended', { since, ms: 5000 });

      expect(c.code, c.output).toBe(0);
      expect(f.code, f.output).toBe(0); // 3125550102 was CANCELled (200, 487, ACK) and 3125550101 answered and got BYE
      expect(answered).toMatchObject({ destination: '3125550101' });

      // On the wire, in order: INVITE to the first, its CANCEL, and only then the INVITE to the second.
      const received = parseSippTrace(await far.messages()).filter((m) => m.dir === 'received');
      const order = received.filter((m) => /^(INVITE|CANCEL) /.test(m.start)).map((m) => m.start.replace(/@.*$/, ''));
      expect(order).toEqual(['INVITE sip:3125550102', 'CANCEL sip:3125550102', 'INVITE sip:3125550101']);

      const logs = hookline.logs.slice(since).filter((l) => l.sessionId === answered.sessionId);
      const sent = logs.filter((l) => l.msg === 'INVITE sent');
      expect(sent.map((l) => l.destination)).toEqual(['3125550102', '3125550101']);
      // The second is dialled once the first has rung its ring time (timeout_s), not before, and not much after.
      const gap = (sent[1] as LogLine).time - (sent[0] as LogLine).time;
      expect(gap).toBeGreaterThanOrEqual(RING_S * 1000 - 50);
      expect(gap).toBeLessThan(RING_S * 1000 + 2000);
      const unanswered = logs.find((l) => l.destination === '3125550102' && /^outbound leg (no_answer|canceled)$/.test(l.msg));
      expect(unanswered?.msg).toBe('outbound leg no_answer');
      expect(logs.some((l) => l.msg === 'outbound leg answered' && l.destination === '3125550102')).toBe(false);

      // Bridged to the second: the caller hears their own voice echoed by 3125550101, until they hang up.
      expect(media.framesAt(1000, bridgedAt)).toBeGreaterThan(50);
      expect(ended).toMatchObject({ endedBy: 'caller' });
      const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
      try {
        const row = db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(answered.sessionId) as { end_reason: string };
        expect(row.end_reason).toBe('caller_hangup');
      } finally {
        db.close();
      }
    } finally {
      await media.close();
    }
  }, 60_000);
});
