/**
 * Reading a running `hookline serve` from outside, for tests and benchmarks: its JSON log lines and its
 * Prometheus metrics.
 */

/** Log lines of level error (50) or fatal (60) in a server's output: a clean run has none. */
export function errorLogs(output: string): string[] {
  return output.split('\n').filter((l) => {
    if (!l.startsWith('{')) return false;
    try {
      return Number((JSON.parse(l) as { level?: unknown }).level) >= 50;
    } catch {
      return false;
    }
  });
}

/** One value of a Prometheus text exposition (the first series of that name, labels ignored unless given). */
export function metric(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name && (labels === '' || (m[2] ?? '').includes(labels))) return Number(m[3]);
  }
  return undefined;
}
