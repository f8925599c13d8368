import { describe, expect, it } from 'vitest';
import { DEFAULT_DIAL_LIMITS } from '../calls/dial-limits.js';
import { DEFAULT_SIP_ALLOW, DEFAULT_SIP_CALL_RATE, DEFAULT_SIP_MESSAGE_RATE } from '../calls/telephony/access.js';
import { DEFAULT_DIAL_ALLOW } from './dial-policy.js';
import { ConfigError } from './errors.js';
import { defaultNodeId, loadSettings, type CliOptions, type Settings } from './settings.js';

describe('loadSettings', () => {
  it('has the defaults of the spec', () => {
    expect(loadSettings({}, {})).toEqual<Settings>({
      flowsPath: 'flows.yaml',
      dataDir: './data',
      sipHost: '127.0.0.1',
      httpHost: '127.0.0.1',
      sipPort: 5060,
      httpPort: 8080,
      rtpPorts: { min: 20000, max: 20999 },
      dialAllow: [...DEFAULT_DIAL_ALLOW],
      dialPerCall: 20,
      dialSimultaneous: 10,
      webhookNetworks: 'all',
      logLevel: 'info',
      tts: 'espeak-wasm',
      sipAllow: ['127.0.0.0/8', '::1/128'],
      sipMessageRate: 200,
      sipCallRate: 10,
      sipUdpBuffer: 4 * 1024 * 1024,
      drainS: 300,
      mediaPriority: 'balanced',
      rtpSend: 'native',
      rtpThreadPriority: 10,
      rtpThreadRealtime: 50,
      maxCalls: 0,
      overloadLateMs: 0,
      sourcetrakRetentionDays: 90,
      transcribe: { engine: 'none', model: 'whisper-1', timeoutS: 120 },
      nodeId: defaultNodeId(),
    });
  });

  it('names the node after the host by default, in characters a node name takes', () => {
    expect(defaultNodeId('ivr-1.example.com')).toBe('ivr-1.example.com');
    expect(defaultNodeId('my host')).toBe('my-host');
    expect(defaultNodeId('')).toBe('hookline');
  });

  it('reads every HOOKLINE_* variable', () => {
    const env = {
      HOOKLINE_FLOWS: 'flows.yaml',
      HOOKLINE_DATA_DIR: '/var/lib/hookline',
      HOOKLINE_SIP_HOST: '0.0.0.0',
      HOOKLINE_SIP_PORT: '5080',
      HOOKLINE_HTTP_PORT: '9090',
      HOOKLINE_RTP_PORTS: '30000-30099',
      HOOKLINE_API_KEY: 'k3y',
      HOOKLINE_TRUNK: 'sip:user:pw@trunk.example.com:5060;transport=tcp',
      HOOKLINE_DATABASE_URL: 'postgres://u:p@db/hookline',
      HOOKLINE_DIAL_ALLOW: '+1NXXNXXXXXX, !+1900.',
      HOOKLINE_DIAL_PER_CALL: '8',
      HOOKLINE_DIAL_SIMULTANEOUS: '3',
      HOOKLINE_WEBHOOK_NETWORKS: 'public',
      HOOKLINE_LOG_LEVEL: 'debug',
      HOOKLINE_TTS: 'flite-cli',
      HOOKLINE_SIP_ADVERTISE: '192.0.2.10',
      HOOKLINE_HTTP_HOST: '127.0.0.1',
      HOOKLINE_ADMIN_PASSWORD: 'console-secret',
      HOOKLINE_SIP_ALLOW: '127.0.0.0/8, 192.168.1.0/24,2001:db8::/32, 203.0.113.9',
      HOOKLINE_SIP_USER_AGENT: 'Example IVR',
      HOOKLINE_SIP_MESSAGE_RATE: '50',
      HOOKLINE_SIP_CALL_RATE: '0',
      HOOKLINE_DRAIN_S: '0',
      HOOKLINE_MEDIA_PRIORITY: 'audio',
      HOOKLINE_RTP_SEND: 'dgram',
      HOOKLINE_RTP_THREAD_PRIORITY: '0',
      HOOKLINE_RTP_THREAD_REALTIME: '0',
      HOOKLINE_MAX_CALLS: '250',
      HOOKLINE_OVERLOAD_LATE_MS: '60',
      HOOKLINE_SIP_UDP_BUFFER: '0',
      HOOKLINE_SOURCETRAK_RETENTION_DAYS: '30',
      HOOKLINE_TRANSCRIBE_ENGINE: 'http',
      HOOKLINE_TRANSCRIBE_URL: 'http://127.0.0.1:8000',
      HOOKLINE_TRANSCRIBE_MODEL: 'large-v3',
      HOOKLINE_TRANSCRIBE_KEY: 'sk-1',
      HOOKLINE_TRANSCRIBE_TIMEOUT_S: '30',
      HOOKLINE_NODE_ID: 'node-2',
      UNRELATED: 'x',
    };
    expect(loadSettings({}, env)).toEqual<Settings>({
      flowsPath: 'flows.yaml',
      dataDir: '/var/lib/hookline',
      sipHost: '0.0.0.0',
      httpHost: '127.0.0.1',
      adminPassword: 'console-secret',
      sourcetrakRetentionDays: 30,
      sipPort: 5080,
      httpPort: 9090,
      rtpPorts: { min: 30000, max: 30099 },
      apiKey: 'k3y',
      trunk: 'sip:user:pw@trunk.example.com:5060;transport=tcp',
      databaseUrl: 'postgres://u:p@db/hookline',
      dialAllow: ['+1NXXNXXXXXX', '!+1900.'],
      dialPerCall: 8,
      dialSimultaneous: 3,
      webhookNetworks: 'public',
      logLevel: 'debug',
      tts: 'flite-cli',
      sipAdvertise: '192.0.2.10',
      sipAllow: ['127.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '203.0.113.9/32'],
      sipUserAgent: 'Example IVR',
      sipMessageRate: 50,
      sipCallRate: 0,
      sipUdpBuffer: 0,
      drainS: 0,
      mediaPriority: 'audio',
      rtpSend: 'dgram',
      rtpThreadPriority: 0,
      rtpThreadRealtime: 0,
      maxCalls: 250,
      overloadLateMs: 60,
      transcribe: { engine: 'http', url: 'http://127.0.0.1:8000', model: 'large-v3', key: 'sk-1', timeoutS: 30 },
      nodeId: 'node-2',
    });
  });

  it('lets flags win over the environment, one setting at a time', () => {
    const env = { HOOKLINE_SIP_PORT: '5080', HOOKLINE_HTTP_PORT: '9090', HOOKLINE_FLOWS: 'env.yaml' };
    const s = loadSettings({ sipPort: '5070', flows: 'cli.yaml' }, env);
    expect([s.sipPort, s.httpPort, s.flowsPath]).toEqual([5070, 9090, 'cli.yaml']);
  });

  it('accepts numbers from code as well as strings from commander', () => {
    expect(loadSettings({ httpPort: 0, sipPort: 5062 }, {})).toMatchObject({ httpPort: 0, sipPort: 5062 });
  });

  it('treats empty values as unset', () => {
    const s = loadSettings({ flows: '' }, { HOOKLINE_API_KEY: '', HOOKLINE_SIP_PORT: ' ', HOOKLINE_FLOWS: 'env.yaml' });
    expect(s.apiKey).toBeUndefined();
    expect(s.sipPort).toBe(5060);
    expect(s.flowsPath).toBe('env.yaml');
  });

  it('exits with its parent only when npm started it', () => {
    expect(loadSettings({}, {}).exitWithParent).toBeUndefined();
    expect(loadSettings({}, { npm_lifecycle_event: 'start' }).exitWithParent).toBe(true);
    expect(loadSettings({}, { npm_lifecycle_event: 'npx' }).exitWithParent).toBe(true);
  });

  it('defaults the per-call dial limits to those of the call layer', () => {
    const s = loadSettings({}, {});
    expect({ perCall: s.dialPerCall, simultaneous: s.dialSimultaneous }).toEqual(DEFAULT_DIAL_LIMITS);
  });

  it('defaults the SIP rates to those of the calls layer', () => {
    const s = loadSettings({}, {});
    expect([s.sipMessageRate, s.sipCallRate]).toEqual([DEFAULT_SIP_MESSAGE_RATE, DEFAULT_SIP_CALL_RATE]);
    expect(s.sipAllow).toEqual(DEFAULT_SIP_ALLOW);
  });

  it('expands "default" in the dial-out patterns', () => {
    expect(loadSettings({ dialAllow: 'default,+44.' }, {}).dialAllow).toEqual([...DEFAULT_DIAL_ALLOW, '+44.']);
  });

  const invalid: Array<[string, Partial<CliOptions>, Record<string, string>, string]> = [
    ['unknown transcription engine', {}, { HOOKLINE_TRANSCRIBE_ENGINE: 'whisper' }, 'HOOKLINE_TRANSCRIBE_ENGINE: expected one of none, local, http, got "whisper"'],
    ['http engine without its URL', {}, { HOOKLINE_TRANSCRIBE_ENGINE: 'http' }, 'HOOKLINE_TRANSCRIBE_URL: the http transcription engine needs the service URL'],
    ['transcription URL not http', {}, { HOOKLINE_TRANSCRIBE_URL: 'ftp://x' }, 'HOOKLINE_TRANSCRIBE_URL: expected an http:// or https:// URL of the speech-to-text service, such as http://127.0.0.1:8000'],
    ['transcription timeout zero', {}, { HOOKLINE_TRANSCRIBE_TIMEOUT_S: '0' }, 'HOOKLINE_TRANSCRIBE_TIMEOUT_S: expected a whole number 1-3600, got "0"'],
    ['port not a number', {}, { HOOKLINE_SIP_PORT: 'abc' }, 'HOOKLINE_SIP_PORT: expected a port number 0-65535, got "abc"'],
    ['port too high (flag)', { httpPort: '70000' }, {}, '--http-port: expected a port number 0-65535, got "70000"'],
    ['flag checked, not the env it hides', { sipPort: 'x' }, { HOOKLINE_SIP_PORT: '5060' }, '--sip-port: expected a port number 0-65535, got "x"'],
    ['rtp range reversed', {}, { HOOKLINE_RTP_PORTS: '21000-20000' }, 'HOOKLINE_RTP_PORTS: expected a port range A-B with 1024 <= A < B <= 65535, got "21000-20000"'],
    ['rtp range form', { rtpPorts: '20000' }, {}, '--rtp-ports: expected a port range A-B with 1024 <= A < B <= 65535, got "20000"'],
    ['sip host', {}, { HOOKLINE_SIP_HOST: 'not a host' }, 'HOOKLINE_SIP_HOST: expected an IP address or host name to bind to, got "not a host"'],
    ['trunk (value not echoed)', {}, { HOOKLINE_TRUNK: 'http://user:secret@x' }, 'HOOKLINE_TRUNK: expected a SIP URI such as sip:user:password@trunk.example.com:5060'],
    ['database (value not echoed)', { databaseUrl: 'mysql://u:secret@db' }, {}, '--database-url: expected a postgres:// URL (leave it unset for SQLite in the data dir)'],
    ['api key', {}, { HOOKLINE_API_KEY: 'two words' }, 'HOOKLINE_API_KEY: must not contain white space'],
    ['dial pattern', {}, { HOOKLINE_DIAL_ALLOW: '+1NXX?' }, 'HOOKLINE_DIAL_ALLOW: unexpected "?" in +1NXX?; patterns use digits, a leading +, X, Z, N and .'],
    ['no dial pattern', { dialAllow: ' , ' }, {}, '--dial-allow: expected comma-separated dial patterns, or default'],
    ['dial limit zero', {}, { HOOKLINE_DIAL_PER_CALL: '0' }, 'HOOKLINE_DIAL_PER_CALL: expected a whole number 1-1000, got "0"'],
    ['dial limit not a number', { dialSimultaneous: 'five' }, {}, '--dial-simultaneous: expected a whole number 1-1000, got "five"'],
    ['drain time', {}, { HOOKLINE_DRAIN_S: '-1' }, 'HOOKLINE_DRAIN_S: expected a whole number 0-86400, got "-1"'],
    ['node id', {}, { HOOKLINE_NODE_ID: 'node 1' }, 'HOOKLINE_NODE_ID: expected a node name of letters, digits, ".", "_" and "-" (at most 64), got "node 1"'],
    ['webhook networks', {}, { HOOKLINE_WEBHOOK_NETWORKS: 'private' }, 'HOOKLINE_WEBHOOK_NETWORKS: expected one of all, public, got "private"'],
    ['max calls', {}, { HOOKLINE_MAX_CALLS: 'lots' }, 'HOOKLINE_MAX_CALLS: expected a whole number 0-100000, got "lots"'],
    ['overload lateness', {}, { HOOKLINE_OVERLOAD_LATE_MS: '20.5' }, 'HOOKLINE_OVERLOAD_LATE_MS: expected a whole number 0-10000, got "20.5"'],
    ['media priority', {}, { HOOKLINE_MEDIA_PRIORITY: 'media' }, 'HOOKLINE_MEDIA_PRIORITY: expected one of balanced, audio, got "media"'],
    ['RTP send path', {}, { HOOKLINE_RTP_SEND: 'kernel' }, 'HOOKLINE_RTP_SEND: expected one of native, dgram, got "kernel"'],
    ['RTP thread priority', {}, { HOOKLINE_RTP_THREAD_PRIORITY: '-10' }, 'HOOKLINE_RTP_THREAD_PRIORITY: expected a whole number 0-20, got "-10"'],
    ['RTP thread real-time share', {}, { HOOKLINE_RTP_THREAD_REALTIME: '100' }, 'HOOKLINE_RTP_THREAD_REALTIME: expected a whole number 0-95, got "100"'],
    ['log level', { logLevel: 'verbose' }, {}, '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['sip allow entry', {}, { HOOKLINE_SIP_ALLOW: '127.0.0.0/8,lan' }, 'HOOKLINE_SIP_ALLOW: expected an IP address or CIDR such as 192.168.1.0/24, got "lan"'],
    ['sip allow prefix', {}, { HOOKLINE_SIP_ALLOW: '192.168.1.0/33' }, 'HOOKLINE_SIP_ALLOW: expected a prefix length 0-32 in "192.168.1.0/33"'],
    ['sip allow empty', {}, { HOOKLINE_SIP_ALLOW: ',' }, 'HOOKLINE_SIP_ALLOW: expected comma-separated networks such as 127.0.0.0/8,192.168.1.0/24'],
    ['sip user agent', {}, { HOOKLINE_SIP_USER_AGENT: 'a\u0007b' }, 'HOOKLINE_SIP_USER_AGENT: must not contain a control character'],
    ['sip call rate', {}, { HOOKLINE_SIP_CALL_RATE: '-1' }, 'HOOKLINE_SIP_CALL_RATE: expected a whole number 0-10000, got "-1"'],
    ['sip message rate', {}, { HOOKLINE_SIP_MESSAGE_RATE: '1e9' }, 'HOOKLINE_SIP_MESSAGE_RATE: expected a whole number 0-100000, got "1e9"'],
  ];
  it.each(invalid)('refuses %s', (_name, cli, env, message) => {
    let caught: unknown;
    try {
      loadSettings(cli, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(message);
    expect((caught as ConfigError).key).toBe(message.slice(0, message.indexOf(':')));
    expect((caught as ConfigError).message).not.toContain('secret');
  });
});
