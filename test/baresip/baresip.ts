import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import path from 'node:path';

/**
 * A headless baresip (1.0.x) driven over its ctrl_tcp interface: netstring-framed JSON commands
 * (`{"command":"dial","params":"sip:...","token":"..."}`) answered by `{"response":true,...}`, plus
 * `{"event":true,"type":"CALL_ESTABLISHED",...}` events. Audio in and out goes through files (see
 * config.template), so it runs on a machine without a sound card.
 */

const TEMPLATE = path.join(import.meta.dirname, 'config.template');
const MODULE_DIRS = ['/usr/lib/baresip/modules', '/usr/lib64/baresip/modules', '/usr/local/lib/baresip/modules', '/usr/lib/x86_64-linux-gnu/baresip/modules'];
const NEEDED_MODULES = ['g711', 'aufile', 'aubridge', 'sndfile', 'ctrl_tcp', 'account', 'menu'];

/** Where baresip and the modules the test needs are, or why they cannot be used. */
export function findBaresip(moduleDirOverride?: string): { ok: true; moduleDir: string } | { ok: false; why: string } {
  if (spawnSync('baresip', ['-h'], { timeout: 5000 }).error !== undefined) return { ok: false, why: 'baresip is not on PATH (Debian/Ubuntu: apt-get install baresip-core)' };
  const dirs = moduleDirOverride ? [moduleDirOverride] : MODULE_DIRS;
  const moduleDir = dirs.find((d) => existsSync(path.join(d, 'ctrl_tcp.so')));
  if (!moduleDir) return { ok: false, why: `no baresip module directory with ctrl_tcp.so among ${dirs.join(', ')} (set BARESIP_MODULES)` };
  const missing = NEEDED_MODULES.filter((m) => !existsSync(path.join(moduleDir, `${m}.so`)));
  if (missing.length) return { ok: false, why: `baresip modules missing in ${moduleDir}: ${missing.join(', ')}` };
  return { ok: true, moduleDir };
}

/** Fills `{{NAME}}` placeholders; a placeholder left over is a mistake in the template or the test. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  const left = /\{\{[A-Z_]+\}\}/.exec(out);
  if (left) throw new Error(`config.template: no value for ${left[0]}`);
  return out;
}

/** A TCP port free right now (ctrl_tcp cannot report a port the OS picked, so we pick one). */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no TCP port');
  return addr.port;
}

export interface CtrlMessage {
  event?: boolean;
  response?: boolean;
  type?: string;
  ok?: boolean;
  data?: string;
  token?: string;
  param?: string;
  peeruri?: string;
  accountaor?: string;
  [k: string]: unknown;
}

export interface BaresipOptions {
  /** Directory for `config`, `accounts` and baresip's own files. */
  configDir: string;
  /** Where sndfile writes `dump-<time>-dec.wav` and `-enc.wav`. */
  recordDir: string;
  /** 8 kHz mono 16-bit WAV sent as the microphone; the call ends when it runs out. */
  sourceWav: string;
  /** The account's user part: the caller id the far end sees. */
  user: string;
  moduleDir: string;
  rtpPorts: { min: number; max: number };
  /** baresip quits by itself after this many seconds even if the test never says so. */
  quitAfterS: number;
}

