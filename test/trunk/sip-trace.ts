/**
 * Reading what SIPp logged in the trunk interop tests: its -trace_msg messages, and Digest credentials
 * checked from scratch (not with hookline's own digest code). Re-exported by harness.ts.
 */
import { createHash } from 'node:crypto';

/** One SIP message of a SIPp -trace_msg log: when and which way it went, and its text (CRLF kept as LF). */
export interface TracedMessage {
  /** When SIPp logged it (ms since the epoch; its log has local time to the microsecond). */
  at: number;
  dir: 'sent' | 'received';
  text: string;
  /** First line, e.g. `INVITE sip:...` or `SIP/2.0 401 Unauthorized`. */
  start: string;
  callId: string;
  header(name: string): string | undefined;
}

/** Splits a SIPp -trace_msg log into its messages, in order (each after a line of dashes and its time). */
export function parseSippTrace(log: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  const parts = log.split(/^-{10,}([^\n]*)\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const m = /^\s*(?:UDP|TCP)\s+message\s+(sent|received)[^\n]*\n+([\s\S]*)$/i.exec(parts[i + 1] as string);
    if (!m) continue;
    const stamp = /(\d{4}-\d\d-\d\d)[ \t](\d\d:\d\d:\d\d\.\d{3})/.exec(parts[i] as string);
    const text = (m[2] ?? '').replace(/\r\n/g, '\n').replace(/\n+$/, '');
    const lines = text.split('\n');
    const header = (name: string): string | undefined => {
      const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}\\s*:\\s*(.*)$`, 'i');
      for (const l of lines) {
        if (l === '') break;
        const h = re.exec(l);
        if (h) return (h[1] as string).trim();
      }
      return undefined;
    };
    out.push({
      at: stamp ? new Date(`${stamp[1]}T${stamp[2]}`).getTime() : NaN,
      dir: (m[1] as string).toLowerCase() as 'sent' | 'received',
      text,
      start: (lines[0] ?? '').trim(),
      callId: header('Call-ID') ?? '',
      header,
    });
  }
  return out;
}

/** The parameters of a Digest challenge or credentials header value (RFC 7616 §3.3, §3.4). */
export function digestParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = value.replace(/^\s*Digest\s+/i, '');
  for (const m of body.matchAll(/([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[(m[1] as string).toLowerCase()] = m[2] ?? m[3] ?? '';
  return params;
}

/**
 * Whether Digest credentials answer `method` with this password (RFC 2617 §3.2.2, MD5, qop auth or none),
 * computed here from scratch rather than by hookline's own digest code.
 */
export function digestVerifies(credentials: string, method: string, password: string): boolean {
  const p = digestParams(credentials);
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  if ((p.algorithm ?? 'MD5').toUpperCase() !== 'MD5') return false;
  const ha1 = md5(`${p.username}:${p.realm}:${password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
  return p.response === expected;
}
