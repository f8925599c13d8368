import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { decodeWav } from '../../src/media/wav.js';
import { WebhookReceiver, paramsOf, type ReceivedRequest } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { ci, freeSipPort, hasSipp, openCallerMedia, startCaller, startHookline, toneFrames, waitForLogOrExit, type CallerMedia, type Hookline } from './harness.js';

/**
 * What happens after the caller speaks, over real SIP: the SIPp caller (caller.xml) with its media played
 * from this process (a 1 kHz "voice" and RFC 4733 keys) leaves a voicemail, and answers an IVR; the
 * stored message, its notification and the post-call action are checked as a customer's server and
 * database see them. Skipped where sipp is not installed, except under CI, where a missing sipp must
 * fail rather than quietly skip.
 */

const CALLER = '3125550199'; // caller.xml's From
const VOICEMAIL = '8005550150';
const IVR = '8005550151';

const FLOWS = (hook: string) => `
numbers:
  "${VOICEMAIL}": voicemail/7
  "${IVR}": ivr/20
ivrs:
  - id: 20
    questions:
      - { type: keypad, prompt: "Enter your code, then press pound.", min_digits: 1, max_digits: 4, terminator: "#", timeout_s: 5 }
      - { type: say, prompt: "Thank you. Goodbye." }
voicemails:
  - { id: 7, greeting: "Please leave a message after the tone.", max_seconds: 30, notify_url: "${hook}/voicemail" }
post_call_actions:
  - url: "${hook}/postcall?src=sip"
    parameters:
      - { name: session, value: call.session_id }
      - { name: caller, value: call.caller_id }
      - { name: called, value: call.number_called }
      - { name: start, value: call.start }
      - { name: end, value: call.end }
      - { name: duration, value: call.duration }
      - { name: reason, value: call.end_reason }
      - { name: target, value: call.transfer_target }
      - { name: code, value: ivr.20.question.1 }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Resolves once `ok` holds (polled), or fails after `ms`. */
async function until(ok: () => boolean, ms: number, what: string): Promise<number> {
  for (const end = Date.now() + ms; !ok(); await sleep(20)) if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
  return Date.now();
}

/** A time parameter as the post-backs send it (ISO 8601, whole seconds, with an offset), in ms. */
function isoMs(s: string | undefined): number {
  expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  return Date.parse(s!);
}

describe.skipIf(!hasSipp && !ci)('voicemail and post-call actions over SIP (SIPp caller)', () => {
  let dir: string;
  let hookline: Hookline;
  const receiver = new WebhookReceiver(() => ({ status: 200, body: 'OK', contentType: 'text/plain' }));
  const postCalls = (sessionId: unknown): ReceivedRequest[] => receiver.requests.filter((r) => r.path === '/postcall' && paramsOf(r).get('session') === sessionId);

  beforeAll(async () => {
    if (!hasSipp) return;
    dir = await tempDir('hookline-trunk-vm-');
    const hook = (await receiver.start()).replace(/\/$/, '');
    hookline = await startHookline({ flowsYaml: FLOWS(hook), dir, trunk: `sip:127.0.0.1:${await freeSipPort()};transport=udp`, rtpPorts: '33200-33399' });
  }, 30_000);

  afterAll(async () => {
    expect(await hookline?.stop()).toBe(0);
    await receiver.stop();
  });

  it('sipp is installed', () => {
    expect(hasSipp).toBe(true);
  });

  it('voicemail: greeting, beep, ~3 s of voice, #: the WAV and its store row are kept, the notification comes once', async () => {
    const since = hookline.logs.length;
    const startedAt = Date.now();
    let media: CallerMedia | undefined = await openCallerMedia();
    try {
      const call = await startCaller({ hookline, dir, number: VOICEMAIL, media, mode: 'wait', timeoutMs: 45_000 });
      const incoming = await waitForLogOrExit(hookline, 'incoming call', { since, match: (l) => l.to === VOICEMAIL }, call);
      // The beep is 400 ms of 1 kHz (20 frames); the spoken greeting has none to speak of.
      const beepAt = await until(() => media!.framesAt(1000) >= 15, 20_000, 'beep after the greeting');
      const greetingFrames = media.loudFrames() - media.framesAt(1000);
      await sleep(3000); // the caller "talks" (their 1 kHz tone) all along
      await media.session.sendDigits('#');
      const poundAt = Date.now();
      const c = await call.done;
      expect(c.code, c.output).toBe(0); // hookline hung up with BYE after "Your message has been recorded. Goodbye."
      expect(greetingFrames).toBeGreaterThan(50); // "Please leave a message after the tone."
      expect(media.loudFrames(poundAt + 200)).toBeGreaterThan(50);
      await media.close();
      media = undefined;

      const sessionId = incoming.sessionId as string;
      const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
      let row: { path: string; duration_ms: number; caller_id: string; created_at: number; voicemail_id: number; kind: string };
      let endReason: string;
      try {
        const rows = db.prepare('SELECT * FROM recordings WHERE session_id = ?').all(sessionId) as Array<typeof row>;
        expect(rows).toHaveLength(1);
        row = rows[0]!;
        endReason = (db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(sessionId) as { end_reason: string }).end_reason;
      } finally {
        db.close();
      }
      expect(endReason).toBe('voicemail_left');
      expect(row).toMatchObject({ kind: 'voicemail', voicemail_id: 7, caller_id: CALLER });
      expect(row.path).toMatch(/^recordings\/voicemail\/7\/[^/]+\.wav$/);
      // From the beep to the # key: about the 3 s the caller talked.
      expect(row.duration_ms).toBeGreaterThan(2000);
      expect(row.duration_ms).toBeLessThan(poundAt - beepAt + 1500);
      expect(Number(row.created_at)).toBeGreaterThanOrEqual(startedAt);
      expect(Number(row.created_at)).toBeLessThanOrEqual(Date.now());

      const wav = decodeWav(await readFile(path.join(dir, row.path)));
      expect(wav.sampleRate).toBe(8000);
      expect(wav.channels).toHaveLength(1);
      const samples = Int16Array.from(wav.channels[0]!, (x) => x * 32767);
      expect(Math.abs(samples.length / 8 - row.duration_ms)).toBeLessThan(100);
      // The message is the caller's voice, not silence: most 20 ms frames are their 1 kHz tone.
      expect(toneFrames(samples, 1000)).toBeGreaterThan(0.8 * (samples.length / 160));

      await until(() => receiver.requests.some((r) => r.path === '/voicemail'), 10_000, 'voicemail notification');
      await sleep(1500); // a second delivery (a retry, a double enqueue) would come by now
      const notes = receiver.requests.filter((r) => r.path === '/voicemail');
      expect(notes).toHaveLength(1);
      const note = notes[0]!;
      expect(note.method).toBe('POST');
      const p = paramsOf(note);
      expect(Object.fromEntries(p)).toMatchObject({
        voicemail_id: '7',
        session_id: sessionId,
        caller_id: CALLER,
        number_called: VOICEMAIL,
        duration: String(Math.round(row.duration_ms / 1000)),
        recording: row.path,
      });
      expect(Math.abs(isoMs(p.get('timestamp')) - Number(row.created_at))).toBeLessThan(1000);
    } finally {
      await media?.close();
    }
  }, 60_000);

  it('post-call action: once the SIP call has ended it is received exactly once, with every placeholder filled', async () => {
    const since = hookline.logs.length;
    const media = await openCallerMedia();
    try {
      const call = await startCaller({ hookline, dir, number: IVR, media, mode: 'wait', timeoutMs: 45_000 });
      const incoming = await waitForLogOrExit(hookline, 'incoming call', { since, match: (l) => l.to === IVR }, call);
      const sessionId = incoming.sessionId as string;
      await sleep(1500); // into "Enter your code, then press pound." (keys barge in)
      await media.session.sendDigits('42#');
      const c = await call.done; // "Thank you. Goodbye." and hookline's BYE
      const endedAt = Date.now();
      expect(c.code, c.output).toBe(0);

      await until(() => postCalls(sessionId).length > 0, 15_000, 'post-call request');
      await sleep(2000); // a second delivery (a retry, a double enqueue) would come by now
      const got = postCalls(sessionId);
      expect(got).toHaveLength(1);
      const req = got[0]!;
      expect(req.method).toBe('GET');
      expect(req.query[0]).toEqual(['src', 'sip']); // the URL's own parameter first, then the configured ones in order
      expect(req.query.map(([k]) => k)).toEqual(['src', 'session', 'caller', 'called', 'start', 'end', 'duration', 'reason', 'target', 'code']);
      const p = paramsOf(req);
      expect(Object.fromEntries(p)).toMatchObject({ session: sessionId, caller: CALLER, called: IVR, reason: 'ivr_end', target: '', code: '42' });
      const start = isoMs(p.get('start'));
      const end = isoMs(p.get('end'));
      expect(start).toBeGreaterThanOrEqual(Math.floor(incoming.time / 1000) * 1000);
      expect(end).toBeGreaterThanOrEqual(start + 1000);
      expect(end).toBeLessThanOrEqual(endedAt);
      expect(Number(p.get('duration'))).toBe((end - start) / 1000);
      expect(req.at).toBeGreaterThanOrEqual(end);
    } finally {
      await media.close();
    }
  }, 60_000);
});
