/**
 * Server settings (docs/flows.md, "Running the server"): command-line flags win over HOOKLINE_*
 * environment variables, which win over defaults. This is the only module that reads the
 * environment, and even it only reads what the caller passes (`process.env` in the CLI, a literal in
 * tests), so nothing depends on the state of the process at import time.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { compileDialPolicy, DEFAULT_DIAL_ALLOW } from './dial-policy.js';
import { parseNetwork } from '../lib/networks.js';
import { headerValueProblem } from '../sip/headers.js';
import { DEFAULT_UDP_RECEIVE_BUFFER } from '../sip/transport-udp.js';
import { DEFAULT_SIP_ALLOW, DEFAULT_SIP_CALL_RATE, DEFAULT_SIP_MESSAGE_RATE } from '../calls/telephony/access.js';
import { ConfigError } from './errors.js';

/** Flags as commander hands them over (strings; numbers when a caller builds them in code). */
export interface CliOptions {
  flows: string;
  dataDir: string;
  sipHost: string;
  httpHost: string;
  sipPort: string | number;
  httpPort: string | number;
  rtpPorts: string;
  apiKey: string;
  trunk: string;
  databaseUrl: string;
  dialAllow: string;
  dialPerCall: string | number;
  dialSimultaneous: string | number;
  webhookNetworks: string;
  logLevel: string;
  tts: string;
  sipAdvertise: string;
  adminPassword: string;
  sipAllow: string;
  sipUserAgent: string;
  sipMessageRate: string | number;
  sipCallRate: string | number;
  sipUdpBuffer: string | number;
  drainS: string | number;
  mediaPriority: string;
  rtpSend: string;
  rtpThreadPriority: string | number;
  rtpThreadRealtime: string | number;
  maxCalls: string | number;
  overloadLateMs: string | number;
  sourcetrakRetentionDays: string | number;
  transcribeEngine: string;
  transcribeUrl: string;
  transcribeModel: string;
  transcribeKey: string;
  transcribeTimeoutS: string | number;
  nodeId: string;
}

/** Text-to-speech engines (src/speech/engines.ts): the WASM one needs no system package. */
export const TTS_ENGINES = ['espeak-wasm', 'espeak-cli', 'flite-cli'] as const;
export type TtsEngineSetting = (typeof TTS_ENGINES)[number];

/** Speech-to-text engines for `transcribe: standard` (src/speech/transcribe/); `none` runs none. */
export const TRANSCRIBE_ENGINES = ['none', 'local', 'http'] as const;
export type TranscribeEngineSetting = (typeof TRANSCRIBE_ENGINES)[number];

