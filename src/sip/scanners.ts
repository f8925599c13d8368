import type { SipRequest } from './message.js';

/**
 * The SIP scanners and attack tools that name themselves: in User-Agent (SIPVicious sends
 * `friendly-scanner`, SIPPTS `pplsip`, ...) or in the From display name (`"sipvicious"`). The list is
 * what Kamailio and OpenSIPS example configurations, fail2ban and iptables recipes for Asterisk drop.
 * Left out on purpose: `sipsak` and `sipp`, which operators use themselves to test and monitor a server.
 * A scanner that hides its name is met by the allow list and the rate limits instead.
 */
export const SCANNER_AGENTS = [
  'friendly-scanner',
  'friendly-request',
  'sipvicious',
  'sipcli',
  'sip-scan',
  'sipscan',
  'vaxsipuseragent',
  'vaxipuseragent',
  'pplsip',
  'sipptk',
  'sundayddr',
  'iwar',
  'sipbomber',
  'siparmyknife',
  'sivus',
] as const;

// Word boundaries: "iwar" must not match inside another product's name.
const PATTERN = new RegExp(`(?:^|[^a-z0-9])(?:${SCANNER_AGENTS.map((s) => s.replace(/[-]/g, '\\-')).join('|')})(?![a-z])`, 'i');

/** The scanner a request names itself as, or undefined. */
export function scannerName(req: SipRequest): string | undefined {
  for (const value of [...req.getAll('User-Agent'), ...req.getAll('From')]) {
    const m = PATTERN.exec(value);
    if (m) return m[0].replace(/^[^a-z0-9]/i, '').toLowerCase();
  }
  return undefined;
}
