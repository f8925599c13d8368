import { HooklineError } from '../lib/errors.js';
import type { Settings } from '../config/settings.js';
import { RtpError } from '../rtp/errors.js';
import { bindPair, closeSocket } from '../rtp/socket-pair.js';
import { PortAllocator } from '../rtp/ports.js';

/**
 * Why `hookline serve` could not start, in one line for a person: what failed, and the flag or
 * variable that changes it. The CLI prints `hookline: <message>` and exits 2, as for a bad flows file
 * or setting: every start-up failure has the same status, whatever its cause.
 */
export class StartupError extends HooklineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STARTUP_FAILED', message, options);
  }
}

/** The parts of start-up that bind or open something a setting chooses. */
export type StartupStep = 'sip' | 'http' | 'rtp' | 'tts';

const SETTING: Record<StartupStep, string> = {
  sip: '--sip-port or HOOKLINE_SIP_PORT',
  http: '--http-port or HOOKLINE_HTTP_PORT',
  rtp: '--rtp-ports or HOOKLINE_RTP_PORTS',
  tts: 'HOOKLINE_TTS',
};

/** The errno exception under an error (ours wrap Node's), with the address it was about. */
function errnoOf(err: unknown): (NodeJS.ErrnoException & { port?: number; address?: string }) | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall !== undefined) return e as NodeJS.ErrnoException;
  }
  return undefined;
}

/** One line for an error of `step`: the port, the address and the setting that changes them. */
export function startupError(step: StartupStep, err: unknown, settings: Settings): StartupError {
  if (err instanceof StartupError) return err;
  const errno = errnoOf(err);
  const host = errno?.address ?? (step === 'http' ? settings.httpHost : settings.sipHost);
  const what =
    step === 'sip'
      ? // SIP binds UDP first, then TCP on the same port; either may be the one taken.
        `SIP port ${errno?.port ?? settings.sipPort} (${errno?.syscall === 'bind' ? 'UDP' : 'TCP'})`
      : step === 'http'
        ? `HTTP port ${errno?.port ?? settings.httpPort}`
        : undefined;
  const opts = { cause: err };
  if (what !== undefined && errno?.code === 'EADDRINUSE') {
    return new StartupError(`${what} on ${host} is already in use (set ${SETTING[step]})`, opts);
  }
  if (what !== undefined && errno?.code === 'EACCES') {
    return new StartupError(`${what} on ${host} needs root or CAP_NET_BIND_SERVICE (set ${SETTING[step]} to 1024 or above)`, opts);
  }
  if (errno?.code === 'EADDRNOTAVAIL') {
    return new StartupError(`cannot bind to ${host}: no such address on this machine (set ${step === 'http' ? 'HOOKLINE_HTTP_HOST' : 'HOOKLINE_SIP_HOST'})`, opts);
  }
  if (step === 'rtp' && err instanceof RtpError && err.code === 'ports_exhausted') {
    const { min, max } = settings.rtpPorts;
    return new StartupError(`every RTP port in ${min}-${max} on ${settings.sipHost} is already in use (set ${SETTING.rtp})`, opts);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (step === 'tts') return new StartupError(`cannot start the text-to-speech engine ${settings.tts}: ${message} (set ${SETTING.tts})`, opts);
  return new StartupError(`cannot start ${step.toUpperCase()}: ${message}`, opts);
}

/** Any other failure before the server is up: still one line and the start-up status. */
export function asStartupError(err: unknown): unknown {
  if (err instanceof HooklineError && (err.code === 'STARTUP_FAILED' || err.code === 'CONFIG_INVALID')) return err;
  return new StartupError(`cannot start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Runs one start-up step; its failure becomes a StartupError naming the setting to change. */
export async function startStep<T>(step: StartupStep, settings: Settings, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw startupError(step, err, settings);
  }
}

/**
 * Binds one RTP/RTCP pair of the range and lets it go: nothing else binds RTP before the first call,
 * and a range another program holds entirely would fail every call instead of the start.
 */
export async function checkRtpPorts(settings: Settings): Promise<void> {
  const pair = await bindPair(new PortAllocator(settings.rtpPorts.min, settings.rtpPorts.max), settings.sipHost);
  await Promise.all([closeSocket(pair.rtp), closeSocket(pair.rtcp)]);
}
