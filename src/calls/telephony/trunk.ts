import type { AuthCredentials } from '../../sip/auth-client.js';
import { SipError } from '../../sip/errors.js';
import { parseSipUri, unescapeUriPart, uriTarget } from '../../sip/uri.js';
import type { TransportProtocol } from '../../sip/transport.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { FrameClock } from '../../media/pacer.js';
import type { DialLimits } from '../dial-limits.js';
import type { DialOutcome, Leg } from '../types.js';
import { placeCall, type DialRequest, type OutboundHost } from './outbound.js';
import { followRedirects, type Attempt } from './redirect.js';

/**
 * Trunks carry every outbound leg (Find Me, transfer) at a cost per channel and usually with a channel
 * limit of their own; a webhook that answers `findme` with a long list at `simultaneous` 20, or a
 * flood of calls that each transfer, must not open more legs than this at once.
 */
export const DEFAULT_MAX_OUTBOUND_LEGS = 100;

/** The outbound trunk as HOOKLINE_TRUNK names it: `sip:user:password@host:port;transport=udp|tcp`. */
export interface TrunkConfig {
  host: string;
  port: number;
  transport: TransportProtocol;
  /** From the URI's user and password, for the trunk's Digest challenges (RFC 3261 §22). */
  credentials?: AuthCredentials;
  /** Legs (ringing or answered) allowed at once. */
  maxLegs: number;
  /** `;register=yes` on the trunk URI: keep a registration with the trunk (for trunks that require it). */
  register?: boolean;
}

/** Parses HOOKLINE_TRUNK; throws SipError naming what is wrong (the password is never echoed). */
export function parseTrunk(uri: string, maxLegs = DEFAULT_MAX_OUTBOUND_LEGS): TrunkConfig {
  let parsed;
  let t;
  try {
    parsed = parseSipUri(uri);
    t = uriTarget(parsed);
  } catch (err) {
    // The SIP layer's message names the part that is wrong (scheme, host, transport), never the password.
    const why = err instanceof SipError ? err.message : String(err);
    throw new SipError('SIP_ARGUMENT', `HOOKLINE_TRUNK: ${why} (expected a SIP URI such as sip:user:password@trunk.example.com:5060;transport=udp)`, { cause: err });
  }
  const user = parsed.user === undefined ? undefined : unescapeUriPart(parsed.user);
  return {
    host: t.host,
    port: t.port,
    transport: t.transport,
    ...(user ? { credentials: { username: user, password: parsed.password === undefined ? '' : unescapeUriPart(parsed.password) } } : {}),
    maxLegs,
    register: ['yes', 'true', '1'].includes((parsed.params.get('register') ?? '').toLowerCase()),
  };
}

/** What a dial through the trunk gives back. */
export interface DialResult {
  outcome: DialOutcome;
  leg?: Leg;
}

/** What the server decides about legs beyond the trunk itself. */
export interface TrunkPolicy {
  /**
   * The dial-out policy (HOOKLINE_DIAL_ALLOW): undefined when a number may be dialled, else why not.
   * The flow checks what it dials; the trunk checks where a 3xx redirects to. Without it, redirects
   * are not followed.
   */
  checkDial?: (destination: string) => string | undefined;
  /** Limits on the legs of each call (the calls that dial through this trunk apply them). */
  perCall?: DialLimits;
}

/**
 * The outbound side of the server: places legs through one trunk, counting them against the trunk's
 * limit from the first INVITE until the attempt ends (unanswered) or the leg hangs up (answered).
 * A dial redirected by a 3xx is one INVITE after another, each counted while it lasts.
 */
export class Trunk {
  private active = 0;
  /** Aborted by close(): legs still ringing at shutdown are CANCELled rather than left to ring. */
  private readonly shutdown = new AbortController();

  constructor(
    readonly config: TrunkConfig,
    private readonly host: OutboundHost,
    private readonly policy: TrunkPolicy = {},
  ) {}

  /** Per-call leg limits, for the calls that dial through this trunk. */
  get perCall(): DialLimits | undefined {
    return this.policy.perCall;
  }

  /** The media clock legs and bridges share with every other call. */
  get pacer(): FrameClock {
    return this.host.media.pacer;
  }

  get clock(): Clock {
    return this.host.media.clock;
  }

  get logger(): Logger {
    return this.host.media.logger;
  }

  /** Legs counted against the limit right now. */
  get activeLegs(): number {
    return this.active;
  }

  /** Where this trunk sends, for logs (no credentials). */
  describe(): string {
    const c = this.config;
    return `${c.host}:${c.port} over ${c.transport}${c.credentials ? ` as ${c.credentials.username}` : ''}`;
  }

  /** Cancels every leg still ringing (answered legs are hung up with the calls). */
  close(): void {
    this.shutdown.abort();
  }

  async dial(req: DialRequest): Promise<DialResult> {
    try {
      const signal = req.signal ? AbortSignal.any([req.signal, this.shutdown.signal]) : this.shutdown.signal;
      return await followRedirects({ ...req, signal }, (r) => this.attempt(r), {
        clock: this.clock,
        ...(this.policy.checkDial ? { checkDial: this.policy.checkDial } : {}),
      });
    } catch (err) {
      req.logger.error({ err, destination: req.destination }, 'outbound leg could not be placed');
      return { outcome: 'failed' };
    }
  }

  /** One INVITE, within the trunk's leg limit. */
  private async attempt(req: DialRequest): Promise<Attempt> {
    if (this.active >= this.config.maxLegs) {
      req.logger.warn({ destination: req.destination, limit: this.config.maxLegs }, `cannot dial: ${this.config.maxLegs} outbound legs already in use (the trunk's leg limit)`);
      return { outcome: 'failed' };
    }
    this.active++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.active--;
    };
    try {
      return await placeCall(this.host, this.config, req, release);
    } catch (err) {
      release();
      throw err;
    }
  }
}
