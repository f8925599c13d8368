import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header name as the spec writes it; HTTP header names are case-insensitive on the wire. */
export const SIGNATURE_HEADER = 'Hookline-Signature';

/** Default window for verifySignature: wide enough for clock skew, narrow enough to stop replays. */
export const DEFAULT_TOLERANCE_S = 300;

function mac(secret: string, t: number, method: string, pathAndQuery: string, body: string): string {
  // The path and query rather than the whole URL: a TLS-terminating proxy may rewrite scheme and host.
  return createHmac('sha256', secret)
    .update(`${t}.${method.toUpperCase()}.${pathAndQuery}.${body}`, 'utf8')
    .digest('hex');
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<METHOD>.<path and query>.<body>">`; body '' for GET. */
export function signatureHeader(
  secret: string,
  unixSeconds: number,
  method: string,
  pathAndQuery: string,
  body: string,
): string {
  const t = Math.floor(unixSeconds);
  return `t=${t},v1=${mac(secret, t, method, pathAndQuery, body)}`;
}

export interface VerifyOptions {
  /** When given, a timestamp further than `toleranceSeconds` from it fails (replay protection). */
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/**
 * Checks a Hookline-Signature header the way a receiver should: constant-time comparison, any of
 * several `v1` values may match (room for secret rotation), optional timestamp window.
 */
export function verifySignature(
  secret: string,
  header: string,
  method: string,
  pathAndQuery: string,
  body: string,
  opts: VerifyOptions = {},
): boolean {
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) sigs.push(v.toLowerCase());
  }
  if (t === undefined || sigs.length === 0) return false;
  if (opts.nowSeconds !== undefined) {
    const tol = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_S;
    if (Math.abs(opts.nowSeconds - t) > tol) return false;
  }
  const expected = Buffer.from(mac(secret, t, method, pathAndQuery, body), 'hex');
  return sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
