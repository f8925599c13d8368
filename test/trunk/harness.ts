import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { Pacer } from '../../src/media/pacer.js';
import { decodeAlaw, encodeAlaw } from '../../src/media/g711.js';
import { goertzelCoeff, goertzelPower } from '../../src/media/goertzel.js';
import { tone } from '../../src/media/tones.js';
import { PortAllocator } from '../../src/rtp/ports.js';
import { RtpSession } from '../../src/rtp/session.js';
import { freePort } from '../../src/testkit/ports.js';

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

/** A loud 20 ms frame whose energy is mostly at `freq`. */
export function isTone(pcm: Int16Array, freq: number): boolean {
  let energy = 0;
  for (const s of pcm) energy += s * s;
  // A pure tone of amplitude A gives Goertzel power (A·N/2)² and energy A²·N/2: a ratio of N/2.
  return energy > pcm.length * 300 * 300 && goertzelPower(pcm, goertzelCoeff(freq)) / energy > 0.5 * (pcm.length / 2);
}

/** How many 160-sample frames of `pcm` are mostly `freq`. */
export function toneFrames(pcm: Int16Array, freq: number): number {
  let n = 0;
  for (let off = 0; off + 160 <= pcm.length; off += 160) if (isTone(pcm.subarray(off, off + 160), freq)) n++;
  return n;
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
