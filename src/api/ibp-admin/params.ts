/**
 * Reading the original Administration API's form fields (docs/ibp-api.md). Every failure is an
 * AdminError whose first issue names the parameter as the caller wrote it, so the answer can say
 * "Missing Required Parameter: findme_id" or "Invalid Parameter: timeout (expected 10 to 60)".
 */
import { normaliseDialNumber } from '../../config/dial-policy.js';
import { AdminError } from '../../admin/errors.js';
import type { Fields } from '../initiate-form.js';

export function missing(name: string, why = 'required'): AdminError {
  return new AdminError('bad_request', `missing required parameter ${name}`, { issues: [{ path: name, message: why }] });
}

export function invalid(name: string, why: string): AdminError {
  return new AdminError('invalid', `invalid ${name}: ${why}`, { issues: [{ path: name, message: why }] });
}

/** Something the original offered that hookline does not: the answer is this sentence as it stands. */
export function notOffered(sentence: string): AdminError {
  return new AdminError('unavailable', sentence);
}

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export class Params {
  constructor(readonly fields: Fields) {}

  /** The first of the names given a non-empty value (aliases: what one of the original's clients sends). */
  text(...names: string[]): string | undefined {
    for (const n of names) {
      const v = this.fields.get(n);
      if (v !== undefined && v.trim() !== '') return v.trim();
    }
    return undefined;
  }

  /** Which of the names carries the value, for messages about it. */
  nameOf(...names: [string, ...string[]]): string {
    return names.find((n) => this.text(n) !== undefined) ?? names[0];
  }

  has(...names: string[]): boolean {
    return this.text(...names) !== undefined;
  }

  required(...names: [string, ...string[]]): string {
    const v = this.text(...names);
    if (v === undefined) throw missing(names[0]);
    return v;
  }

  int(names: string | [string, ...string[]], min: number, max: number): number | undefined {
    const list: [string, ...string[]] = typeof names === 'string' ? [names] : names;
    const v = this.text(...list);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?[0-9]{1,12}$/.test(v) || n < min || n > max) throw invalid(this.nameOf(...list), `expected a whole number from ${min} to ${max}`);
    return n;
  }

  requiredInt(name: string, min: number, max: number): number {
    const n = this.int(name, min, max);
    if (n === undefined) throw missing(name);
    return n;
  }

  /** A building block or row id: a positive whole number. */
  id(...names: [string, ...string[]]): number {
    const v = this.required(...names);
    if (!/^[1-9][0-9]{0,9}$/.test(v)) throw invalid(this.nameOf(...names), 'expected an id: a positive whole number');
    return Number(v);
  }

  optionalId(...names: [string, ...string[]]): number | undefined {
    return this.has(...names) ? this.id(...names) : undefined;
  }

  /** 1/0 (the original's flags), true/false. */
  flag(name: string): boolean | undefined {
    const v = this.text(name)?.toLowerCase();
    if (v === undefined) return undefined;
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    throw invalid(name, 'expected 1 or 0');
  }

  /** One of `values`, matched without regard to case; returned as listed. */
  choice<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (hit === undefined) throw invalid(name, `expected one of ${values.join(', ')}`);
    return hit;
  }

  /** E.164; the original took unformatted 10-digit numbers (its PHP client strips everything else). */
  phone(name: string): string {
    return phoneValue(name, this.required(name));
  }

  /** `YYYYMMDD` (the original's form), or `YYYY-MM-DD`. */
  date(name: string): CalendarDate | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
    const d = m && { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    const real = d && new Date(Date.UTC(d.year, d.month - 1, d.day));
    if (!d || !real || real.getUTCMonth() !== d.month - 1 || real.getUTCDate() !== d.day) throw invalid(name, 'expected a date as YYYYMMDD');
    return d;
  }

  /** A time of day as minutes after midnight: `HH:MM`, `HHMM`, `HH:MM:SS` (seconds dropped) or `HH`. */
  timeOfDay(name: string): number | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const m = /^(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?$/.exec(v);
    const h = Number(m?.[1]);
    const min = Number(m?.[2] ?? 0);
    if (!m || h > 23 || min > 59 || Number(m[3] ?? 0) > 59) throw invalid(name, 'expected a time of day as HH:MM');
    return h * 60 + min;
  }
}

export function phoneValue(name: string, raw: string): string {
  const n = normaliseDialNumber(raw);
  if (n === undefined || n.length < 4 || n.length > 16) throw invalid(name, 'not a phone number');
  return n;
}