export class Baresip {
  readonly events: CtrlMessage[] = [];
  private output = '';
  private buf = Buffer.alloc(0);
  private readonly waiting = new Map<string, (m: CtrlMessage) => void>();
  private nextToken = 1;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private socket: Socket | undefined,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((r) =>
      child.on('exit', (code) => {
        this.exitCode = code;
        r(code);
      }),
    );
  }

  /** Writes the config and starts baresip; retries with another control port if the first was taken. */
  static async start(o: BaresipOptions): Promise<Baresip> {
    await mkdir(o.configDir, { recursive: true });
    await mkdir(o.recordDir, { recursive: true });
    // regint=0: no registrar; calls go straight to the dialed URI's host.
    await writeFile(path.join(o.configDir, 'accounts'), `<sip:${o.user}@127.0.0.1>;regint=0\n`);
    const template = await readFile(TEMPLATE, 'utf8');
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const ctrlPort = await freeTcpPort();
      const config = renderTemplate(template, {
        SOURCE_WAV: o.sourceWav,
        SND_PATH: o.recordDir,
        MODULE_PATH: o.moduleDir,
        CTRL_PORT: String(ctrlPort),
        RTP_PORTS: `${o.rtpPorts.min}-${o.rtpPorts.max}`,
      });
      await writeFile(path.join(o.configDir, 'config'), config);
      const child = spawn('baresip', ['-f', o.configDir, '-t', String(o.quitAfterS)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const b = new Baresip(child, undefined);
      child.on('error', (err) => (b.output += `\nspawn error: ${err.message}`));
      try {
        await b.connect(ctrlPort, 5000);
        // Another program could have taken the port between our pick and baresip's bind: make sure
        // it is baresip answering.
        const r = await b.command('reginfo', '', 3000);
        if (r.ok !== true) throw new Error(`reginfo failed: ${JSON.stringify(r)}`);
        return b;
      } catch (err) {
        lastError = `${err instanceof Error ? err.message : String(err)}\n${b.log()}`;
        await b.kill();
      }
    }
    throw new Error(`baresip did not open its control port: ${lastError}`);
  }

  /** Everything baresip printed (its status line repaints with \r; those are folded away). */
  log(): string {
    return this.output.replace(/[^\n]*\r(?!\n)/g, '');
  }

  /** Sends a ctrl_tcp command and resolves with its response. */
  command(command: string, params = '', timeoutMs = 5000): Promise<CtrlMessage> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('baresip control socket is not connected'));
    const token = `t${this.nextToken++}`;
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error(`baresip did not answer "${command} ${params}" within ${timeoutMs} ms\n${this.log()}`));
      }, timeoutMs);
      this.waiting.set(token, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      socket.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  /** Resolves with the first event of `type` (already received or still to come). */
  async waitForEvent(type: string, timeoutMs: number): Promise<CtrlMessage> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((m) => m.type === type);
      if (e) return e;
      if (Date.now() > until) {
        const seen = this.events.map((m) => `${m.type}${m.param ? `(${m.param})` : ''}`).join(', ');
        throw new Error(`no ${type} event from baresip within ${timeoutMs} ms; events: ${seen}\n${this.log()}`);
      }
      if (this.exitCode !== undefined) throw new Error(`baresip exited (${this.exitCode}) before ${type}\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Asks baresip to quit; kills it if it does not within `timeoutMs`. Resolves with its exit code. */
  async quit(timeoutMs = 5000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    // The response to `quit` may never arrive (the process is going away): do not wait for it.
    this.command('quit').catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    this.socket?.destroy();
    return code;
  }

  async kill(): Promise<void> {
    this.socket?.destroy();
    if (this.exitCode === undefined) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private async connect(port: number, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`baresip exited with ${this.exitCode}`);
      try {
        const s = await new Promise<Socket>((resolve, reject) => {
          const sock = connect(port, '127.0.0.1');
          sock.once('connect', () => resolve(sock));
          sock.once('error', reject);
        });
        this.socket = s;
        s.on('data', (d: Buffer) => this.onData(d));
        s.on('error', () => undefined);
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Netstrings: `<length>:<bytes>,`, possibly several per chunk or one split over chunks. */
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len)) throw new Error(`bad netstring from baresip: ${this.buf.toString()}`);
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.buf = this.buf.subarray(colon + 1 + len + 1);
      const m = JSON.parse(body) as CtrlMessage;
      if (m.response && m.token !== undefined) {
        const w = this.waiting.get(m.token);
        this.waiting.delete(m.token);
        w?.(m);
      } else if (m.event) {
        this.events.push(m);
      }
    }
  }
}