/** HOOKLINE_TRANSCRIBE_*: which engine transcribes recorded answers, and how to reach it. */
export interface TranscribeSettings {
  /** Default `none`: the only engine that installs with hookline (`local`) is too inaccurate to be on by default. */
  engine: TranscribeEngineSetting;
  /** The `http` engine's base URL (`/v1/audio/transcriptions` is appended). */
  url?: string;
  /** The `model` field sent to the `http` engine; default `whisper-1`. */
  model: string;
  /** Sent as a bearer token to the `http` engine. */
  key?: string;
  /** One attempt's limit; default 120 s. */
  timeoutS: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  /** The flows file; default `flows.yaml` in the working directory (a customer's repo checkout). */
  flowsPath: string;
  dataDir: string;
  /** Bind address for SIP (and RTP). */
  sipHost: string;
  /**
   * HOOKLINE_HTTP_HOST: bind address for HTTP (the APIs, the console, /metrics); default the SIP
   * address. Set 127.0.0.1 to keep HTTP behind a reverse proxy while SIP listens on 0.0.0.0.
   */
  httpHost: string;
  sipPort: number;
  httpPort: number;
  rtpPorts: { min: number; max: number };
  /** One key with every right (admin API and Call Initiation API). */
  apiKey?: string;
  /** SIP URI of the outbound trunk, credentials included when needed. */
  trunk?: string;
  /** `postgres://...`; SQLite in the data dir when absent. */
  databaseUrl?: string;
  /** Dial-out patterns, `default` already expanded (see dial-policy.ts). */
  dialAllow: string[];
  /** HOOKLINE_DIAL_PER_CALL: outbound legs one call may place over its life (calls/dial-limits.ts). */
  dialPerCall: number;
  /** HOOKLINE_DIAL_SIMULTANEOUS: outbound legs one call may have up at once. */
  dialSimultaneous: number;
  /** `public` refuses webhook targets on loopback, link-local, private and metadata addresses. */
  webhookNetworks: 'all' | 'public';
  logLevel: LogLevel;
  /** HOOKLINE_TTS: the text-to-speech engine; default espeak-wasm. */
  tts: TtsEngineSetting;
  /** HOOKLINE_SIP_ADVERTISE: the address written in Contact and SDP when binding 0.0.0.0. */
  sipAdvertise?: string;
  /** HOOKLINE_SIP_ALLOW: networks (CIDRs) that may call; the trunk's addresses are always added. */
  sipAllow: string[];
  /** HOOKLINE_SIP_USER_AGENT: Server and User-Agent header of SIP messages; none by default. */
  sipUserAgent?: string;
  /** HOOKLINE_SIP_MESSAGE_RATE: SIP messages a second from one source (twice that at once); 0 = no limit. */
  sipMessageRate: number;
  /** HOOKLINE_SIP_CALL_RATE: new calls a second from one source (five times that at once); 0 = no limit. */
  sipCallRate: number;
  /**
   * HOOKLINE_SIP_UDP_BUFFER: bytes asked for the SIP UDP socket's receive queue, so that a burst of
   * messages waits rather than being dropped by the kernel (sip/transport-udp.ts); 0 = the system's default.
   */
  sipUdpBuffer: number;
  /** HOOKLINE_ADMIN_PASSWORD: the web console's password for user `admin`; the console login is off without it. */
  adminPassword?: string;
  /**
   * HOOKLINE_DRAIN_S: on SIGTERM, how long calls in progress may go on (new ones are refused) before
   * they hear a goodbye and are hung up; default 300 (src/server/drain.ts).
   */
  drainS: number;
  /**
   * HOOKLINE_MEDIA_PRIORITY: `balanced` (default) or `audio`. With `audio`, frames that fell due while the
   * control plane was busy go out at its preemption points (lib/preempt.ts), before the next SIP message,
   * RTP packet, store statement or webhook answer is handled: steadier audio under load, slower control
   * work when the core is full (docs/operations.md "Audio or control first").
   */
  mediaPriority: MediaPriority;
  /**
   * HOOKLINE_RTP_SEND: `native` (default) sends each RTP packet with one sendto(2) from the native sender
   * that `npm ci` builds (src/rtp/native-send.ts), or with dgram where it was not built; `dgram` always
   * uses Node's dgram (more CPU per call, the same packets).
   */
  rtpSend: RtpSend;
  /**
   * HOOKLINE_RTP_THREAD_PRIORITY: how many nice steps above the rest of the server the native sender's thread
   * runs (0-20, default 10; 0: not raised), so that under load its audio does not wait behind SIP, webhooks
   * and the store. Raising it needs CAP_SYS_NICE; without it the server warns at start and the thread runs
   * at the server's priority.
   */
  rtpThreadPriority: number;
  /**
   * HOOKLINE_RTP_THREAD_REALTIME: the share of a core, in percent (0-95, default 50), up to which the native
   * sender's thread runs in the real-time class (SCHED_FIFO), so that its frames go out the moment they fall
   * due; above that share it steps down to its nice value and shares the core with SIP and webhooks until its
   * use falls to four fifths of the share. 0: never real-time. It needs CAP_SYS_NICE, like the priority.
   */
  rtpThreadRealtime: number;
  /**
   * HOOKLINE_MAX_CALLS: calls this node carries at once, incoming ones counted from the INVITE and those the
   * Call Initiation API places from before their first leg is dialled; the next ones are answered 503 with
   * Retry-After, so that a proxy in front sends them to another node. 0 (default):
   * no limit but the RTP port range.
   */
  maxCalls: number;
  /**
   * HOOKLINE_OVERLOAD_LATE_MS: new calls are answered 503 while the media clock (a call's frame, or its own
   * timer) ran later than this (ms) in the last second or two: the node's core is full. 0 (default): off.
   */
  overloadLateMs: number;
  /**
   * HOOKLINE_SOURCETRAK_RETENTION_DAYS: how long SourceTrak keeps visitors' data (sessions, IP
   * addresses, and the identifying st_* values stored with calls); default 90 (docs/sourcetrak.md).
   */
  sourcetrakRetentionDays: number;
  /**
   * HOOKLINE_NODE_ID: this node's name among several sharing one database (deploy/README.md); stored
   * with each call it runs and on the work it claims. Default the host name; two nodes on one machine
   * need one each. Letters, digits, `.`, `_` and `-`, at most 64.
   */
  nodeId: string;
  /**
   * Started by npm (`npm start`, `npx hookline serve`: npm sets npm_lifecycle_event): stop when the
   * parent process goes away. npm passes SIGTERM and SIGINT on to its child only, which is a shell that
   * dies without passing them on when the script does not `exec`, and a killed npm passes nothing; the
   * server would then run on, orphaned, holding its ports. Absent otherwise: a server started from a
   * shell with `nohup ... &` must outlive that shell.
   */
  exitWithParent?: true;
  /** Always set by loadSettings; optional so that settings built in code (tests) may leave it out: none. */
  transcribe?: TranscribeSettings;
}

