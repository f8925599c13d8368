import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { Registration, type SipEndpoint } from '../../sip/index.js';
import type { TrunkConfig } from './trunk.js';

/**
 * REGISTERs with the trunk when its URI asks for it, refreshed until stopped (RFC 3261 §10), and logs
 * each state and failure; undefined when the trunk needs no registration.
 */
export function registerWithTrunk(endpoint: SipEndpoint, o: { trunk?: TrunkConfig | undefined; clock: Clock; logger: Logger }): Registration | undefined {
  const t = o.trunk;
  if (!t?.register) return undefined;
  const reg = new Registration(endpoint, {
    registrar: `sip:${t.host}:${t.port};transport=${t.transport.toLowerCase()}`,
    ...(t.credentials ? { credentials: t.credentials } : {}),
    clock: o.clock,
  });
  reg.on('state', (state) => o.logger.info({ state }, 'trunk registration'));
  reg.on('failed', (f) => {
    const status = f.response ? `${f.response.status} ${f.response.reason}` : f.reason;
    o.logger.warn({ reason: f.reason, status: f.response?.status, retryInMs: f.retryInMs, ...(f.error ? { err: f.error } : {}) }, `trunk registration failed (${status}); retrying`);
  });
  reg.start();
  return reg;
}
