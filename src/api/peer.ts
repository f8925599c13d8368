import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * The address of the peer that sent a request, for per-source limits. Behind a reverse proxy every
 * request comes from the proxy: that is one limit for all, which errs on the side of refusing.
 */
export function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}
