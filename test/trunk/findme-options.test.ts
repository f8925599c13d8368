import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PortAllocator } from '../../src/rtp/ports.js';
import { readWav8kMono, writeWav } from '../../src/media/wav.js';
import { tone } from '../../src/media/tones.js';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import {
  CallerMedia, FarMedia, SCENARIOS, ci, freeRtpPort, freeSipPort, hasSipp, isTone, openQuiet, parseSippTrace, startHookline, startSipp, toneFrames, waitForLog,
  type Hookline, type LogLine, type TracedMessage, type SippRun,
} from './harness.js';
import { DYNAMIC, FLOWS, KINDS, NEXT, PHONES, TONE, WHISPER_HZ, type Kind, type Phone, type PhoneName } from './findme-options-flows.js';

/**
 * Find Me's options over SIP: screening (screen_method 0-3), auto_accept 0-3, and every nextaction route
 * when nobody accepts, pre-configured (flows file) and dynamic (the webhook's XML). One hookline and one
 * SIPp far end (findme-far.xml) serve every case, run side by side. The far end only signals: the media of
 * every answering number comes from this process (FarMedia), which hears what hookline plays to the callee
 * and presses "1" (RFC 4733), or not; one number instead has SIPp itself press 1 from a capture. The caller
 * is SIPp (caller.xml) with its media here too (CallerMedia, a 1 kHz voice). Callees talk a tone of their
 * own (A 1800 Hz, B 2400 Hz), so the caller hears whom it is bridged to, and when.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string | (() => string), cond: () => boolean, ms = 20_000): Promise<number> {
  for (const end = Date.now() + ms; !cond(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
  return Date.now();
}

/** When `media` first received a frame that is mostly `freq` (Infinity: never). */
const firstTone = (media: { frames: Array<{ at: number; pcm: Int16Array }> }, freq: number) => media.frames.find((f) => isTone(f.pcm, freq))?.at ?? Infinity;

