import type { Clock } from '../lib/clock.js';
import { sendWithAuth, DigestSession, type AuthCredentials, type AuthHandlers } from './auth-client.js';
import { createRequest, randomToken } from './builders.js';
import type { SipEndpoint } from './endpoint.js';
import { SipError } from './errors.js';
import { parseNameAddr, type NameAddr } from './header-values.js';
import { paramValue } from './headers.js';
import type { SipRequest, SipResponse } from './message.js';
import type { Destination, TransportProtocol } from './transport.js';
import { isSipUri, parseSipUri, uriTarget, type SipUri } from './uri.js';

/**
 * Registration of our Contact with a registrar (RFC 3261 §10.2), for a trunk that wants to know
 * where to send calls: REGISTER with digest auth, refresh before the binding lapses, back off and
 * retry on failure, and remove the binding on stop.
 */

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'retrying' | 'unregistering' | 'stopped';

export interface RegistrationOptions {
  /** Request-URI of the REGISTER: the registrar's domain, without user part (§10.2). */
  registrar: string;
  /** Address of record, for To and From (§10.2). Default: sip:<username>@<registrar host>. */
  aor?: string;
  credentials?: AuthCredentials;
  /** Contact to bind. Default: our address on the transport used, with the AOR's user as user part. */
  contact?: string;
  /** Seconds asked for (default 3600); the registrar may grant less (§10.2.1) or want more (423). */
  expires?: number;
  /** Where to send; default from the registrar URI (§8.1.2). */
  destination?: Destination;
  /** Backoff after failures (RFC 5626 §4.5): wait base * 2^(failures-1), at most max, less jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Uniform in [0, 1): the jitter takes the wait down to between 50% and 100% of it. */
  random?: () => number;
  clock?: Clock;
}

export interface RegisteredInfo {
  /** Seconds the registrar granted. */
  expires: number;
  /** When the refresh is due, in ms from now (half the granted time). */
  refreshInMs: number;
  response: SipResponse;
}

export interface RegistrationFailure {
  /** rejected: a final non-2xx (after authentication, if any); timeout: Timer F; transport: unreachable. */
  reason: 'rejected' | 'timeout' | 'transport' | 'no-binding';
  response?: SipResponse;
  error?: SipError;
  /** When the next attempt goes, in ms from now. */
  retryInMs: number;
}

export interface RegistrationEvents {
  registered: RegisteredInfo;
  failed: RegistrationFailure;
  unregistered: { response?: SipResponse };
  state: RegistrationState;
}

type Listener<T> = (value: T) => void;

