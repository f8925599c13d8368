/**
 * What the hostile-traffic tests tried and what came back, for `npm run test:hostile`
 * (scripts/test-hostile.ts), which sets HOOKLINE_HOSTILE_REPORT to a file and prints the sum. Outside
 * that run this does nothing: the tests assert on the same numbers themselves.
 */
import { appendFileSync } from 'node:fs';

export interface HostileEntry {
  /** The row of the summary: scanner, sip_allow, rate_limit, flood, enumeration, webhook_fault, ... */
  section: string;
  /** What was tried, in a few words. */
  case: string;
  /** How many requests (or connections, or webhooks) were tried. */
  tried: number;
  answered?: number;
  dropped?: number;
  /** What the caller or sender got back, in a few words ("nothing", "403 x3, then nothing", a prompt). */
  heard: string;
}

export function reportHostile(e: HostileEntry): void {
  const file = process.env['HOOKLINE_HOSTILE_REPORT'];
  if (file) appendFileSync(file, JSON.stringify(e) + '\n');
}
