import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';
import { frameRms, measure, parsePcm16Wav } from './audio.js';

/**
 * The README's "Call it" recipe, as a new user runs it: `npm start`'s server (the demo flows, --demo)
 * and `baresip -f examples/baresip/wav -e "/dial ..."` with keys typed on its stdin. The webhook must
 * get the keys (seen in the server's log) and the WAV baresip writes must hold the prompts.
 * Skipped where baresip or a module the recipe loads is missing, except under CI, where it fails.
 */

const CI = ['1', 'true'].includes(String(process.env.CI ?? '').toLowerCase());
const CONFIG = path.join(ROOT, 'examples/baresip/wav');
// The recipe's config names Debian's module directory; these are the modules it loads.
const MODULES = ['stdio', 'g711', 'aubridge', 'ausine', 'sndfile', 'account', 'menu'].map((m) => `/usr/lib/baresip/modules/${m}.so`);
const missing = spawnSync('baresip', ['-h'], { timeout: 5000 }).error !== undefined ? ['baresip'] : MODULES.filter((m) => !existsSync(m));
/** 20 ms frames at or above this RMS (about -40 dBFS) count as sound. */
const VOICED_RMS = 300;

type LogLine = Record<string, unknown> & { msg?: string };

async function until(what: string, cond: () => boolean, ms: number, context: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(missing.length > 0 && !CI)('the README recipe: baresip calls the demo, keys typed on its stdin', () => {
  it('reaches the webhook with the keys, and what was heard is in the WAV', async () => {
    if (missing.length > 0) throw new Error(`missing under CI: ${missing.join(', ')} (apt-get install baresip)`);
    const dir = await tempDir('hookline-recipe-');
    const server = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', 'examples/demo-flows.yaml', '--demo', '--data-dir', path.join(dir, 'data'), '--sip-port', '0', '--http-port', '0', '--rtp-ports', '32700-32749'],
      // debug: the webhook request lines carry the parameters.
      { cwd: ROOT, env: { ...process.env, HOOKLINE_LOG_LEVEL: 'debug' } },
    );
    let log = '';
    server.stdout.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const lines = (): LogLine[] => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    let phoneOut = '';
    const context = (): string => `--- hookline:\n${log}\n--- baresip:\n${phoneOut.replace(/[^\n]*\r(?!\n)/g, '')}`;
    try {
      await until('the server is up', () => /SIP on [0-9.]+:\d+/.test(log), 20_000, context);
      const port = /SIP on [0-9.]+:(\d+)/.exec(log)![1];
      // The README's command, with the port this server got.
      const phone = spawn('baresip', ['-f', CONFIG, '-e', `/dial sip:8005550100@127.0.0.1:${port}`], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
      phone.stdout.on('data', (d: Buffer) => (phoneOut += d.toString()));
      phone.stderr.on('data', (d: Buffer) => (phoneOut += d.toString()));
      const phoneExited = new Promise<number | null>((r) => phone.on('exit', (code) => r(code)));
      const type = async (keys: string, afterMs: number): Promise<void> => {
        await new Promise((r) => setTimeout(r, afterMs));
        phone.stdin.write(keys);
      };
      const entered = (block: string) => () => lines().some((l) => l.msg === 'transition' && l.to === block);
      try {
        await until('baresip established the call', () => phoneOut.includes('Call established'), 10_000, context);
        await type('12345#', 2500); // during "Please enter your account number" (after "Welcome to Demo Bank.")
        await type('1', 1500); // the menu: balance
        await until('IVR 75 after the lookup webhook', entered('ivr/75'), 15_000, context);
        await type('1', 2000); // "To hear your balance, press 1"
        await until('IVR 80 after the route webhook', entered('ivr/80'), 15_000, context);
        // The balance is read, then hookline hangs up and sends the post-call actions.
        await until('the post-call actions', () => lines().filter((l) => l.msg === 'webhook response' && l.kind === 'post_call').length === 2, 20_000, context);
      } finally {
        phone.stdin.write('q');
        const t = setTimeout(() => phone.kill('SIGKILL'), 5000);
        await phoneExited;
        clearTimeout(t);
      }

      const requests = lines().filter((l) => l.msg === 'webhook request' && l.kind === 'ivr');
      const param = (l: LogLine | undefined, name: string): string | undefined => (l?.params as Array<[string, string]> | undefined)?.find(([k]) => k === name)?.[1];
      expect(requests.map((l) => l.url)).toEqual(['/demo/hook?step=lookup', '/demo/hook?step=route']);
      expect([param(requests[0], 'account'), param(requests[0], 'topic'), param(requests[1], 'choice')]).toEqual(['12345', 'balance', 'balance']);
      expect(lines().filter((l) => l.msg === 'webhook response').map((l) => l.status)).toEqual([200, 200, 200, 200]);

      // What was heard: the prompts of the walk through (cut short where keys barged in), then the balance.
      const heard = (await readdir(dir)).filter((f) => /^dump-.*-dec\.wav$/.test(f));
      expect(heard, context()).toHaveLength(1);
      const wav = parsePcm16Wav(await readFile(path.join(dir, heard[0]!)));
      expect([wav.sampleRate, wav.channels]).toEqual([8000, 1]);
      const m = measure(frameRms(wav.samples, 8000), VOICED_RMS);
      expect(m.durationS).toBeGreaterThan(10);
      expect(m.voicedS).toBeGreaterThan(6);
      expect(m.segments.length, JSON.stringify(m.segments)).toBeGreaterThanOrEqual(3); // prompts with pauses between (barge-in joins some)
      expect(m.voicedRms).toBeGreaterThan(1000);
    } finally {
      server.kill('SIGTERM');
    }
  }, 90_000);
});