type Parse<T> = (value: string) => T | { error: string };

interface Spec<T> {
  cli: keyof CliOptions;
  env: string;
  parse: Parse<T>;
}

const flagOf = (key: keyof CliOptions): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Reads one setting: the flag if given, else the variable; "" counts as unset (compose files leave them empty). */
function read<T>(spec: Spec<T>, cli: Partial<CliOptions>, env: Record<string, string | undefined>): T | undefined {
  const fromCli = cli[spec.cli];
  const [raw, key] = fromCli !== undefined && fromCli !== '' ? [String(fromCli), flagOf(spec.cli)] : [env[spec.env], spec.env];
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = spec.parse(raw.trim());
  if (result !== null && typeof result === 'object' && 'error' in result) throw new ConfigError({ key, message: result.error });
  return result as T;
}

const text: Parse<string> = (v) => v;

/** `allowZero`: port 0 asks the OS for a free port, which tests use to run servers side by side. */
function port(allowZero: boolean): Parse<number> {
  const min = allowZero ? 0 : 1;
  return (v) => {
    const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
    return n >= min && n <= 65535 ? n : { error: `expected a port number ${min}-65535, got ${JSON.stringify(v)}` };
  };
}

const portRange: Parse<{ min: number; max: number }> = (v) => {
  const m = /^([0-9]+)-([0-9]+)$/.exec(v);
  const [min, max] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  // Two ports at least: RTP takes an even port and RTCP the odd one after it (RFC 3550 §11).
  if (!(min >= 1024 && max <= 65535 && min < max)) {
    return { error: `expected a port range A-B with 1024 <= A < B <= 65535, got ${JSON.stringify(v)}` };
  }
  return { min, max };
};

const host: Parse<string> = (v) =>
  isIP(v) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v)
    ? v
    : { error: `expected an IP address or host name to bind to, got ${JSON.stringify(v)}` };

// Secrets: the messages below never repeat the value, since they end up in logs and terminals.
const apiKey: Parse<string> = (v) => (/\s/.test(v) ? { error: 'must not contain white space' } : v);

/** A password a person types: long enough that the login rate limit makes guessing hopeless. */
const password: Parse<string> = (v) => (v.length < 8 ? { error: 'must be at least 8 characters' } : v);

