/**
 * Hostile peers for the interop tests: raw UDP senders bound to addresses of their own on loopback (Linux
 * routes all of 127.0.0.0/8 to lo, so 127.0.0.2 is another source to the server), the requests a scanner
 * or a flooder sends, and SIPVicious (Debian's `sipvicious`: svmap, svwar) run as a scanner would.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { CI } from './harness.js';

export const HAS_SIPVICIOUS = spawnSync('svmap', ['--version']).error === undefined && spawnSync('svwar', ['--version']).error === undefined;
/** Run when SIPVicious is here, and always under CI, where a missing one must fail, not skip. */
export const RUN_SIPVICIOUS = HAS_SIPVICIOUS || CI;
if (!RUN_SIPVICIOUS) {
  console.warn('[interop] SIPVicious is not installed (svmap, svwar): the scanner tests are skipped. Under CI (CI=1) they fail instead.');
}

export interface Peer {
  readonly address: string;
  readonly port: number;
  /** Every datagram received, as text, and when (performance.now()). */
  readonly replies: string[];
  readonly arrivals: number[];
  send(text: string): void;
  /** Status codes of the responses received so far, counted. */
  statuses(): Map<number, number>;
  close(): Promise<void>;
}

/** A UDP socket bound to `address` (any port) that sends to the server and keeps what comes back. */
export async function udpPeer(address: string, server: number): Promise<Peer> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, () => r()));
  sock.on('error', () => undefined);
  const replies: string[] = [];
  const arrivals: number[] = [];
  sock.on('message', (m) => {
    arrivals.push(performance.now());
    replies.push(m.toString('latin1'));
  });
  return {
    address,
    port: sock.address().port,
    replies,
    arrivals,
    send: (text) => sock.send(Buffer.from(text, 'latin1'), server, '127.0.0.1'),
    statuses() {
      const out = new Map<number, number>();
      for (const r of replies) {
        const m = /^SIP\/2\.0 (\d{3}) /.exec(r);
        if (m) out.set(Number(m[1]), (out.get(Number(m[1])) ?? 0) + 1);
      }
      return out;
    },
    close: () => new Promise((r) => sock.close(() => r())),
  };
}

export interface RequestParts {
  method: string;
  to: string;
  /** The sender's socket, for Via, From and Contact. */
  from: { address: string; port: number };
  server: number;
  id: string;
  userAgent?: string;
  sdp?: string;
}

