/**
 * A plain-text table: columns sized to their content up to a width, longer cells wrapped on spaces. The
 * first field of each row names its section, printed as a heading line when it changes.
 */

export interface Column {
  title: string;
  max: number;
}

function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** `rows[i][0]` is the section; `rows[i][1..]` go in `columns`. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const cells = rows.map((r) => columns.map((c, i) => wrap(r[i + 1] ?? '', c.max)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => Math.max(...(r[i] ?? ['']).map((l) => l.length)))));
  const line = (parts: string[]): string => parts.map((p, i) => p.padEnd(widths[i] as number)).join(' | ').trimEnd();
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  const out = [line(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('-+-')];
  let section: string | undefined;
  for (const [k, r] of cells.entries()) {
    const s = rows[k]?.[0] ?? '';
    if (s !== section) {
      out.push(`== ${s} ${'='.repeat(Math.max(0, total - s.length - 4))}`);
      section = s;
    }
    const height = Math.max(...r.map((c) => c.length));
    for (let h = 0; h < height; h++) out.push(line(r.map((c) => c[h] ?? '')));
  }
  return out.join('\n');
}
