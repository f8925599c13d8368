/**
 * Table-shaped answers (routing.numbers, report.*): the same rows as XML elements, as CSV (csv-stringify,
 * RFC 4180 quoting, a header line) or as tab-separated text (the original's `format=text`).
 */
import { stringify } from 'csv-stringify/sync';
import type { IbpAnswer } from './context.js';
import type { XmlNode } from './xml.js';

export type Cell = string | number;
export type Row = Readonly<Record<string, Cell>>;

export function tableAnswer(format: 'xml' | 'csv' | 'text', columns: readonly string[], rows: readonly Row[], o: { list: string; item: string; filename: string; extra?: readonly XmlNode[] }): IbpAnswer {
  if (format === 'xml') {
    const items = rows.map((r): XmlNode => [o.item, columns.map((c): XmlNode => [c, r[c] ?? ''])]);
    return { xml: [...(o.extra ?? []), [o.list, items]] };
  }
  const body = stringify(
    rows.map((r) => columns.map((c) => r[c] ?? '')),
    { header: true, columns: [...columns], delimiter: format === 'csv' ? ',' : '\t', record_delimiter: 'windows' },
  );
  return format === 'csv'
    ? { body, contentType: 'text/csv; charset=utf-8', filename: `${o.filename}.csv` }
    : { body, contentType: 'text/plain; charset=utf-8' };
}
