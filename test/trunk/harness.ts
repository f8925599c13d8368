import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';
import { Pacer } from '../../src/media/pacer.js';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../../src/media/g711.js';
import { tone } from '../../src/media/tones.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import { RtpSession } from '../../src/rtp/session.js';
import { freeMediaPort, freePort } from '../../src/testkit/ports.js';
import { isTone } from './tone-check.js';

export { digestParams, digestVerifies, parseSippTrace, type TracedMessage } from './sip-trace.js';
export { isTone, toneFrames } from './tone-check.js';

/**
 * What the trunk interop tests need around hookline: SIPp runs (caller and far end), hookline serve as a
 * subprocess with its JSON log, a webhook receiver, and the caller's media played from this process.
 */

export const hasSipp = spawnSync('sipp', ['-v']).error === undefined;
export const ci = ['1', 'true'].includes(String(process.env.CI ?? '').toLowerCase());
export const SCENARIOS = import.meta.dirname;

/** A free UDP port on 127.0.0.1. */
export const freeUdpPort = (): Promise<number> => freePort();

export interface SippRun {
  code: number | null;
  output: string;
  /** Resolves when sipp exits. */
  done: Promise<SippRun>;
  child: ChildProcess;
}

/** Starts sipp; `done` resolves on exit (killed after `timeoutMs`) with its exit code and the tail of its output. */
export function startSipp(args: string[], timeoutMs = 60_000): SippRun {
  const child = spawn('sipp', [...args, '-nostdin', '-timeout', `${Math.round(timeoutMs / 1000)}s`, '-timeout_error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { code: null, output: '', child } as unknown as SippRun;
  child.stdout?.on('data', (d: Buffer) => (run.output = (run.output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (run.output = (run.output + d.toString()).slice(-4000)));
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  run.done = new Promise((resolve) => {
    child.on('error', (err) => {
      clearTimeout(kill);
      run.output += String(err);
      resolve(run);
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      run.code = code;
      resolve(run);
    });
  });
  return run;
}

export interface LogLine {
  time: number;
  msg: string;
  [k: string]: unknown;
}

export interface Hookline {
  sipPort: number;
  httpPort: number;
  logs: LogLine[];
  output(): string;
  stop(): Promise<number | null>;
}

/** `hookline serve` as a user runs it (built dist/), with HOOKLINE_TRUNK and info-level JSON logs on stderr. */
export async function startHookline(o: { flowsYaml: string; dir: string; trunk: string; rtpPorts: string; env?: Record<string, string> }): Promise<Hookline> {
  const flows = path.join(o.dir, 'flows.yaml');
  await mkdir(o.dir, { recursive: true });
  await writeFile(flows, o.flowsYaml);
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/hookline.js'), 'serve', '--flows', flows, '--data-dir', o.dir, '--sip-port', '0', '--http-port', '0', '--rtp-ports', o.rtpPorts],
    { cwd: ROOT, env: { ...process.env, HOOKLINE_TRUNK: o.trunk, HOOKLINE_LOG_LEVEL: 'info', ...o.env } },
  );
  let out = '';
  let partial = '';
  const logs: LogLine[] = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      try {
        logs.push(JSON.parse(l) as LogLine);
      } catch {
        out += `${l}\n`;
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const sipPort = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hookline did not start: ${out}`)), 20_000);
    const poll = setInterval(() => {
      const m = /SIP on [0-9.]+:([0-9]+)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    }, 20);
  });
  const httpPort = Number(/HTTP on http:\/\/[0-9.]+:([0-9]+)/.exec(out)?.[1]);
  return {
    sipPort,
    httpPort,
    logs,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits until a log line with this message (among those from index `since` on, and matching) appears. */
export async function waitForLog(h: Hookline, msg: string, o: { since?: number; ms?: number; match?: (l: LogLine) => boolean } = {}): Promise<LogLine> {
  for (const end = Date.now() + (o.ms ?? 20_000); ; await new Promise((r) => setTimeout(r, 20))) {
    const l = h.logs.slice(o.since ?? 0).find((x) => x.msg === msg && (o.match?.(x) ?? true));
    if (l) return l;
    if (Date.now() > end) throw new Error(`no log line "${msg}" within ${o.ms ?? 20_000} ms; have: ${h.logs.map((x) => x.msg).join(' | ')}`);
  }
}

/** The webhook: every IVR's request is answered with a transfer to its URL's `to` parameter. */
export async function startWebhook(): Promise<{ url: string; responses: Array<{ to: string; at: number }>; close(): Promise<void> }> {
  const responses: Array<{ to: string; at: number }> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '';
      res.setHeader('Content-Type', 'text/xml');
      res.end(`<action><app>transfer</app><parameters><destination>${to}</destination></parameters></action>`, () => responses.push({ to, at: Date.now() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no webhook port');
  return { url: `http://127.0.0.1:${addr.port}/hook`, responses, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The caller's media, from this process: PCMA with telephone-event on the port named in the SIPp
 * caller's SDP. It talks a 1 kHz tone from the start (symmetric RTP sends it to wherever hookline's
 * packets come from) and keeps every frame hookline sends, with its arrival time, and every key.
 */
export class CallerMedia {
  readonly frames: Array<{ at: number; pcm: Int16Array }> = [];
  readonly keys: string[] = [];
  private readonly pacer = new Pacer();

  private constructor(readonly session: RtpSession) {
    const voice = encodeAlaw(tone([1000], 1000, { level: -12 }));
    let off = 0;
    this.pacer.register({
      tick: () => {
        session.sendFrame(voice.subarray(off, off + 160));
        off = (off + 160) % voice.length;
      },
    });
    session.on('audio', (p) => this.frames.push({ at: Date.now(), pcm: decodeAlaw(p) }));
    session.on('dtmf', (k) => this.keys.push(k));
  }

  static async open(allocator: PortAllocator): Promise<CallerMedia> {
    return new CallerMedia(await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 8, telephoneEventPt: 101, dtmf: { emitOn: 'start' } }));
  }

  get port(): number {
    return this.session.localPort;
  }

  /** Frames since `from` whose energy is mostly at `freq`. */
  framesAt(freq: number, from = 0): number {
    return this.frames.filter((f) => f.at >= from && isTone(f.pcm, freq)).length;
  }

  /** Frames since `from` that are not (near) silence. */
  loudFrames(from = 0): number {
    return this.frames.filter((f) => f.at >= from && f.pcm.some((s) => Math.abs(s) > 500)).length;
  }

  async close(): Promise<void> {
    this.pacer.close();
    await this.session.close();
  }
}

/**
 * hookline's RTP ranges in these tests (33000-35499, split between the files) lie in the OS's ephemeral
 * range: the ports the tests bind for SIPp and for media they play themselves are kept out of them, so
 * that a hookline running in another test file never takes one between the probe and the bind.
 */
const HOOKLINE_RTP: readonly [number, number] = [33000, 35499];

async function outsideHooklineRtp(probe: () => Promise<number>, span: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await probe();
    if (p + span - 1 < HOOKLINE_RTP[0] || p > HOOKLINE_RTP[1]) return p;
  }
  throw new Error(`no free port outside ${HOOKLINE_RTP[0]}-${HOOKLINE_RTP[1]}`);
}

/** A free UDP port for a SIPp instance (outside hookline's RTP ranges). */
export const freeSipPort = (): Promise<number> => outsideHooklineRtp(freePort, 1);

/** A CallerMedia on an RTP/RTCP pair the OS reports free (no fixed range to share with other test files). */
export async function openCallerMedia(): Promise<CallerMedia> {
  for (let attempt = 1; ; attempt++) {
    const port = await outsideHooklineRtp(freeMediaPort, 4);
    try {
      return await CallerMedia.open(new PortAllocator(port, port + 1));
    } catch (err) {
      if (attempt >= 5) throw err; // taken between the probe and the bind: try another
    }
  }
}

/**
 * The SIPp caller (caller.xml) calling `number` at hookline, its media being `media`: hangs up after
 * `holdMs` of the call (`hangup`), or insists on hookline's BYE (`wait`).
 */
export async function startCaller(o: { hookline: Hookline; dir: string; number: string; media: CallerMedia; mode: 'hangup' | 'wait'; holdMs?: number; timeoutMs?: number }): Promise<SippRun> {
  const port = await freeSipPort();
  const inf = path.join(o.dir, `caller-${port}.csv`);
  await writeFile(inf, `SEQUENTIAL\n${o.media.port};${o.mode}\n`);
  return startSipp(
    [`127.0.0.1:${o.hookline.sipPort}`, '-sf', path.join(SCENARIOS, 'caller.xml'), '-s', o.number, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-d', String(o.holdMs ?? 6000), '-inf', inf],
    o.timeoutMs,
  );
}

export interface FarEnd {
  run: SippRun;
  /** SIPp's -trace_msg log so far. */
  messages(): Promise<string>;
}

/**
 * A SIPp UAS on the trunk's `port` running `scenario` (a file in this folder) for `calls` calls, echoing
 * RTP on a free media port; its messages are logged for the test to read.
 */
export async function startFarEnd(o: { scenario: string; port: number; dir: string; calls: number; echo?: boolean; timeoutMs?: number }): Promise<FarEnd> {
  const messages = path.join(o.dir, `${path.basename(o.scenario, '.xml')}-${Date.now()}.log`);
  const mediaPort = await outsideHooklineRtp(freeMediaPort, 4);
  const run = startSipp(
    [
      '-sf', path.join(SCENARIOS, o.scenario), '-i', '127.0.0.1', '-p', String(o.port), '-mi', '127.0.0.1', '-mp', String(mediaPort),
      ...(o.echo === false ? [] : ['-rtp_echo']), '-m', String(o.calls), '-trace_msg', '-message_file', messages,
    ],
    o.timeoutMs,
  );
  return { run, messages: () => readFile(messages, 'utf8').catch(() => '') };
}

/** An even RTP port (and the next ones) free for this process's media, outside hookline's RTP ranges. */
export const freeRtpPort = (): Promise<number> => outsideHooklineRtp(freeMediaPort, 4);

/**
 * Opens media (a CallerMedia, a FarMedia) on a free port, and keeps it only if nothing latched it within
 * `quietMs`: a port another test's call has just given back may still receive that call's RTP, and a
 * symmetric-RTP session latched onto such a stranger drops the packets it is waiting for.
 */
export async function openQuiet<T extends { session: RtpSession; close(): Promise<void> }>(open: () => Promise<T>, quietMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let media: T;
    try {
      media = await open();
    } catch (err) {
      if (attempt >= 5) throw err; // taken between the probe and the bind: try another
      continue;
    }
    await new Promise((r) => setTimeout(r, quietMs));
    if (media.session.remoteAddress === undefined) return media;
    await media.close();
    if (attempt >= 5) throw new Error('no quiet RTP port in 5 attempts');
  }
}

/**
 * A far end's media, from this process: PCMU with telephone-event on a port the far end's SDP names
 * (the SIPp far end only signals). It talks a tone of `freq` while hookline's packets arrive (symmetric
 * RTP), and keeps every frame hookline sends with its arrival time; `press` sends RFC 4733 keys.
 */
export class FarMedia {
  readonly frames: Array<{ at: number; pcm: Int16Array }> = [];
  readonly keysSent: Array<{ key: string; at: number }> = [];
  readonly latches: string[] = [];
  private readonly pacer = new Pacer();

  private constructor(
    readonly session: RtpSession,
    readonly freq: number,
  ) {
    const voice = encodeUlaw(tone([freq], 1000, { level: -12 }));
    let off = 0;
    this.pacer.register({
      tick: () => {
        // Quiet once hookline has gone quiet (the call is over): no stray RTP into a port it gave back.
        if (Date.now() - Math.max(this.frames.at(-1)?.at ?? 0, this.keysSent.at(-1)?.at ?? 0) > 1000) return;
        session.sendFrame(voice.subarray(off, off + 160));
        off = (off + 160) % voice.length;
      },
    });
    session.on('audio', (p) => this.frames.push({ at: Date.now(), pcm: decodeUlaw(p) }));
    session.on('latched', (address, port) => this.latches.push(`${address}:${port}@${Date.now()}`));
  }

  /** Where its media came from and how much, for a failing assertion's message. */
  describe(): string {
    return JSON.stringify({ port: this.port, latches: this.latches, frames: this.frames.length, first: this.frames[0]?.at, last: this.frames.at(-1)?.at, stats: this.session.stats });
  }

  /** Binds `port` (and port + 1 for RTCP). */
  static async open(port: number, freq: number): Promise<FarMedia> {
    const allocator = new PortAllocator(port, port + 1);
    return new FarMedia(await RtpSession.open({ allocator, bindAddress: '127.0.0.1', payloadType: 0, telephoneEventPt: 101 }), freq);
  }

  get port(): number {
    return this.session.localPort;
  }

  /** Frames received in [from, to) whose energy is mostly at `freq`. */
  framesAt(freq: number, from = 0, to = Infinity): number {
    return this.frames.filter((f) => f.at >= from && f.at < to && isTone(f.pcm, freq)).length;
  }

  /** Frames received in [from, to) that are not (near) silence. */
  loudFrames(from = 0, to = Infinity): number {
    return this.frames.filter((f) => f.at >= from && f.at < to && f.pcm.some((s) => Math.abs(s) > 500)).length;
  }

  async press(key: string): Promise<void> {
    this.keysSent.push({ key, at: Date.now() });
    await this.session.sendDigits(key);
  }

  async close(): Promise<void> {
    this.pacer.close();
    await this.session.close();
  }
}


/** waitForLog, failing at once with SIPp's output should one of `runs` end first (a scenario error, say). */
export async function waitForLogOrExit(h: Hookline, msg: string, o: Parameters<typeof waitForLog>[2], ...runs: SippRun[]): Promise<LogLine> {
  // Promise.race subscribes to every promise: a run that exits after the log line is no unhandled rejection.
  const exited = runs.map((r) => r.done.then((x) => Promise.reject(new Error(`sipp exited (${x.code}) before "${msg}": ${x.output}`))));
  return Promise.race([waitForLog(h, msg, o), ...exited]);
}

export type Webhook = Awaited<ReturnType<typeof startWebhook>>;

export interface TrunkSuite {
  dir: string;
  /** HOOKLINE_TRUNK's port, where the file's SIPp far end listens. */
  farPort: number;
  hookline: Hookline;
  webhook: Webhook;
}

/**
 * The frame of a trunk interop suite, called inside its describe: before all, a transfer webhook and
 * `hookline serve` with `flows` and HOOKLINE_TRUNK at a free port (`credentials` "user:password"
 * optional), handed to `set`; after all, both stopped; and the "sipp is installed" test, so that CI
 * without SIPp fails instead of skipping.
 */
export function trunkSuite(o: { prefix: string; flows: (hookUrl: string) => string; rtpPorts: string; credentials?: string }, set: (s: TrunkSuite) => void): void {
  let s: TrunkSuite | undefined;
  beforeAll(async () => {
    if (!hasSipp) return;
    const dir = await tempDir(o.prefix);
    const farPort = await freeSipPort();
    const webhook = await startWebhook();
    const trunk = `sip:${o.credentials ? `${o.credentials}@` : ''}127.0.0.1:${farPort};transport=udp`;
    s = { dir, farPort, webhook, hookline: await startHookline({ flowsYaml: o.flows(webhook.url), dir, trunk, rtpPorts: o.rtpPorts }) };
    set(s);
  }, 30_000);
  afterAll(async () => {
    await s?.hookline.stop();
    await s?.webhook.close();
  });
  it('sipp is installed', () => {
    expect(hasSipp).toBe(true);
  });
}
