import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramsOf, WebhookReceiver } from '../../src/testkit/webhook-receiver.js';
import { ROOT, tempDir, writeFlows } from '../helpers.js';
import { Baresip, findBaresip } from './baresip.js';
import { frameRms, measure, parsePcm16Wav, voicedSecondsBetween } from './audio.js';

/**
 * Interop with baresip, a SIP phone that is not ours: it dials the built server, hears the IVR's
 * text-to-speech prompts (recorded by its sndfile filter), presses keys (RFC 4733, its own telev
 * code) and hangs up part-way. Skipped where baresip is not installed, except under CI, where a
 * missing baresip fails the run instead of quietly skipping it.
 */

const CI = !['', '0', 'false'].includes(String(process.env.CI ?? '').toLowerCase());
const found = findBaresip(process.env.BARESIP_MODULES || undefined);

const NUMBER = '8005550199';
const CALLER = '5551230001';
const KEYS = '1234#';
/** When the keys are pressed and the phone hung up, counted from "call established". */
const KEYS_AT_MS = 5500;
const HANGUP_AT_MS = 10_000;
/** 20 ms frames at or above this RMS (about -40 dBFS) count as sound; G.711 silence decodes to ~0. */
const VOICED_RMS = 300;
// RTP ranges of their own: below the ephemeral ports (32768+, which the OS hands to any bind(0)) and
// above test/interop's windows (21000-31999).
const HOOKLINE_RTP = '32600-32649';
const BARESIP_RTP = { min: 32650, max: 32699 };

const flowsYaml = (hookUrl: string): string => `
numbers:
  "${NUMBER}": ivr/1
ivrs:
  - id: 1
    name: baresip interop
    questions:
      - type: say           # ~3.5 s of speech
        prompt: "Welcome to the hookline interoperability test. This greeting is long enough to measure."
      - type: keypad
        prompt: "Please enter your four digit code, then press pound."
        min_digits: 4
        max_digits: 4
        terminator: "#"
        timeout_s: 10
      - type: menu          # still being asked when the phone hangs up: the IVR is not completed
        prompt: "For sales, press 1. For support, press 2. For anything else, press 3."
        options: { "1": sales, "2": support, "3": other }
        timeout_s: 10
    webhook:
      action: next_action
      method: POST
      url: ${hookUrl}
      parameters:
        - { name: code, value: question.2 }
        - { name: caller, value: call.caller_id }
`;