const SIP_URI = /^sips?:(?:[^@\s]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?(?:;\S*)?$/i;
const trunk: Parse<string> = (v) =>
  SIP_URI.test(v) ? v : { error: 'expected a SIP URI such as sip:user:password@trunk.example.com:5060' };

const databaseUrl: Parse<string> = (v) => {
  try {
    const url = new URL(v);
    if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') return v;
  } catch {
    // fall through to the message
  }
  return { error: 'expected a postgres:// URL (leave it unset for SQLite in the data dir)' };
};

const nodeId: Parse<string> = (v) =>
  /^[A-Za-z0-9._-]{1,64}$/.test(v) ? v : { error: `expected a node name of letters, digits, ".", "_" and "-" (at most 64), got ${JSON.stringify(v)}` };

/** The host name as a node name: characters a node name does not take become "-". */
export function defaultNodeId(host = hostname()): string {
  const id = host.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return id === '' ? 'hookline' : id;
}

const dialAllow: Parse<string[]> = (v) => {
  const patterns = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  // An empty list would refuse every call; nobody means that by leaving the value blank.
  if (patterns.length === 0) return { error: 'expected comma-separated dial patterns, or default' };
  try {
    return compileDialPolicy(patterns).patterns.slice();
  } catch (err) {
    return { error: (err as Error).message };
  }
};

const networks: Parse<string[]> = (v) => {
  const entries = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (entries.length === 0) return { error: 'expected comma-separated networks such as 127.0.0.0/8,192.168.1.0/24' };
  const out: string[] = [];
  for (const entry of entries) {
    const parsed = parseNetwork(entry);
    if (typeof parsed === 'string') return { error: parsed };
    out.push(`${parsed[0]}/${parsed[1]}`);
  }
  return out;
};

/** A header value we send as it is: no line break or control character (the SIP layer's own rule). */
const headerValue: Parse<string> = (v) => {
  const problem = headerValueProblem(v);
  return problem ? { error: `must not contain a ${problem}` } : v;
};

/** A whole number in [min, max]. */
function count(min: number, max: number): Parse<number> {
  return (v) => {
    const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
    return n >= min && n <= max ? n : { error: `expected a whole number ${min}-${max}, got ${JSON.stringify(v)}` };
  };
}

export const MEDIA_PRIORITIES = ['balanced', 'audio'] as const;
export type MediaPriority = (typeof MEDIA_PRIORITIES)[number];
export const RTP_SENDS = ['native', 'dgram'] as const;
export type RtpSend = (typeof RTP_SENDS)[number];

function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return (v) => ((values as readonly string[]).includes(v) ? (v as T) : { error: `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}` });
}

/**
 * Builds the settings from flags and environment. Throws ConfigError naming the flag or variable
 * (as given) of the first invalid value.
 */