describe.skipIf(!hasSipp && !ci)('Find Me options over SIP (screening, auto_accept, nextaction)', () => {
  let dir: string;
  let hookline: Hookline;
  let far: SippRun;
  let farMessages: string;
  const phones = {} as Record<PhoneName, Phone>;
  const receiver = new WebhookReceiver((req) => {
    const c = new URLSearchParams(req.url.split('?')[1] ?? '').get('case') ?? '';
    const params = DYNAMIC(phones)[c];
    return { contentType: 'text/xml', body: params ? `<action><app>findme</app><parameters>${params}</parameters></action>` : '<action><app>hangup</app></action>' };
  });

  beforeAll(async () => {
    if (!hasSipp) return;
    dir = await tempDir('hookline-findme-');
    let unique = 10_000;
    await Promise.all((Object.entries(PHONES) as Array<[PhoneName, Kind]>).map(async ([name, kind]) => {
      const media = kind === 'decline' || kind === 'accept' || kind === 'talk'
        ? await openQuiet(async () => FarMedia.open(await freeRtpPort(), name.endsWith('b') ? TONE.b : TONE.a))
        : undefined;
      phones[name] = { kind, number: `3125${KINDS[kind]}${media ? media.port : unique++}`, ...(media ? { media } : {}) };
    }));
    await mkdir(path.join(dir, 'audio'), { recursive: true });
    await writeWav(path.join(dir, 'audio', 'whisper.wav'), tone([WHISPER_HZ], 1200, { level: -12 }));
    const hook = (await receiver.start()).replace(/\/$/, '');
    const farPort = await freeSipPort();
    farMessages = path.join(dir, 'far-messages.log');
    far = startSipp(['-sf', path.join(SCENARIOS, 'findme-far.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-mi', '127.0.0.1', '-mp', String(await freeRtpPort()),
      '-trace_msg', '-message_file', farMessages, '-trace_err', '-error_file', path.join(dir, 'far-errors.log')], 170_000);
    hookline = await startHookline({ flowsYaml: FLOWS(hook, phones), dir, trunk: `sip:127.0.0.1:${farPort};transport=udp`, rtpPorts: '34000-34999' });
    // Synthesis competes with the calls' media for the CPU: let the prompt cache fill first.
    await waitForLog(hookline, 'prompt cache warm', { ms: 25_000 });
  }, 40_000);

  afterAll(async () => {
    await hookline?.stop();
    far?.child.kill('SIGTERM');
    await far?.done;
    await receiver.stop();
    await Promise.all(Object.values(phones).map((p) => p.media?.close()));
  });

  it('sipp is installed', () => expect(hasSipp).toBe(true));

  /** The caller dials `dial` and (mode wait) stays until hookline's BYE, or (hangup) hangs up after `holdMs`. */
  async function call(dial: string, mode: 'wait' | 'hangup' = 'wait', holdMs = 1000) {
    const media = await openQuiet(async () => {
      const port = await freeRtpPort();
      return CallerMedia.open(new PortAllocator(port, port + 1));
    });
    const inf = path.join(dir, `caller-${dial}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${media.port};${mode}\n`);
    const args = [`127.0.0.1:${hookline.sipPort}`, '-sf', path.join(SCENARIOS, 'caller.xml'), '-s', dial, '-i', '127.0.0.1', '-p', String(await freeSipPort()),
      '-mp', String(await freeRtpPort()), '-m', '1', '-d', String(holdMs), '-inf', inf];
    const run = startSipp(args, 45_000);
    const sessionId = (await waitForLog(hookline, 'incoming call', { match: (l) => l.to === dial })).sessionId as string;
    const logs = (msg?: string) => hookline.logs.filter((l) => l.sessionId === sessionId && (msg === undefined || l.msg === msg));
    /** Waits for the caller's SIPp to finish, then closes the caller's media. */
    const done = async () => {
      const r = await run.done;
      const at = Date.now();
      await media.close();
      return { ...r, at };
    };
    /** The call's first log line `msg`, waiting a little: hookline may log it just as it sends the BYE. */
    const logged = (msg: string) => waitForLog(hookline, msg, { match: (l) => l.sessionId === sessionId, ms: 3000 });
    return { media, sessionId, logs, logged, done, transitions: () => logs('transition').map((l) => l.to) };
  }

  /** The far end's SIP messages of the call to `phone`, from SIPp's trace. */
  async function sipOf(phone: Phone): Promise<{ msgs: TracedMessage[]; got(method: string): TracedMessage | undefined; sent(method: string): TracedMessage | undefined }> {
    const all = parseSippTrace(await readFile(farMessages, 'utf8').catch(() => ''));
    const invite = all.find((m) => m.dir === 'received' && m.start.startsWith(`INVITE sip:${phone.number}@`));
    const msgs = invite ? all.filter((m) => m.callId === invite.callId) : [];
    const find = (dir: TracedMessage['dir'], method: string) => msgs.find((m) => m.dir === dir && m.start.startsWith(`${method} `));
    return { msgs, got: (m) => find('received', m), sent: (m) => find('sent', m) };
  }

  /** Presses 1 on `phone` once `cue` holds (what it heard says the screening has reached it). */
  async function acceptWhen(phone: Phone, cue: (m: FarMedia) => boolean): Promise<number> {
    const media = phone.media as FarMedia;
    await until(() => `the callee's cue on ${phone.number}: ${media.describe()}`, () => cue(media));
    await media.press('1');
    return media.keysSent[0]?.at as number;
  }

  /** The call's end reason in the store; hookline writes it just after its BYE, so it may take a moment. */
  async function endReason(sessionId: string): Promise<string | null> {
    const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
    try {
      const read = () => (db.prepare('SELECT end_reason FROM calls WHERE session_id = ?').get(sessionId) as { end_reason: string | null } | undefined)?.end_reason ?? null;
      await until('the end reason', () => read() !== null, 3000).catch(() => undefined);
      return read();
    } finally {
      db.close();
    }
  }

  const mediaOf = (name: PhoneName) => phones[name].media as FarMedia;

  describe.concurrent('screen_method', () => {
    it('0: the caller records their name; the first callee hears it, does not press 1 and gets BYE; the next hears it, presses 1, and only then is bridged', async ({ expect }) => {
      const c = await call('8005550201');
      // "Please say your name after the tone." and the 1 kHz beep; the caller's voice is 1 kHz too.
      await until('the beep', () => c.media.framesAt(1000) >= 15);
      await sleep(1500);
      await c.media.session.sendDigits('#');
      const keyAt = await acceptWhen(phones.s0b, (m) => m.framesAt(1000) >= 20);
      const r = await c.done();
      expect(r.code, r.output).toBe(0);

      const a = mediaOf('s0a');
      const b = mediaOf('s0b');
      expect(a.framesAt(1000)).toBeGreaterThan(40); // the recorded name, about 1.5 s of the caller's voice
      expect(a.loudFrames() - a.framesAt(1000)).toBeGreaterThan(50); // "You have a call from", "Press 1..."
      expect(a.keysSent).toEqual([]);
      const sipA = await sipOf(phones.s0a);
      const sipB = await sipOf(phones.s0b);
      expect(sipA.got('BYE')).toBeDefined();
      expect(sipA.got('BYE')!.at).toBeLessThanOrEqual(sipB.got('INVITE')!.at); // declined, then the next number
      expect(c.media.framesAt(TONE.a)).toBe(0); // never bridged to the one who did not press 1
      expect(b.framesAt(1000, 0, keyAt)).toBeGreaterThan(15); // the name (the cue was 20 frames)
      expect(firstTone(c.media, TONE.b)).toBeGreaterThan(keyAt);
      expect(c.media.framesAt(TONE.b)).toBeGreaterThan(50);
      expect(sipB.sent('BYE')).toBeDefined(); // B talked, then hung up
      expect(await c.logged('bridge ended')).toMatchObject({ endedBy: 'callee' });

      const recDir = path.join(dir, 'recordings', c.sessionId);
      const name = (await readdir(recDir)).find((f) => f.startsWith('name-'));
      expect(toneFrames(await readWav8kMono(path.join(recDir, name as string)), 1000)).toBeGreaterThan(40);
    }, 45_000);

    it('1 (dynamic, from the webhook): the callee hears the whisper text, presses 1, and only then is bridged', async ({ expect }) => {
      const c = await call('8005550202');
      const keyAt = await acceptWhen(phones.s1a, (m) => m.loudFrames() >= 60);
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      expect(receiver.requests.some((q) => q.url.includes('case=S1') && paramsOf(q).get('ivr_session_id') === c.sessionId)).toBe(true);
      expect(c.transitions()).toEqual(['ivr/30', 'findme/dynamic']);
      const a = mediaOf('s1a');
      expect(a.loudFrames(0, keyAt)).toBeGreaterThan(50); // the whisper (the cue was 60 frames, some may share the key's millisecond)
      expect(a.framesAt(1000, 0, keyAt)).toBe(0); // it did not hear the caller before accepting
      expect(firstTone(c.media, TONE.a)).toBeGreaterThan(keyAt);
      expect(c.media.framesAt(TONE.a)).toBeGreaterThan(50);
      expect(a.framesAt(1000, keyAt)).toBeGreaterThan(50);
    }, 45_000);

    it('2 (dynamic): the whisper audio plays to each callee; the first declines (BYE), the second presses 1 and is bridged', async ({ expect }) => {
      const c = await call('8005550203');
      const keyAt = await acceptWhen(phones.s2b, (m) => m.framesAt(WHISPER_HZ) >= 20);
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const a = mediaOf('s2a');
      expect(a.framesAt(WHISPER_HZ)).toBeGreaterThan(40);
      expect(a.framesAt(1000)).toBe(0);
      expect((await sipOf(phones.s2a)).got('BYE')).toBeDefined();
      expect(c.media.framesAt(TONE.a)).toBe(0);
      expect(mediaOf('s2b').framesAt(1000, 0, keyAt)).toBe(0);
      expect(firstTone(c.media, TONE.b)).toBeGreaterThan(keyAt);
      expect(c.media.framesAt(TONE.b)).toBeGreaterThan(50);
    }, 45_000);

    it('3: no screening, the callee hears only the request for 1, presses it, and is then bridged', async ({ expect }) => {
      const c = await call('8005550204');
      const keyAt = await acceptWhen(phones.s3a, (m) => m.loudFrames() >= 40);
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const a = mediaOf('s3a');
      // No introduction: before its key the callee heard no name, no whisper and not the caller.
      expect(a.loudFrames(0, keyAt)).toBeGreaterThan(30); // the request (the cue was 40 frames, some may share the key's millisecond)
      expect(a.framesAt(1000, 0, keyAt)).toBe(0);
      expect(a.framesAt(WHISPER_HZ, 0, keyAt)).toBe(0);
      expect(firstTone(c.media, TONE.a)).toBeGreaterThan(keyAt);
      expect(c.media.framesAt(TONE.a)).toBeGreaterThan(50);
      expect(await c.logged('bridge ended')).toMatchObject({ endedBy: 'callee' });
    }, 45_000);

    it('a foreign RFC 4733 "1" (SIPp playing dtmf_2833_1.pcap) accepts the call', async ({ expect }) => {
      const c = await call('8005550205');
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const sip = await sipOf(phones.pa);
      const answeredAt = sip.sent('SIP/2.0 200')?.at as number;
      // Bridged after the key (2.5 s after the answer) until SIPp hung up (4 s after the key), not declined.
      expect(sip.sent('BYE')).toBeDefined();
      expect(sip.got('BYE')).toBeUndefined();
      const ended = (await c.logged('bridge ended')) as LogLine & { durationMs: number };
      expect(ended).toMatchObject({ endedBy: 'callee' });
      expect(ended.durationMs).toBeGreaterThan(2500);
      expect(ended.time - ended.durationMs - answeredAt).toBeGreaterThan(2000);
    }, 45_000);
  });

  describe.concurrent('auto_accept', () => {
    it('0: a key is needed; the only callee does not press 1, gets BYE, and the caller hears no one is available', async ({ expect }) => {
      const c = await call('8005550210');
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const a = mediaOf('a0a');
      const bye = (await sipOf(phones.a0a)).got('BYE') as TracedMessage;
      expect(bye).toBeDefined();
      expect(a.loudFrames(0, bye.at), a.describe()).toBeGreaterThan(60);
      expect(a.framesAt(1000)).toBe(0);
      expect(c.media.framesAt(TONE.a)).toBe(0);
      expect(c.media.loudFrames(bye.at)).toBeGreaterThan(80); // "No one is available to take your call. Goodbye."
      expect(await endReason(c.sessionId)).toBe('findme_unanswered');
    }, 45_000);

    it('1 (dynamic): the first to answer is bridged without a key, the other number is CANCELled', async ({ expect }) => {
      const c = await call('8005550211');
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const a = mediaOf('a1a');
      expect(a.keysSent).toEqual([]);
      expect(c.media.framesAt(TONE.a)).toBeGreaterThan(100);
      expect((await sipOf(phones.a1r)).got('CANCEL')).toBeDefined();
      expect(await c.logged('bridge ended')).toMatchObject({ endedBy: 'callee' });
    }, 45_000);

    it('2: the last number is screened (hears the whisper) but bridged without a key; the one before still needed it', async ({ expect }) => {
      const c = await call('8005550212');
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      const a = mediaOf('a2a');
      const b = mediaOf('a2b');
      expect(a.framesAt(WHISPER_HZ)).toBeGreaterThan(40);
      expect((await sipOf(phones.a2a)).got('BYE')).toBeDefined();
      expect(c.media.framesAt(TONE.a)).toBe(0);
      const bridgedAt = firstTone(c.media, TONE.b);
      expect(b.framesAt(WHISPER_HZ, 0, bridgedAt)).toBeGreaterThan(40);
      expect(b.keysSent).toEqual([]);
      expect(c.media.framesAt(TONE.b)).toBeGreaterThan(50);
    }, 45_000);

    it('3: the last number is bridged without screening or key; the one before was screened and declined', async ({ expect }) => {
      const c = await call('8005550213');
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      expect(mediaOf('a3a').framesAt(WHISPER_HZ), mediaOf('a3a').describe()).toBeGreaterThan(40);
      expect((await sipOf(phones.a3a)).got('BYE')).toBeDefined();
      expect(c.media.framesAt(TONE.a)).toBe(0);
      const b = mediaOf('a3b');
      expect(b.framesAt(WHISPER_HZ)).toBe(0);
      expect(b.keysSent).toEqual([]);
      expect(c.media.framesAt(TONE.b)).toBeGreaterThan(100);
    }, 45_000);
  });

  describe.concurrent('nextaction when nobody accepts', () => {
    it.concurrent.for(NEXT)('nextaction $n: $what', { timeout: 45_000 }, async ({ n, phone, route, endReason: reason }, { expect }) => {
      const c = await call(`800555022${n}`);
      if (n === 4) {
        // The VR asks; the caller chooses the voicemail box.
        await waitForLog(hookline, 'transition', { match: (l) => l.sessionId === c.sessionId && l.to === 'vr/3' });
        await sleep(1000);
        await c.media.session.sendDigits('2');
      }
      const r = await c.done();
      expect(r.code, r.output).toBe(0);
      expect(c.transitions()).toEqual([`findme/5${n}`, ...route]);
      expect(await endReason(c.sessionId)).toBe(reason);
      const p = phones[phone];
      const sip = await sipOf(p);
      if (p.kind === 'ring') {
        // Rang its 5 s and was CANCELled.
        const rang = (sip.got('CANCEL')?.at as number) - (sip.got('INVITE')?.at as number);
        expect(rang).toBeGreaterThan(4500);
        expect(rang).toBeLessThan(6500);
        expect(c.media.loudFrames(sip.got('CANCEL')?.at)).toBeGreaterThan(50); // the caller hears what comes next
      } else {
        // 3 and 7 accept the last number tried: 3 after its introduction (the whisper), 7 without it.
        const m = p.media as FarMedia;
        expect(m.keysSent).toEqual([]);
        if (n === 3) expect(m.framesAt(WHISPER_HZ), m.describe()).toBeGreaterThan(40);
        else expect(m.framesAt(WHISPER_HZ)).toBe(0);
        expect(c.media.framesAt(TONE.a)).toBeGreaterThan(50);
      }
      if (reason === 'voicemail_left') {
        const db = new BetterSqlite3(path.join(dir, 'hookline.db'), { readonly: true });
        try {
          expect(db.prepare("SELECT kind, voicemail_id FROM recordings WHERE session_id = ?").all(c.sessionId)).toEqual([{ kind: 'voicemail', voicemail_id: 7 }]);
        } finally {
          db.close();
        }
      }
      if (n === 5) expect(c.media.framesAt(TONE.b)).toBeGreaterThan(50); // bridged by the second Find Me
      if (n === 6) expect(receiver.requests.some((q) => q.path === '/ivr10' && paramsOf(q).get('ivr_session_id') === c.sessionId)).toBe(true);
    });
  });

  it('the caller hangs up while one number rings (30 s ring time) and another is being screened: CANCEL and BYE go out at once', async () => {
    const c = await call('8005550230', 'hangup', 3000);
    const r = await c.done();
    expect(r.code, r.output).toBe(0);
    await sleep(1500);
    const cancel = (await sipOf(phones.xr)).got('CANCEL');
    const bye = (await sipOf(phones.xa)).got('BYE');
    expect(mediaOf('xa').loudFrames()).toBeGreaterThan(20); // it was hearing the screening
    expect(cancel?.at).toBeLessThan(r.at + 1000);
    expect(bye?.at).toBeLessThan(r.at + 1000);
  }, 45_000);

  it('the far end saw every call through its script: no unexpected message, no lost transaction', async () => {
    far.child.kill('SIGTERM');
    await far.done;
    const events = (await readFile(path.join(dir, 'far-errors.log'), 'utf8').catch(() => ''))
      .replace('The following events occurred:', '')
      .split(/(?=\d{4}-\d\d-\d\d\t)/)
      .map((e) => e.trim())
      .filter((e) => e !== '' && !/receive timeout on message .* jumping to label/.test(e)); // the scripted timeouts
    expect(events).toEqual([]);
  });
});