/** `seconds` of digital silence, 8 kHz mono 16-bit: what the phone "says". */
function silentWav(seconds: number): Buffer {
  const dataBytes = seconds * 8000 * 2;
  const h = Buffer.alloc(44 + dataBytes);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

interface Server {
  child: ChildProcess;
  sipPort: number;
  output(): string;
  exited: Promise<number | null>;
}

async function startHookline(flows: string, dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', flows, '--data-dir', dataDir, '--sip-port', '0', '--http-port', '0', '--rtp-ports', HOOKLINE_RTP], {
    cwd: ROOT,
    env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = Date.now() + 15_000;
  for (;;) {
    const m = /SIP on [0-9.]+:([0-9]+)/.exec(out);
    if (m) return { child, sipPort: Number(m[1]), output: () => out, exited };
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`hookline serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

describe.skipIf(!found.ok && !CI)('baresip interop (needs `npm run build`)', () => {
  it('baresip hears the prompts, its keys reach the IVR, its hang-up ends the IVR and the webhook says so', async () => {
    if (!found.ok) throw new Error(`baresip interop test cannot run under CI: ${found.why}`);
    const dir = await tempDir('hookline-baresip-');
    const receiver = new WebhookReceiver(() => ({ status: 200, body: '' }));
    await receiver.start();
    const flows = await writeFlows(dir, flowsYaml(receiver.url('/hook')));
    const sourceWav = path.join(dir, 'silence.wav');
    await writeFile(sourceWav, silentWav(30));
    const recordDir = path.join(dir, 'recorded');

    let server: Server | undefined;
    let phone: Baresip | undefined;
    let serverExit: number | null | undefined;
    try {
      server = await startHookline(flows, path.join(dir, 'data'));
      phone = await Baresip.start({
        configDir: path.join(dir, 'baresip'),
        recordDir,
        sourceWav,
        user: CALLER,
        moduleDir: found.moduleDir,
        rtpPorts: BARESIP_RTP,
        quitAfterS: 50,
      });
      const bs = phone;
      const fail = (what: string): string => `${what}\n--- baresip ---\n${bs.log()}\n--- hookline ---\n${server?.output() ?? ''}`;

      const uri = `sip:${NUMBER}@127.0.0.1:${server.sipPort}`;
      const dialed = await bs.command('dial', uri);
      expect(dialed.ok, fail('dial refused')).toBe(true);
      const established = await bs.waitForEvent('CALL_ESTABLISHED', 10_000);
      const t0 = Date.now();
      expect(established.peeruri).toBe(uri);
      expect(established.accountaor).toBe(`sip:${CALLER}@127.0.0.1`);

      await sleepUntil(t0 + KEYS_AT_MS);
      const sent = await bs.command('sndcode', KEYS);
      expect(sent.ok, fail('sndcode refused')).toBe(true);

      await sleepUntil(t0 + HANGUP_AT_MS);
      // The IVR must still be on the line (asking the menu question); it did not hang up on us.
      expect(bs.events.some((e) => e.type === 'CALL_CLOSED'), fail('the IVR ended the call early')).toBe(false);
      const hung = await bs.command('hangup');
      expect(hung.ok, fail('hangup refused')).toBe(true);
      await bs.waitForEvent('CALL_CLOSED', 5000);

      // The webhook: sent once the caller is gone, with what was answered so far.
      const [hook] = await receiver.waitFor(1, 10_000).catch((err: unknown) => {
        throw new Error(fail(String(err)));
      });
      const p = paramsOf(hook!);
      expect(hook!.method).toBe('POST');
      expect(p.get('ivr_number_called')).toBe(NUMBER);
      expect(p.get('ivr_caller_id')).toBe(CALLER);
      expect(p.get('caller')).toBe(CALLER);
      expect(p.get('ivr_id')).toBe('1');
      expect(p.get('ivr_completed')).toBe('0');
      expect(p.get('ivr_opted_out')).toBe('0');
      expect(p.get('ivr_session_id')).toMatch(/^[0-9a-f]{32}$/);
      expect(p.get('code'), fail('keys did not reach the keypad question')).toBe('1234');

      expect(await bs.quit(), fail('baresip did not quit cleanly')).toBe(0);

      // What baresip decoded from our RTP, as its sndfile filter wrote it.
      const dec = (await readdir(recordDir)).find((f) => f.endsWith('-dec.wav'));
      expect(dec, fail(`no decoded-audio dump in ${recordDir}`)).toBeDefined();
      const wav = parsePcm16Wav(await readFile(path.join(recordDir, dec!)));
      expect(wav.sampleRate).toBe(8000);
      expect(wav.channels).toBe(1);
      const rms = frameRms(wav.samples, wav.sampleRate);
      const fig = measure(rms, VOICED_RMS);
      const greetingVoicedS = voicedSecondsBetween(rms, VOICED_RMS, 0, 7);
      console.info(
        `baresip heard ${fig.durationS.toFixed(2)} s: ${fig.voicedS.toFixed(2)} s above RMS ${VOICED_RMS} ` +
          `(${(fig.voicedShare * 100).toFixed(1)} %), ${greetingVoicedS.toFixed(2)} s of it in the first 7 s; ` +
          `RMS voiced ${fig.voicedRms.toFixed(0)}, quiet ${fig.quietRms.toFixed(1)}, peak ${fig.peakRms.toFixed(0)}, ` +
          `std dev ${fig.rmsStdDev.toFixed(0)}; speech at ${fig.segments.map((s) => `${s.startS.toFixed(2)}-${s.endS.toFixed(2)}`).join(', ')} s`,
      );
      // The call lasted ~10 s after establishment; the dump covers it (less the first frames' setup).
      expect(fig.durationS).toBeGreaterThanOrEqual(HANGUP_AT_MS / 1000 - 2);
      // The greeting (~3.5 s of speech) plays first: well over 1.5 s of it must be heard.
      expect(greetingVoicedS).toBeGreaterThanOrEqual(1.5);
      // Greeting, keypad prompt, menu prompt: several seconds of speech with pauses between.
      expect(fig.voicedS).toBeGreaterThanOrEqual(3);
      expect(fig.voicedShare).toBeLessThan(0.95);
      expect(fig.segments.length).toBeGreaterThanOrEqual(2);
      // Speech, not a constant level: loud frames well above the quiet ones, and a spread of levels.
      expect(fig.voicedRms).toBeGreaterThan(1000);
      expect(fig.quietRms).toBeLessThan(VOICED_RMS / 2);
      expect(fig.rmsStdDev).toBeGreaterThan(300);
    } finally {
      await phone?.kill();
      if (server) {
        server.child.kill('SIGTERM');
        serverExit = await server.exited;
      }
      await receiver.stop();
    }
    expect(serverExit, `hookline serve exit status\n${server.output()}`).toBe(0);
    // Kept when anything failed above (the recording and configs are the evidence).
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
