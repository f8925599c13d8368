import { BlockList, isIP } from 'node:net';

/**
 * A list of networks written as CIDRs (`192.168.1.0/24`, `2001:db8::/32`) or single addresses, and the
 * question "is this address in one of them". Node's BlockList does the matching (both families, any
 * prefix); this module parses the text, so that a setting's mistake is reported naming the entry.
 */
export interface NetworkList {
  /** The entries as written, normalised (`10.0.0.1` becomes `10.0.0.1/32`). */
  readonly entries: readonly string[];
  has(address: string): boolean;
}

/** Parses one entry into [network, prefix, family], or a message saying what is wrong with it. */
export function parseNetwork(entry: string): [string, number, 'ipv4' | 'ipv6'] | string {
  const [addr = '', prefixText, extra] = entry.trim().split('/');
  const family = isIP(addr);
  if (extra !== undefined || family === 0) return `expected an IP address or CIDR such as 192.168.1.0/24, got ${JSON.stringify(entry)}`;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^[0-9]{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `expected a prefix length 0-${max} in ${JSON.stringify(entry)}`;
  return [addr, prefix, family === 4 ? 'ipv4' : 'ipv6'];
}

/** Throws an Error naming the first bad entry. */
export function networkList(entries: readonly string[]): NetworkList {
  const list = new BlockList();
  const normalised: string[] = [];
  for (const entry of entries) {
    const parsed = parseNetwork(entry);
    if (typeof parsed === 'string') throw new Error(parsed);
    const [addr, prefix, family] = parsed;
    list.addSubnet(addr, prefix, family);
    normalised.push(`${addr}/${prefix}`);
  }
  return {
    entries: normalised,
    has: (address) => {
      const a = unmapped(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** "::ffff:192.0.2.1" is how a dual-stack socket shows an IPv4 peer: match it as the IPv4 address. */
export function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
