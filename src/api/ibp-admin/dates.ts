/**
 * Dates as the original Administration API speaks them: calendar days (`YYYYMMDD`) and times of day
 * in the account's time zone, which for hookline is the flows file's `timezone`. @date-fns/tz does
 * the zone arithmetic (daylight saving included) so none is written by hand here.
 */
import { TZDate } from '@date-fns/tz';
import type { CalendarDate } from './params.js';

/** The instant a calendar day starts in `zone` (`days` later when given: the end of a range is the next day's start). */
export function startOfDay(d: CalendarDate, zone: string, days = 0): Date {
  return new Date(new TZDate(d.year, d.month - 1, d.day + days, 0, 0, 0, zone).getTime());
}

/** Minutes after local midnight in `zone`. */
export function minuteOfDay(at: Date, zone: string): number {
  const local = new TZDate(at.getTime(), zone);
  return local.getHours() * 60 + local.getMinutes();
}

/** Inside a daily window [start, end], which may wrap past midnight (22:00 to 06:00). */
export function inWindow(minute: number, start: number, end: number): boolean {
  return start <= end ? minute >= start && minute <= end : minute >= start || minute <= end;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in `zone`: the form a spreadsheet reads as a date and time. */
export function localTimestamp(at: Date, zone: string): string {
  const t = new TZDate(at.getTime(), zone);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}