/** A well-formed out-of-dialog request, unique by `id` (branch, tag, Call-ID). */
export function request(p: RequestParts): string {
  const body = p.sdp ?? '';
  const me = `${p.from.address}:${p.from.port}`;
  return (
    `${p.method} sip:${p.to}@127.0.0.1:${p.server} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${me};branch=z9hG4bK-${p.id};rport\r\n` +
    `From: <sip:3125550100@${me}>;tag=f-${p.id}\r\n` +
    `To: <sip:${p.to}@127.0.0.1>\r\n` +
    `Call-ID: ${p.id}@${p.from.address}\r\nCSeq: 1 ${p.method}\r\nMax-Forwards: 70\r\n` +
    `Contact: <sip:3125550100@${me}>\r\n` +
    (p.userAgent ? `User-Agent: ${p.userAgent}\r\n` : '') +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** An ACK or BYE in the dialog a 2xx made: `toHeader` is the 2xx's To (with the server's tag). */
export function inDialog(method: 'ACK' | 'BYE', p: { id: string; to: string; toHeader: string; from: { address: string; port: number }; server: number; cseq: number }): string {
  const me = `${p.from.address}:${p.from.port}`;
  return (
    `${method} sip:${p.to}@127.0.0.1:${p.server} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${me};branch=z9hG4bK-${method.toLowerCase()}-${p.id};rport\r\n` +
    `From: <sip:3125550100@${me}>;tag=f-${p.id}\r\nTo: ${p.toHeader}\r\n` +
    `Call-ID: ${p.id}@${p.from.address}\r\nCSeq: ${p.cseq} ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

/** The final response to the request whose Call-ID starts with `id`, and when it arrived, waited for. */
export async function finalAnswer(peer: Peer, id: string, timeoutMs = 5000): Promise<{ text: string; at: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const i = peer.replies.findIndex((x) => /^SIP\/2\.0 [2-6]\d\d /.test(x) && x.includes(`Call-ID: ${id}@`));
    if (i >= 0) return { text: peer.replies[i]!, at: peer.arrivals[i]! };
    if (Date.now() > end) throw new Error(`no final answer to ${id} within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Places a call from `peer` whose audio goes to `rtpPort`; returns its hang-up. */
export async function rawCall(peer: Peer, o: { to: string; server: number; id: string; rtpPort: number }): Promise<{ answer: string; ms: number; hangup(): void }> {
  const sent = performance.now();
  peer.send(request({ method: 'INVITE', to: o.to, from: peer, server: o.server, id: o.id, sdp: offer(peer.address, o.rtpPort) }));
  const { text: answer, at } = await finalAnswer(peer, o.id);
  const toHeader = /^To: (.*)$/m.exec(answer)?.[1]?.trim() ?? '';
  const parts = { id: o.id, to: o.to, toHeader, from: peer, server: o.server };
  if (answer.startsWith('SIP/2.0 2')) peer.send(inDialog('ACK', { ...parts, cseq: 1 }));
  return { answer, ms: at - sent, hangup: () => peer.send(inDialog('BYE', { ...parts, cseq: 2 })) };
}

export const offer = (address: string, port: number): string =>
  `v=0\r\no=- 1 1 IN IP4 ${address}\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n`;

export interface ToolRun {
  code: number | null;
  /** stdout and stderr together (SIPVicious logs to stderr and prints its table on stdout). */
  output: string;
}

/**
 * Runs svmap or svwar from the loopback address `from`, through a few lines of Python around the tool's
 * own main(): svwar 0.3.3 takes `-b` but never binds to it (its socket listens on every address, so the
 * kernel sends from 127.0.0.1), so the wrapper binds what the tool leaves unbound to `from`. `disguise`
 * replaces SIPVicious's `User-Agent: friendly-scanner` with a softphone's name (through the one default of
 * its request builder that holds it) and svmap's From name `sipvicious` with a person's, as a scanner that
 * has read the drop lists does: what it learns then is what the allow list and the answers give away.
 */
export async function sipvicious(tool: 'svmap' | 'svwar', args: string[], o: { cwd: string; from: string; disguise?: string; timeoutS?: number }): Promise<ToolRun> {
  const script = path.join(o.cwd, 'run-sipvicious.py');
  await writeFile(script, [
    'import inspect, socket, sys',
    "sys.path.insert(0, '/usr/share/sipvicious')",
    'source, disguise, tool = sys.argv[1:4]',
    'del sys.argv[1:4]',
    'sys.argv[0] = tool',
    'unbound = socket.socket.bind',
    "socket.socket.bind = lambda self, addr: unbound(self, (source, addr[1]) if addr[0] in ('', '0.0.0.0') else addr)",
    "if disguise != '-':",
    '    import sipvicious.libs.svhelper as h',
    '    names = [p.name for p in inspect.signature(h.makeRequest).parameters.values() if p.default is not inspect.Parameter.empty]',
    '    defaults = list(h.makeRequest.__defaults__)',
    "    defaults[names.index('useragent')] = disguise",
    '    h.makeRequest.__defaults__ = tuple(defaults)',
    "main = __import__('sipvicious.' + tool, fromlist=['main']).main",
    'main()',
  ].join('\n'));
  const disguised = o.disguise && tool === 'svmap' ? ['--fromname', 'Alice'] : [];
  const argv = [script, o.from, o.disguise ?? '-', tool, '-x', o.from, ...disguised, ...args];
  return new Promise((resolve) => {
    // HOME: svmap and svwar keep sessions under ~/.sipvicious; a run's own dir keeps them out of the real one.
    const child = spawn('python3', argv, { cwd: o.cwd, env: { ...process.env, HOME: o.cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), (o.timeoutS ?? 120) * 1000);
    child.on('error', (err) => {
      clearTimeout(kill);
      resolve({ code: null, output: `${output}\n${String(err)}` });
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, output });
    });
  });
}

/** The rows of an svwar or svmap result table: `| 8005550100 | reqauth |` as ['8005550100', 'reqauth']. */
export function tableRows(output: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of output.split('\n')) {
    const m = /^\|\s*(\S[^|]*?)\s*\|\s*(\S[^|]*?)\s*\|\s*$/.exec(line);
    if (m && !/^(Extension|SIP Device)$/.test(m[1] as string)) rows.push([m[1] as string, m[2] as string]);
  }
  return rows;
}

export interface FloodResult {
  sent: number;
  /** Responses received, by status code. */
  answers: Record<string, number>;
  ms: number;
}

/**
 * Floods the server from `from` for `seconds` at up to `perSecond` requests (OPTIONS, INVITE or both in
 * turn, each a new transaction), in a process of its own so that the test's own event loop (the webhook
 * receiver, the SIPp driver) is not the one sending; resolves with what was sent and what came back.
 */
export async function flood(o: { cwd: string; from: string; server: number; seconds: number; perSecond: number; kinds: Array<'OPTIONS' | 'INVITE'>; to: string }): Promise<FloodResult> {
  const script = path.join(o.cwd, `flood-${o.from}.mjs`);
  await writeFile(script, `
import { createSocket } from 'node:dgram';
const o = ${JSON.stringify(o)};
const sock = createSocket('udp4');
await new Promise((r) => sock.bind(0, o.from, r));
const port = sock.address().port;
const answers = {};
sock.on('message', (m) => { const s = /^SIP\\/2\\.0 (\\d{3})/.exec(m.toString('latin1')); if (s) answers[s[1]] = (answers[s[1]] ?? 0) + 1; });
const sdp = 'v=0\\r\\no=- 1 1 IN IP4 ' + o.from + '\\r\\ns=-\\r\\nc=IN IP4 ' + o.from + '\\r\\nt=0 0\\r\\nm=audio 9 RTP/AVP 0\\r\\n';
const msg = (n) => {
  const method = o.kinds[n % o.kinds.length];
  const body = method === 'INVITE' ? sdp : '';
  const me = o.from + ':' + port;
  return method + ' sip:' + o.to + '@127.0.0.1:' + o.server + ' SIP/2.0\\r\\nVia: SIP/2.0/UDP ' + me + ';branch=z9hG4bK-fl' + n + ';rport\\r\\n' +
    'From: <sip:flood@' + me + '>;tag=fl' + n + '\\r\\nTo: <sip:' + o.to + '@127.0.0.1>\\r\\nCall-ID: fl' + n + '@' + o.from + '\\r\\nCSeq: 1 ' + method + '\\r\\n' +
    'Max-Forwards: 70\\r\\nContact: <sip:flood@' + me + '>\\r\\n' + (body ? 'Content-Type: application/sdp\\r\\n' : '') + 'Content-Length: ' + body.length + '\\r\\n\\r\\n' + body;
};
const start = Date.now();
let sent = 0;
await new Promise((resolve) => {
  const tick = () => {
    const elapsed = Date.now() - start;
    if (elapsed >= o.seconds * 1000) return resolve();
    const due = Math.floor((elapsed / 1000) * o.perSecond);
    for (; sent < due; sent++) sock.send(msg(sent), o.server, '127.0.0.1');
    setTimeout(tick, 5);
  };
  tick();
});
const ms = Date.now() - start;
await new Promise((r) => setTimeout(r, 1000));
console.log(JSON.stringify({ sent, answers, ms }));
sock.close();
`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: o.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim()) as FloodResult);
      } catch {
        reject(new Error(`the flooder printed no result: ${out}`));
      }
    });
  });
}

export interface SinkStats {
  streams: number;
  packets: number;
  interval_deviation_ms: { p50: number; p99: number; max: number };
  rfc3550_jitter_ms: { median_stream: number; worst_stream: number };
  receiver_loop_delay_ms: { p50: number; p99: number };
}

/** bench/rtp-sink.ts in a process of its own: the arrival intervals of the RTP sent to `port`. */
export async function rtpSink(port: number): Promise<{ stop(): Promise<SinkStats> }> {
  const sink = fork(path.join(ROOT, 'bench', 'rtp-sink.ts'), [String(port)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  sink.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => sink.once('message', () => r()));
  return {
    async stop() {
      const exited = new Promise<void>((r) => sink.once('exit', () => r()));
      sink.kill('SIGTERM');
      await exited;
      return JSON.parse(out.trim()) as SinkStats;
    },
  };
}
