import { parseError } from './errors.js';
import { parseNameAddr } from './header-values.js';
import type { SipRequest } from './message.js';
import type { Destination } from './transport.js';
import { isSipUri, uriTarget } from './uri.js';

/**
 * Where a request goes next (RFC 3261 §8.1.2): the first Route when there is one, else the
 * Request-URI. Host names are left for the OS resolver; RFC 3263 NAPTR/SRV lookups are not done.
 */
export function nextHop(req: SipRequest): Destination {
  const route = req.get('Route');
  const uri = route !== undefined ? parseNameAddr(route, 'Route').uri : req.uri;
  if (!isSipUri(uri)) throw parseError(`cannot route to a ${uri.scheme}: URI`);
  const t = uriTarget(uri);
  return { transport: t.transport, address: t.host, port: t.port };
}
