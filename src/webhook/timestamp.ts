import { WebhookError } from './errors.js';

/** One formatter per zone: building an Intl.DateTimeFormat is far costlier than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        // h23, not hour12:false: the latter prints midnight as "24" in some ICU versions.
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (err) {
      throw new WebhookError('bad_param', `unknown time zone "${timeZone}"`, { cause: err });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * ISO 8601 with the zone's offset at that instant, whole seconds: `2026-11-24T13:43:55-05:00`.
 * Intl gives the wall-clock fields; the offset is their distance from UTC, so daylight saving
 * and historical rules come from the ICU data rather than from code here.
 */
export function formatTimestamp(date: Date, timeZone: string): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new WebhookError('bad_param', 'invalid date for timestamp');
  const seconds = Math.floor(ms / 1000) * 1000;
  const fields: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(seconds)) {
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Rounded to minutes: offsets with seconds only exist in pre-1900 local mean time.
  const offsetMin = Math.round((wall - seconds) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return (
    `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