export class Registration {
  private stateValue: RegistrationState = 'idle';
  private readonly clock: Clock;
  private readonly registrar: SipUri;
  private readonly aor: SipUri;
  private readonly protocol: TransportProtocol;
  /** §10.2: the same Call-ID for every REGISTER to this registrar, CSeq one higher each time. */
  private readonly callId = randomToken();
  private readonly fromTag = randomToken();
  private seq = 0;
  private expires: number;
  private readonly session = new DigestSession();
  /** Bumped whenever outstanding work must be forgotten (a newer REGISTER, stop). */
  private generation = 0;
  private pending = false;
  private boundUntil = 0;
  private failures = 0;
  private cancelTimer: (() => void) | undefined;
  /** The REGISTER in flight, so that stop() can keep it from answering a challenge. */
  private inFlight: { cancel(): void } | undefined;
  private stopping: Promise<void> | undefined;
  private readonly listeners = new Map<keyof RegistrationEvents, Set<Listener<never>>>();

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly opts: RegistrationOptions,
  ) {
    this.clock = opts.clock ?? endpoint.clock;
    this.registrar = parseSipUri(opts.registrar);
    const user = opts.credentials?.username;
    if (opts.aor === undefined && user === undefined) throw new SipError('SIP_ARGUMENT', 'registration needs an AOR or a username');
    this.aor = parseSipUri(opts.aor ?? `sip:${user ?? ''}@${this.registrar.host}`);
    this.protocol = opts.destination?.transport ?? uriTarget(this.registrar).transport;
    this.expires = opts.expires ?? 3600;
  }

  get state(): RegistrationState {
    return this.stateValue;
  }

  /** Whether the registrar holds our binding, as far as we know. */
  get registered(): boolean {
    return this.clock.now() < this.boundUntil;
  }

  on<K extends keyof RegistrationEvents>(event: K, listener: Listener<RegistrationEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const added: Set<Listener<never>> = set;
    added.add(listener);
    return () => added.delete(listener);
  }

  /** Sends the first REGISTER; refreshes and retries follow on their own until stop(). */
  start(): void {
    if (this.stateValue !== 'idle' && this.stateValue !== 'stopped') return;
    this.failures = 0;
    this.register();
  }

  /**
   * Stops refreshing and removes our binding with Expires: 0 (§10.2.2) when there may be one (bound,
   * or a REGISTER still in flight). Resolves once the registrar answered or the request failed.
   */
  stop(): Promise<void> {
    if (this.stateValue === 'unregistering' && this.stopping) return this.stopping;
    if (this.stateValue === 'stopped') return Promise.resolve();
    this.generation++;
    this.clearTimer();
    // A challenged REGISTER must not be resent behind the Expires: 0, or it could bind us again
    // (§10.3 step 7 only orders requests for a binding that still exists).
    this.inFlight?.cancel();
    if (!this.pending && !this.registered) {
      this.setState('stopped');
      return Promise.resolve();
    }
    this.setState('unregistering');
    return (this.stopping = new Promise((resolve) => {
      const done = (response?: SipResponse): void => {
        this.boundUntil = 0;
        this.pending = false;
        this.setState('stopped');
        this.emit('unregistered', response ? { response } : {});
        resolve();
      };
      try {
        this.send(0, { onFinal: (res) => done(res), onTimeout: () => done(), onTransportError: () => done() });
      } catch {
        done();
      }
    }));
  }

  private register(): void {
    this.clearTimer();
    this.inFlight?.cancel(); // nothing should be in flight; if something is, its answer no longer counts
    const gen = ++this.generation;
    const mine = (): boolean => gen === this.generation;
    this.setState('registering');
    this.pending = true;
    try {
      this.send(this.expires, {
        onFinal: (res) => {
          if (mine()) this.onResponse(res);
        },
        onTimeout: () => {
          if (mine()) this.fail({ reason: 'timeout', error: new SipError('SIP_TIMEOUT', 'REGISTER: no response (Timer F)') });
        },
        onTransportError: (error) => {
          if (mine()) this.fail({ reason: 'transport', error });
        },
      });
    } catch (err) {
      this.fail({ reason: 'transport', error: err instanceof SipError ? err : new SipError('SIP_TRANSPORT', String(err), { cause: err }) });
    }
  }

  private send(expires: number, handlers: AuthHandlers): void {
    const req = this.build(expires);
    const dest = this.opts.destination;
    const nextCSeq = (): number => ++this.seq;
    this.inFlight = this.opts.credentials
      ? sendWithAuth(this.endpoint, req, dest, this.opts.credentials, handlers, { session: this.session, nextCSeq })
      : this.endpoint.sendRequest(req, dest, handlers);
  }

  private build(expires: number): SipRequest {
    return createRequest({
      method: 'REGISTER',
      uri: this.registrar,
      from: { uri: this.aor, params: new Map([['tag', this.fromTag]]) },
      to: { uri: this.aor, params: new Map() },
      callId: this.callId,
      cseq: ++this.seq,
      contact: this.contact(),
      headers: { Expires: expires },
    });
  }

  private contact(): string {
    if (this.opts.contact !== undefined) return this.opts.contact;
    const user = this.aor.user ?? this.opts.credentials?.username;
    const userPart = user ? `${user}@` : '';
    return `<sip:${userPart}${this.endpoint.sentBy(this.protocol)}${this.protocol === 'TCP' ? ';transport=tcp' : ''}>`;
  }

  private onResponse(res: SipResponse): void {
    this.pending = false;
    if (res.status >= 200 && res.status < 300) {
      const granted = this.grantedExpiry(res);
      // §10.3 step 8: the 200 lists the bindings now held; without ours (or with 0 s) we are not bound.
      if (granted === undefined || granted <= 0) {
        this.fail({ reason: 'no-binding', response: res });
        return;
      }
      this.failures = 0;
      this.boundUntil = this.clock.now() + granted * 1000;
      // RFC 3261 does not say when to refresh; at half the interval a failed refresh still has time to retry.
      const refreshInMs = (granted * 1000) / 2;
      this.cancelTimer = this.clock.setTimer(refreshInMs, () => this.register());
      this.setState('registered');
      this.emit('registered', { expires: granted, refreshInMs, response: res });
      return;
    }
    // §10.2.8 (423 Interval Too Brief): ask again at once with at least Min-Expires.
    const minExpires = Number(res.get('Min-Expires'));
    if (res.status === 423 && Number.isInteger(minExpires) && minExpires > this.expires) {
      this.expires = minExpires;
      this.register();
      return;
    }
    this.fail({ reason: 'rejected', response: res });
  }

  /** The expires param of our Contact in the 2xx, else its Expires header, else what we asked (§10.2.4). */
  private grantedExpiry(res: SipResponse): number | undefined {
    const ours = parseNameAddr(this.contact(), 'Contact').uri;
    let contacts: NameAddr[];
    try {
      contacts = res.contacts.filter((c): c is NameAddr => c !== '*');
    } catch {
      contacts = []; // the parser checks Contact on the wire; this guards responses built otherwise
    }
    for (const c of contacts) {
      if (!isSipUri(c.uri) || !isSipUri(ours) || !sameBinding(c.uri, ours)) continue;
      const e = paramValue(c.params, 'expires');
      if (e !== undefined && /^\d+$/.test(e)) return Number(e);
      break;
    }
    const header = res.get('Expires')?.trim();
    if (header !== undefined && /^\d+$/.test(header)) return Number(header);
    // Some registrars answer without any Contact: take what we asked. One listing only other
    // bindings, with no Expires to go by, has not kept ours.
    return contacts.length === 0 ? this.expires : undefined;
  }

  private fail(failure: Omit<RegistrationFailure, 'retryInMs'>): void {
    this.pending = false;
    this.failures++;
    const base = this.opts.retryBaseMs ?? 30_000;
    const max = this.opts.retryMaxMs ?? 1_800_000;
    const ceiling = Math.min(max, base * 2 ** (this.failures - 1));
    let retryInMs = Math.round(ceiling * (0.5 + 0.5 * (this.opts.random ?? Math.random)()));
    // §20.33: a 503/404/413/480/486/500/600/603 may say when to come back; never sooner than that.
    const retryAfter = Number(failure.response?.get('Retry-After')?.trim().split(/[\s;(]/)[0]);
    if (Number.isInteger(retryAfter) && retryAfter > 0) retryInMs = Math.max(retryInMs, retryAfter * 1000);
    this.cancelTimer = this.clock.setTimer(retryInMs, () => this.register());
    this.setState('retrying');
    this.emit('failed', { ...failure, retryInMs });
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private setState(state: RegistrationState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private emit<K extends keyof RegistrationEvents>(event: K, value: RegistrationEvents[K]): void {
    // Each set only ever holds listeners added for its own event name (see on()).
    const set = this.listeners.get(event) as Set<Listener<RegistrationEvents[K]>> | undefined;
    for (const l of [...(set ?? [])]) l(value);
  }
}

/** Same user, host and port: how a registrar's echo of our Contact is recognised (§10.3, §19.1.4 loosely). */
function sameBinding(a: SipUri, b: SipUri): boolean {
  return (a.user ?? '') === (b.user ?? '') && a.host.toLowerCase() === b.host.toLowerCase() && (a.port ?? 5060) === (b.port ?? 5060);
}
