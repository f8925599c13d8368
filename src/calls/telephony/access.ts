import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { networkList, unmapped, type NetworkList } from '../../lib/networks.js';
import { SipGuard, type TcpLimits } from '../../sip/index.js';

/**
 * Who may call this server and how fast, as the settings say it (HOOKLINE_SIP_ALLOW,
 * HOOKLINE_SIP_MESSAGE_RATE, HOOKLINE_SIP_CALL_RATE), turned into the SIP layer's guard. The trunk's
 * addresses are always allowed, whatever the list: they are resolved from HOOKLINE_TRUNK's host at
 * start, before the port opens, and again every five minutes (a provider moves its servers with DNS).
 */
export interface SipAccessSettings {
  /** Networks (CIDRs) that may call; the trunk's addresses are added. */
  allow: readonly string[];
  /** Messages a second from one source, twice that at once; 0 = no limit. */
  messageRate?: number;
  /** New calls a second from one source, five times that at once; 0 = no limit. */
  callRate?: number;
  tcp?: Partial<TcpLimits>;
}

/** Loopback only: the server answers nothing else until told (or a trunk is configured). */
export const DEFAULT_SIP_ALLOW: readonly string[] = ['127.0.0.0/8', '::1/128'];
export const DEFAULT_SIP_MESSAGE_RATE = 200;
export const DEFAULT_SIP_CALL_RATE = 10;
const RESOLVE_EVERY_MS = 5 * 60_000;
const RETRY_FAILED_MS = 30_000;

export type Resolver = (host: string) => Promise<string[]>;
const osResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

export class SipAccess {
  readonly guard: SipGuard;
  private readonly networks: NetworkList;
  private trunk = new Set<string>();
  private cancel: (() => void) | undefined;
  private closed = false;

  constructor(
    settings: SipAccessSettings | undefined,
    private readonly deps: { clock: Clock; logger: Logger; trunkHost?: string | undefined; resolve?: Resolver },
  ) {
    this.networks = networkList(settings?.allow ?? DEFAULT_SIP_ALLOW);
    const messageRate = settings?.messageRate ?? DEFAULT_SIP_MESSAGE_RATE;
    const callRate = settings?.callRate ?? DEFAULT_SIP_CALL_RATE;
    this.guard = new SipGuard({
      clock: deps.clock,
      logger: deps.logger,
      allowed: (address) => this.allows(address),
      allowSetting: 'HOOKLINE_SIP_ALLOW',
      limits: {
        messages: messageRate > 0 ? { perSecond: messageRate, burst: 2 * messageRate } : undefined,
        calls: callRate > 0 ? { perSecond: callRate, burst: 5 * callRate } : undefined,
        ...(settings?.tcp ? { tcp: settings.tcp } : {}),
      },
    });
  }

  allows(address: string): boolean {
    return this.networks.has(address) || this.trunk.has(unmapped(address));
  }

  /** The trunk addresses allowed now. */
  get trunkAddresses(): string[] {
    return [...this.trunk];
  }

  /** Resolves the trunk's host (when there is one) and keeps it resolved until close(). */
  async start(): Promise<void> {
    const host = this.deps.trunkHost?.replace(/^\[(.*)\]$/, '$1');
    if (!host) return;
    if (isIP(host)) {
      this.trunk = new Set([unmapped(host)]);
      return;
    }
    await this.resolve(host);
  }

  close(): void {
    this.closed = true;
    this.cancel?.();
  }

  private async resolve(host: string): Promise<void> {
    let next = RESOLVE_EVERY_MS;
    try {
      const found = new Set((await (this.deps.resolve ?? osResolver)(host)).map(unmapped));
      if (found.size && [...found].sort().join() !== [...this.trunk].sort().join()) {
        this.deps.logger.info({ host, addresses: [...found] }, 'sip: calls from the trunk accepted from these addresses');
        this.trunk = found;
      }
    } catch (err) {
      // The addresses known stay; an unresolvable trunk at start is allowed from none until it resolves.
      this.deps.logger.warn({ err, host }, 'sip: cannot resolve the trunk host; calls from it are refused until it resolves');
      next = RETRY_FAILED_MS;
    }
    if (!this.closed) this.cancel = this.deps.clock.setTimer(next, () => void this.resolve(host));
  }
}