export function loadSettings(cli: Partial<CliOptions>, env: Record<string, string | undefined>): Settings {
  const get = <T>(key: keyof CliOptions, name: string, parse: Parse<T>): T | undefined =>
    read({ cli: key, env: `HOOKLINE_${name}`, parse }, cli, env);

  const sipHost = get('sipHost', 'SIP_HOST', host) ?? '127.0.0.1';
  const settings: Settings = {
    flowsPath: get('flows', 'FLOWS', text) ?? 'flows.yaml',
    dataDir: get('dataDir', 'DATA_DIR', text) ?? './data',
    sipHost,
    httpHost: get('httpHost', 'HTTP_HOST', host) ?? sipHost,
    sipPort: get('sipPort', 'SIP_PORT', port(true)) ?? 5060,
    httpPort: get('httpPort', 'HTTP_PORT', port(true)) ?? 8080,
    rtpPorts: get('rtpPorts', 'RTP_PORTS', portRange) ?? { min: 20000, max: 20999 },
    dialAllow: get('dialAllow', 'DIAL_ALLOW', dialAllow) ?? [...DEFAULT_DIAL_ALLOW],
    // DEFAULT_DIAL_LIMITS of src/calls/dial-limits.ts, which says why (settings.test.ts keeps them equal).
    dialPerCall: get('dialPerCall', 'DIAL_PER_CALL', count(1, 1000)) ?? 20,
    dialSimultaneous: get('dialSimultaneous', 'DIAL_SIMULTANEOUS', count(1, 1000)) ?? 10,
    webhookNetworks: get('webhookNetworks', 'WEBHOOK_NETWORKS', oneOf(['all', 'public'] as const)) ?? 'all',
    logLevel: get('logLevel', 'LOG_LEVEL', oneOf(LOG_LEVELS)) ?? 'info',
    tts: get('tts', 'TTS', oneOf(TTS_ENGINES)) ?? 'espeak-wasm',
    sipAllow: get('sipAllow', 'SIP_ALLOW', networks) ?? [...DEFAULT_SIP_ALLOW],
    // calls/telephony/access.ts and sip/guard.ts say why these defaults.
    sipMessageRate: get('sipMessageRate', 'SIP_MESSAGE_RATE', count(0, 100_000)) ?? DEFAULT_SIP_MESSAGE_RATE,
    sipCallRate: get('sipCallRate', 'SIP_CALL_RATE', count(0, 10_000)) ?? DEFAULT_SIP_CALL_RATE,
    sipUdpBuffer: get('sipUdpBuffer', 'SIP_UDP_BUFFER', count(0, 1 << 30)) ?? DEFAULT_UDP_RECEIVE_BUFFER,
    drainS: get('drainS', 'DRAIN_S', count(0, 86_400)) ?? 300,
    mediaPriority: get('mediaPriority', 'MEDIA_PRIORITY', oneOf(MEDIA_PRIORITIES)) ?? 'balanced',
    rtpSend: get('rtpSend', 'RTP_SEND', oneOf(RTP_SENDS)) ?? 'native',
    rtpThreadPriority: get('rtpThreadPriority', 'RTP_THREAD_PRIORITY', count(0, 20)) ?? 10,
    rtpThreadRealtime: get('rtpThreadRealtime', 'RTP_THREAD_REALTIME', count(0, 95)) ?? 50,
    maxCalls: get('maxCalls', 'MAX_CALLS', count(0, 100_000)) ?? 0,
    overloadLateMs: get('overloadLateMs', 'OVERLOAD_LATE_MS', count(0, 10_000)) ?? 0,
    sourcetrakRetentionDays: get('sourcetrakRetentionDays', 'SOURCETRAK_RETENTION_DAYS', count(1, 3650)) ?? 90,
    nodeId: get('nodeId', 'NODE_ID', nodeId) ?? defaultNodeId(),
  };
  const userAgent = get('sipUserAgent', 'SIP_USER_AGENT', headerValue);
  if (userAgent !== undefined) settings.sipUserAgent = userAgent;
  settings.transcribe = transcribeSettings(get);
  const advertise = get('sipAdvertise', 'SIP_ADVERTISE', host);
  if (advertise !== undefined) settings.sipAdvertise = advertise;
  // Optional settings stay absent (not undefined-valued) so that spreading and equality stay simple.
  const key = get('apiKey', 'API_KEY', apiKey);
  if (key !== undefined) settings.apiKey = key;
  const sipTrunk = get('trunk', 'TRUNK', trunk);
  if (sipTrunk !== undefined) settings.trunk = sipTrunk;
  const adminPassword = get('adminPassword', 'ADMIN_PASSWORD', password);
  if (adminPassword !== undefined) settings.adminPassword = adminPassword;
  const dbUrl = get('databaseUrl', 'DATABASE_URL', databaseUrl);
  if (dbUrl !== undefined) settings.databaseUrl = dbUrl;
  if ((env['npm_lifecycle_event'] ?? '') !== '') settings.exitWithParent = true;
  return settings;
}

const httpUrl: Parse<string> = (v) => {
  try {
    const url = new URL(v);
    if (url.protocol === 'http:' || url.protocol === 'https:') return v;
  } catch {
    // fall through to the message
  }
  return { error: 'expected an http:// or https:// URL of the speech-to-text service, such as http://127.0.0.1:8000' };
};

function transcribeSettings(get: <T>(key: keyof CliOptions, name: string, parse: Parse<T>) => T | undefined): TranscribeSettings {
  const engine = get('transcribeEngine', 'TRANSCRIBE_ENGINE', oneOf(TRANSCRIBE_ENGINES)) ?? 'none';
  const t: TranscribeSettings = {
    engine,
    model: get('transcribeModel', 'TRANSCRIBE_MODEL', text) ?? 'whisper-1',
    timeoutS: get('transcribeTimeoutS', 'TRANSCRIBE_TIMEOUT_S', count(1, 3600)) ?? 120,
  };
  const url = get('transcribeUrl', 'TRANSCRIBE_URL', httpUrl);
  if (url !== undefined) t.url = url;
  const key = get('transcribeKey', 'TRANSCRIBE_KEY', apiKey);
  if (key !== undefined) t.key = key;
  // Said at start-up rather than on the first recorded answer, hours later.
  if (engine === 'http' && url === undefined) throw new ConfigError({ key: 'HOOKLINE_TRANSCRIBE_URL', message: 'the http transcription engine needs the service URL' });
  return t;
}
