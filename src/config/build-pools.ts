/**
 * `sourcetrak_pools` from the validated shape to the model, with the checks that need the whole file:
 * which numbers are routed, and that no number is in two pools (build.ts calls it last).
 */
import { PHONE_NUMBER, type RawSourcetrakPool } from './schema.js';
import type { Flows, SourcetrakPool } from './types.js';
import type { SourceLookup } from './build.js';
import { formatPath, type Path } from './yaml-source.js';

/**
 * SourceTrak pools. A call is matched to a visit by the number it reached, so each number may belong
 * to one pool only, and must be routed (a number shown on a website that nobody answers loses calls).
 */
export function buildSourcetrakPools(raws: RawSourcetrakPool[], flows: Flows, src: SourceLookup, fail: (path: Path, message: string) => void): Map<string, SourcetrakPool> {
  const pools = new Map<string, SourcetrakPool>();
  const poolAt = new Map<string, number>();
  /** Every number some pool uses, and where it was first seen, for "in two pools". */
  const owner = new Map<string, { pool: string; path: Path }>();
  raws.forEach((r, i) => {
    const path: Path = ['sourcetrak_pools', i];
    const seen = poolAt.get(r.name);
    if (seen !== undefined) fail([...path, 'name'], `duplicate pool name "${r.name}" (first defined at line ${src.lineOf(['sourcetrak_pools', seen, 'name'])})`);
    else poolAt.set(r.name, i);
    const claim = (text: string, at: Path): void => {
      if (!PHONE_NUMBER.test(text)) return fail(at, 'expected a phone number: digits with an optional leading +');
      if (!flows.numbers.has(text)) fail(at, `${text} is not routed under numbers: a visitor shown it could call and reach nothing`);
      const first = owner.get(text);
      if (first) {
        const where = first.pool === r.name ? 'this pool' : `pool "${first.pool}"`;
        // Data from the API has no lines: its path says where instead.
        const line = src.lineOf(first.path);
        fail(at, `${text} is already in ${where} (${line > 0 ? `line ${line}` : formatPath(first.path)}): a number belongs to one pool, once`);
      } else owner.set(text, { pool: r.name, path: at });
    };
    const numberText = (v: string | number, at: Path): string => (typeof v === 'string' ? v : (src.sourceOf(at) ?? String(v)));
    const numbers = r.numbers.map((n, j) => numberText(n, [...path, 'numbers', j]));
    if (numbers.length === 0) fail([...path, 'numbers'], 'a pool needs at least one number to show visitors');
    numbers.forEach((n, j) => claim(n, [...path, 'numbers', j]));
    const sourceguard = r.sourceguard_numbers.map((n, j) => numberText(n, [...path, 'sourceguard_numbers', j]));
    sourceguard.forEach((n, j) => claim(n, [...path, 'sourceguard_numbers', j]));
    let defaultNumber = numbers[0] ?? '';
    if (r.default_number !== undefined) {
      const at = [...path, 'default_number'];
      defaultNumber = numberText(r.default_number, at);
      // Among the pool's own numbers it is set aside; outside them it must be routed and nobody else's.
      if (!numbers.includes(defaultNumber)) {
        if (sourceguard.includes(defaultNumber)) fail(at, `${defaultNumber} is a SourceGuard number of this pool; choose one of numbers or another routed number`);
        else claim(defaultNumber, at);
      }
    }
    if (numbers.length > 0 && numbers.every((n) => n === defaultNumber)) {
      fail([...path, 'numbers'], `no number left to show tracked visitors: ${defaultNumber} is the default number (for visitors who ask not to be tracked); add numbers, or make default_number another routed number such as your main line`);
    }
    const locations = new Set<string>();
    r.locations.forEach((l, j) => {
      if (locations.has(l)) fail([...path, 'locations', j], `duplicate location "${l}"`);
      locations.add(l);
    });
    const replaceNumbers = r.replace_numbers.map((n, j) => {
      const text = numberText(n, [...path, 'replace_numbers', j]);
      if (!/^\+?[0-9]{7,15}$/.test(text)) fail([...path, 'replace_numbers', j], 'expected the number as your pages show it, 7-15 digits (with an optional leading +)');
      return text;
    });
    const pool: SourcetrakPool = {
      name: r.name,
      numbers,
      defaultNumber,
      sourceguardNumbers: sourceguard,
      activityKeyword: r.activity_keyword,
      domains: r.domains.map((d) => d.toLowerCase()),
      campaign: r.campaign,
      platform: r.platform,
      locations: [...locations],
      replaceNumbers,
      holdMinutes: r.hold_minutes,
    };
    if (r.domain_set_id !== undefined) pool.domainSetId = r.domain_set_id;
    if (!pools.has(r.name)) pools.set(r.name, pool);
  });
  return pools;
}
