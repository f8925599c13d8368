import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { WebhookError } from './errors.js';

/**
 * The outbound-request policy (`HOOKLINE_WEBHOOK_NETWORKS`): `all` allows every address, `public`
 * refuses anything that is not globally routable unicast. A function is accepted too, so tests (and
 * unusual deployments) can draw the line elsewhere while keeping the same enforcement points.
 */
export type NetworkPolicy = 'all' | 'public' | ((address: string) => boolean);

type Range = readonly [bits: bigint, prefix: number];

function v4(a: string): bigint | undefined {
  const parts = a.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function v6(a: string): bigint | undefined {
  let s = a;
  const pct = s.indexOf('%'); // zone id (fe80::1%eth0) does not change the class
  if (pct >= 0) s = s.slice(0, pct);
  // A trailing dotted quad (::ffff:127.0.0.1) stands for the last two groups.
  const dot = s.lastIndexOf(':');
  const tail = s.slice(dot + 1);
  if (tail.includes('.')) {
    const q = v4(tail);
    if (q === undefined) return undefined;
    s = `${s.slice(0, dot + 1)}${(q >> 16n).toString(16)}:${(q & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...rest];
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

const r4 = (a: string, prefix: number): Range => [v4(a) ?? 0n, prefix];
const r6 = (a: string, prefix: number): Range => [v6(a) ?? 0n, prefix];

/** Not globally reachable IPv4 (IANA special-purpose registry, the ranges that matter for SSRF). */
const BLOCKED_V4: Range[] = [
  r4('0.0.0.0', 8), // "this network", includes the unspecified address
  r4('10.0.0.0', 8), // RFC 1918
  r4('100.64.0.0', 10), // CGNAT, RFC 6598
  r4('127.0.0.0', 8), // loopback
  r4('169.254.0.0', 16), // link-local, includes the cloud metadata address 169.254.169.254
  r4('172.16.0.0', 12), // RFC 1918
  r4('192.0.0.0', 24), // IETF protocol assignments
  r4('192.0.2.0', 24), // documentation
  r4('192.168.0.0', 16), // RFC 1918
  r4('198.18.0.0', 15), // benchmarking
  r4('198.51.100.0', 24), // documentation
  r4('203.0.113.0', 24), // documentation
  r4('224.0.0.0', 4), // multicast
  r4('240.0.0.0', 4), // reserved, includes broadcast
];

const BLOCKED_V6: Range[] = [
  r6('::', 96), // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  r6('100::', 64), // discard
  r6('2001:db8::', 32), // documentation
  r6('fc00::', 7), // unique local (RFC 4193); AWS's IPv6 metadata fd00:ec2::254 is in here
  r6('fe80::', 10), // link-local
  r6('fec0::', 10), // deprecated site-local
  r6('ff00::', 8), // multicast
];

const inRange = (n: bigint, width: number, [base, prefix]: Range): boolean => {
  const shift = BigInt(width - prefix);
  return n >> shift === base >> shift;
};

/** Forms that embed an IPv4 address; the embedded one decides (else ::ffff:10.0.0.1 would slip by). */
function embeddedV4(n: bigint): bigint | undefined {
  const top96 = n >> 32n;
  if (top96 === 0xffffn) return n & 0xffffffffn; // IPv4-mapped ::ffff:a.b.c.d
  if (n >> 32n === 0x0064ff9b0000000000000000n) return n & 0xffffffffn; // NAT64 64:ff9b::/96
  if (n >> 112n === 0x2002n) return (n >> 80n) & 0xffffffffn; // 6to4 2002:AABB:CCDD::
  return undefined;
}

/** True for a globally routable unicast address; false for anything `public` must refuse or cannot parse. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) {
    const n = v4(address);
    return n !== undefined && !BLOCKED_V4.some((r) => inRange(n, 32, r));
  }
  if (family === 6) {
    const n = v6(address);
    if (n === undefined) return false;
    if (BLOCKED_V6.some((r) => inRange(n, 128, r))) return false;
    const e = embeddedV4(n);
    return e === undefined || !BLOCKED_V4.some((r) => inRange(e, 32, r));
  }
  return false;
}

/** The predicate a policy stands for; undefined means "no check at all". */
export function policyPredicate(policy: NetworkPolicy): ((address: string) => boolean) | undefined {
  if (policy === 'all') return undefined;
  if (policy === 'public') return isPublicAddress;
  return policy;
}

function refused(host: string, address: string): WebhookError {
  return new WebhookError('policy', `address ${address} of ${host} is refused by the outbound-request policy`);
}

/**
 * Checks a URL host that is an IP literal. Node's net.connect skips `lookup` for literals, so the
 * guarded lookup below never sees them; this is the other half of the check.
 */
export function checkLiteralHost(hostname: string, allowed: ((a: string) => boolean) | undefined): void {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (allowed && isIP(host) !== 0 && !allowed(host)) throw refused(host, host);
}

/**
 * A `lookup` for the connection itself: resolves, refuses the host if any address is not allowed
 * (a name with one public and one private record is a rebinding trick, not a fallback), and hands
 * the checked addresses to the socket, so the address connected to is the address checked.
 */
export function guardedLookup(allowed: ((a: string) => boolean) | undefined, resolve: LookupFunction = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, '', 0);
      const list = Array.isArray(result) ? result : [{ address: result, family: isIP(result) }];
      const bad = allowed ? list.find((a) => !allowed(a.address)) : undefined;
      if (bad) return callback(refused(hostname, bad.address), '', 0);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, first.address, first.family);
    });
  };
}
